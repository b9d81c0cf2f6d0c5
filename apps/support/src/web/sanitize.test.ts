import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_HTML_CHARS, MAX_MESSAGE_HTML_ELEMENTS, sanitizeMessageHtml } from './sanitize.js';

describe('sanitizeMessageHtml', () => {
  const cid = (id: string) => (id === 'logo@x' ? '/attachments/abc' : null);

  it('removes scripts, handlers and javascript: links', () => {
    const out = sanitizeMessageHtml(
      '<p onclick="steal()">Hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a><style>p{}</style><iframe src="https://evil"></iframe>',
      cid,
    );
    expect(out).not.toMatch(/script|onclick|javascript|style|iframe/i);
    expect(out).toContain('<p>Hi</p>');
  });

  it('survives a malformed percent-escape in a cid: reference', () => {
    expect(() => sanitizeMessageHtml('<p>hi</p><img src="cid:%E0%A4%A">', cid)).not.toThrow();
  });

  it('rewrites cid: images and drops remote images', () => {
    const out = sanitizeMessageHtml(
      '<img src="cid:logo@x" alt="logo"><img src="https://tracker.example/p.gif" alt="pixel"><img src="cid:unknown">',
      cid,
    );
    expect(out).toContain('<img alt="logo" src="/attachments/abc" />');
    expect(out).not.toContain('tracker');
    expect(out.match(/<img/g)).toHaveLength(1);
  });

  it('keeps links safe', () => {
    expect(sanitizeMessageHtml('<a href="https://example.com">x</a>', cid)).toBe(
      '<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    );
  });
});

describe('sanitizeMessageHtml on hostile nesting', () => {
  it('flattens 2,800 nested elements before parsing (bounded nesting kept; deeper floods are cut by the size limits below)', () => {
    const html = `${'<div><span>'.repeat(1400)}deep${'</span></div>'.repeat(1400)}`;
    const out = sanitizeMessageHtml(html, () => null);
    expect(out).toContain('deep');
    expect(out.match(/<div>/g)?.length ?? 0).toBeLessThanOrEqual(100);
  });
});

describe('sanitizeMessageHtml on oversized HTML', () => {
  it('1 MB of inline tags: shows the first MAX_MESSAGE_HTML_CHARS, cut before a tag, with a notice', () => {
    const html = `<p>start</p>${'<b><i><u><span a="1">x</span></u></i></b>'.repeat(25_000)}`;
    const out = sanitizeMessageHtml(html, () => null);
    expect(out.startsWith('<p>start</p>')).toBe(true);
    expect(out).toContain(`the viewer shows at most ${MAX_MESSAGE_HTML_CHARS / 1024} KiB`);
    expect(out.length).toBeLessThan(MAX_MESSAGE_HTML_CHARS);
  });

  it('many <img> under the byte limit: at most MAX_MESSAGE_HTML_ELEMENTS elements, with a notice', () => {
    const html = '<img src="cid:logo@x" alt="l">'.repeat(MAX_MESSAGE_HTML_ELEMENTS + 500);
    const out = sanitizeMessageHtml(html, () => '/attachments/1');
    expect(out.split('<img').length - 1).toBe(MAX_MESSAGE_HTML_ELEMENTS);
    expect(out).toContain('Only the first');
  });

  it('one tag with a megabyte of attributes shows nothing of it, and says so', () => {
    const out = sanitizeMessageHtml(`<p ${'a=1 '.repeat(300_000)}>x</p>`, () => null);
    expect(out).toMatch(/^<p class="truncated">/);
  });

  it('HTML within the limits has no notice', () => {
    expect(sanitizeMessageHtml('<p>hi</p>', () => null)).toBe('<p>hi</p>');
  });
});
