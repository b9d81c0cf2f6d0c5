import { describe, expect, it } from 'vitest';
import { sanitizeMessageHtml } from './sanitize.js';

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
    const out = sanitizeMessageHtml('<img src="cid:logo@x" alt="logo"><img src="https://tracker.example/p.gif" alt="pixel"><img src="cid:unknown">', cid);
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
  it('flattens 50,000 nested elements before parsing (no stack overflow, bounded nesting kept)', () => {
    const html = `${'<div><span>'.repeat(25_000)}deep${'</span></div>'.repeat(25_000)}`;
    const out = sanitizeMessageHtml(html, () => null);
    expect(out).toContain('deep');
    expect(out.match(/<div>/g)?.length ?? 0).toBeLessThanOrEqual(100);
  });
});
