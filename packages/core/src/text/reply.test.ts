import { describe, expect, it } from 'vitest';
import { extractReply } from './reply.js';
import { extractTextReply } from './reply-text.js';
import { extractHtmlReply } from './reply-html.js';

describe('extractTextReply', () => {
  it('reports the quoted history and the signature separately', () => {
    const r = extractTextReply(
      'Done.\n\n-- \nBob\nExample Org\n\nOn Tue, Nov 3, 2026 at 10:00 AM Alice <a@example.com> wrote:\n> Is it done?',
    );
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

describe('extractTextReply on real-world shapes', () => {
  it('files a Regards, / Name / Title block as the signature and a list footer as history', () => {
    const r = extractTextReply(
      'Report attached.\n\nRegards,\n\nKim Lee\nHead of Operations\n\n____________\ntools mailing list\nhttps://lists.example.org/mailman/listinfo/tools',
    );
    expect(r.text).toBe('Report attached.');
    expect(r.signature).toBe('Regards,\n\nKim Lee\nHead of Operations');
    expect(r.quoted).toContain('tools mailing list');
  });

  it('cuts at a mobile signature followed by unquoted text: the signature apart, the text as history', () => {
    const r = extractTextReply('On my way.\n\nSent from my Wiko RIDGE 4G\n\nWhen do you arrive?');
    expect(r).toEqual({ text: 'On my way.', signature: 'Sent from my Wiko RIDGE 4G', quoted: 'When do you arrive?' });
  });

  it('keeps a sign-off below a removed quote and reports the quote as history', () => {
    const r = extractTextReply('Yes.\n\nOn 03/04/2026 07:10 AM, Pat Doe wrote:\n> Ready?\n\nRegards, Kim');
    expect(r.text).toBe('Yes.\n\nRegards, Kim');
    expect(r.quoted).toBe('On 03/04/2026 07:10 AM, Pat Doe wrote:\n> Ready?');
  });

  it('keeps the sender text above a split reply/attribution line', () => {
    const r = extractTextReply('ok On Wed, Mar 4, 2026 at 3:59 PM, pat@partner.example wrote:\n> q');
    expect(r.text).toBe('ok');
    expect(r.quoted).toBe('On Wed, Mar 4, 2026 at 3:59 PM, pat@partner.example wrote:\n> q');
  });

  it('does not take a sign-off word inside the sender text for a signature', () => {
    const body = 'Thanks for the quick fix.\nRegards to the team,\nwe are all happy with it.';
    expect(extractTextReply(body).text).toBe(body);
  });

  it('gives bounded, sane answers on floods of the new shapes', () => {
    const floods = [
      'Risposta: x\nDato: 1\n'.repeat(20_000),
      'x On '.repeat(30_000) + 'Mon, 1 Jan 2024 a@b.co wrote:',
      '| a\n'.repeat(30_000),
      '> quoted line that is long enough to have been wrapped by a client\nunquoted\n'.repeat(5_000),
      'Regards,\n'.repeat(30_000),
      `${'-'.repeat(50_000)}On 1 2 a@b.co wrote${'-'.repeat(50_000)}`,
      `On 1 <${'a'.repeat(500)}@${'b'.repeat(300)}\n>:\n`.repeat(200),
    ];
    for (const body of floods) {
      const r = extractTextReply(`Hello\n${body}`);
      expect(r.text.startsWith('Hello')).toBe(true);
      expect(r.text.length + r.quoted.length + (r.signature?.length ?? 0)).toBeLessThanOrEqual(body.length + 100);
    }
  });
});
