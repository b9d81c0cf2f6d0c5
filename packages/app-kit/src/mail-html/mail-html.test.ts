import { describe, expect, it } from 'vitest';
import {
  FORMATTING_TAGS,
  MAIL_HTML_BOUNDS,
  boundHtml,
  linkRel,
  sanitizeBoundedMailHtml,
  sanitizeMailHtml,
} from '../index.js';

const links = {
  allowedTags: FORMATTING_TAGS,
  allowedAttributes: { a: ['href', 'rel'] },
  transformTags: { a: linkRel('nofollow') },
};

describe('sanitizeMailHtml (the kit base every app page builds on)', () => {
  it('keeps http(s) and mailto links, drops javascript:, data: and protocol-relative ones', () => {
    const out = sanitizeMailHtml(
      '<a href="https://a.example">a</a><a href="mailto:x@y.example">m</a><a href="javascript:alert(1)">j</a>' +
        '<a href="data:text/html,x">d</a><a href="//evil.example/x">p</a>',
      links,
    );
    expect(out).toContain('<a href="https://a.example" rel="nofollow">a</a>');
    expect(out).toContain('href="mailto:x@y.example"');
    expect(out).not.toMatch(/javascript|data:|evil\.example/);
  });

  it('drops scripts, styles, event handlers and images whose source was refused', () => {
    const out = sanitizeMailHtml(
      '<p onclick="x()">hi<script>alert(1)</script><img src="https://t.example/p.gif"></p>',
      {
        allowedTags: [...FORMATTING_TAGS, 'img'],
        allowedAttributes: { img: ['src'] },
        allowedSchemesByTag: { img: [] },
      },
    );
    expect(out).toBe('<p>hi</p>');
  });
});

describe('sanitizeBoundedMailHtml on hostile sizes', () => {
  it('1 MB of inline tags: cut before a tag at the size bound, with a notice', () => {
    const html = '<b>x</b>'.repeat(130_000);
    const out = sanitizeBoundedMailHtml(html, { allowedTags: [...FORMATTING_TAGS, 'b'] });
    expect(out).toContain(`the viewer shows at most ${MAIL_HTML_BOUNDS.maxChars / 1024} KiB`);
    expect(out.split('<b>').length - 1).toBeLessThanOrEqual(MAIL_HTML_BOUNDS.maxElements);
    expect(out).not.toMatch(/<b>x<\/b?$/);
  });

  it('50,000 nested elements under the size bound: nesting flattened, the element bound holds', () => {
    const html = '<div>'.repeat(50_000) + 'deep' + '</div>'.repeat(50_000);
    const bounded = boundHtml(html, { maxChars: 1_000_000, maxElements: 100 });
    expect(bounded.html.split('<div>').length - 1).toBeLessThanOrEqual(100);
    expect(bounded.html).toContain('deep');
  });

  it('more elements than the bound: cut there, and said to be cut', () => {
    const bounded = boundHtml('<p>x</p>'.repeat(500), { maxChars: 1_000_000, maxElements: 100 });
    expect(bounded.truncated).toBe(true);
    expect(bounded.html.split('<p>').length - 1).toBe(100);
  });

  it('small HTML passes unchanged and without a notice', () => {
    expect(sanitizeBoundedMailHtml('<p>hi</p>', links)).toBe('<p>hi</p>');
  });
});
