import { describe, expect, it } from 'vitest';
import { sanitizeMessageHtml } from './views.js';

describe("the archive's message HTML (sanitizeMessageHtml)", () => {
  it('keeps formatting and links (rel nofollow), drops scripts, styles, images and javascript: links', () => {
    const out = sanitizeMessageHtml(
      '<p style="color:red">Hi <b>all</b></p><script>alert(1)</script><img src="https://t.example/p.gif">' +
        '<a href="https://list.example/x">ok</a><a href="javascript:alert(1)">bad</a>',
    );
    expect(out).toBe(
      '<p>Hi <b>all</b></p><a href="https://list.example/x" rel="noopener noreferrer nofollow">ok</a><a rel="noopener noreferrer nofollow">bad</a>',
    );
  });

  it('a sender’s 1 MB of inline tags is bounded before sanitizing (every archive view pays for it), with a notice', () => {
    const out = sanitizeMessageHtml('<b>x</b>'.repeat(130_000));
    expect(out).toContain('the viewer shows at most 128 KiB and 3,000 elements');
    expect(out.split('<b>').length - 1).toBeLessThanOrEqual(3000);
  });
});
