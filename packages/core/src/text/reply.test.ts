import { describe, expect, it } from 'vitest';
import { extractReply } from './reply.js';
import { extractTextReply } from './reply-text.js';
import { extractHtmlReply } from './reply-html.js';

describe('extractTextReply', () => {
  it('reports the quoted history and the signature separately', () => {
    const r = extractTextReply('Done.\n\n-- \nBob\nExample Org\n\nOn Tue, Nov 3, 2026 at 10:00 AM Alice <a@example.com> wrote:\n> Is it done?');
    expect(r).toEqual({
      text: 'Done.',
      signature: 'Bob\nExample Org',
      quoted: 'On Tue, Nov 3, 2026 at 10:00 AM Alice <a@example.com> wrote:\n> Is it done?',
    });
  });

  it('honours a custom marker and can disable it', () => {
    const body = 'Yes.\n\n--- write above ---\nOld ticket text';
    expect(extractTextReply(body, { replyAboveMarker: '--- write above ---' }).text).toBe('Yes.');
    expect(extractTextReply('Yes.\n\n## Reply above this line ##\nold', { replyAboveMarker: null }).text).toBe(
      'Yes.\n\n## Reply above this line ##\nold',
    );
  });

  it('matches the marker case- and whitespace-insensitively, even when the client quoted and re-spaced it', () => {
    expect(extractTextReply('Fixed.\n\n>  ##  reply ABOVE this line ##\n> old').text).toBe('Fixed.');
  });

  it('keeps an unattributed trailing quote only when asked to (HTML path)', () => {
    const body = 'My favourite line:\n\n> To be or not to be';
    expect(extractTextReply(body).text).toBe('My favourite line:');
    expect(extractTextReply(body, { stripUnattributedQuotes: false }).text).toBe(body);
  });

  it('does not treat an unclosed fence as protection', () => {
    const r = extractTextReply('See:\n```\ncode\n\nOn Tue, Nov 3, 2026 at 10:00 AM Alice <a@example.com> wrote:\n> q');
    expect(r.text).toBe('See:\n```\ncode');
  });

  it('returns empty text for an empty body', () => {
    expect(extractTextReply('')).toEqual({ text: '', quoted: '', signature: null });
  });

  it('handles a 1 MB pathological body in well under a second', () => {
    const parts = [
      'On '.repeat(20_000) + 'wrote',
      `${'a'.repeat(300_000)}@${'b'.repeat(200_000)}`,
      'From: x\n'.repeat(5_000),
      '> '.repeat(50_000),
      'On Tue, Nov 3, 2026 at\n'.repeat(8_000),
      '-'.repeat(100_000),
      `${'\t '.repeat(40_000)}:`,
    ];
    const body = parts.join('\n');
    expect(body.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    extractTextReply(body);
    extractReply({ text: null, html: `<div>${body.replace(/</g, '&lt;')}</div>` });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('extractHtmlReply', () => {
  it('leaves the HTML untouched when no client marker is present', () => {
    const html = '<p>Hello &amp; welcome</p><blockquote>mine</blockquote>';
    expect(extractHtmlReply(html)).toEqual({ html, quoted: '', signature: null, cut: false });
  });

  it('cuts a Gmail quote and removes its attribution, keeping the rest byte-for-byte', () => {
    const r = extractHtmlReply(
      '<div dir="ltr">Yes &amp; thanks</div><div class="gmail_quote"><div class="gmail_attr">On Tue, Nov 3, 2026 Alice wrote:</div><blockquote class="gmail_quote">Q?</blockquote></div>',
    );
    expect(r.html).toBe('<div dir="ltr">Yes &amp; thanks</div>');
    expect(r.quoted).toContain('Q?');
    expect(r.cut).toBe(true);
  });

  it('does not cut a forward that starts the message (nothing new above the marker)', () => {
    const html = '<div id="divRplyFwdMsg"><b>From:</b> Shop</div><div>Receipt</div>';
    expect(extractHtmlReply(html).cut).toBe(false);
  });

  it('keeps the user’s own blockquote above a real quote', () => {
    const r = extractReply({
      text: null,
      html: '<div>Quote of the day:</div><blockquote>Less is more.</blockquote><div>Agreed?</div><blockquote type="cite">On Nov 3, 2026, at 10:00, A wrote:<br>old</blockquote>',
    });
    expect(r.text).toBe('Quote of the day:\n\n> Less is more.\n\nAgreed?');
    expect(r.html).toBe('<div>Quote of the day:</div><blockquote>Less is more.</blockquote><div>Agreed?</div>');
  });
});

describe('extractReply', () => {
  it('uses the text part for text and the HTML part for html', () => {
    const r = extractReply({
      text: 'Yes.\n\nOn Tue, Nov 3, 2026 at 10:00 AM A <a@example.com> wrote:\n> ?',
      html: '<p>Yes.</p><div class="gmail_quote">On … wrote:<blockquote class="gmail_quote">?</blockquote></div>',
    });
    expect(r).toMatchObject({ text: 'Yes.', html: '<p>Yes.</p>', signature: null });
  });

  it('returns an empty reply for an email without bodies', () => {
    expect(extractReply({ text: null, html: null })).toEqual({ text: '', html: null, quoted: '', signature: null });
  });
});
