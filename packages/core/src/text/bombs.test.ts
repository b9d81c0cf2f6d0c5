/**
 * Adversarial input for the text algorithms: every case is shaped to hit a super-linear path that existed
 * (cubic ADDRESS in the DSN parser, quadratic line regexes, unshift-per-line in reply(), per-name header
 * lookups in classify()). The assertions are on results and on where work stops, never on wall time.
 */
import { parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { classifyMessage } from './classify.js';
import { MAX_DSN_RECIPIENTS, parseDeliveryReport } from './dsn.js';
import { limitHtml, limitHtmlDepth, MAX_HTML_DEPTH } from './html-depth.js';
import { extractReply } from './reply.js';
import { extractHtmlReply, MAX_HTML_SCAN_CHARS, MAX_HTML_TEXT_ELEMENTS } from './reply-html.js';
import { extractTextReply, MAX_REPLY_SCAN_LINES } from './reply-text.js';
import { authVerdict } from './auth.js';

const dsn = (text: string, headers: Array<{ name: string; value: string }> = []) =>
  parseDeliveryReport({ headers, text, parts: [] });
const ats = (n: number) => 'a@'.repeat(n);

function treeDepth(html: string): number {
  let max = 0;
  const stack: Array<[{ children?: unknown[] }, number]> = [[parseDocument(html), 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    max = Math.max(max, depth);
    for (const child of (node.children ?? []) as Array<{ children?: unknown[] }>) stack.push([child, depth + 1]);
  }
  return max;
}

describe('DSN parsing on hostile bodies', () => {
  it('an Exchange body of a@a@a@… lines yields no recipient, and real recipients around it are still read', () => {
    const text = `Delivery has failed to these recipients or groups:\n${ats(40_000)}\nbob@example.org\n  ${ats(4000)}x.org\n`;
    const report = dsn(text);
    expect(report?.format).toBe('exchange');
    expect(report?.recipients.map((r) => r.address)).toEqual(['bob@example.org']);
  });

  it('postfix, qmail and exim bodies with 100 KB address lines parse to the well-formed recipients only', () => {
    const long = `<${ats(50_000)}>: ${'x'.repeat(1000)}`;
    const postfix = dsn(
      `This is the mail system at host mx.example.net.\n\n${long}\n<ann@example.org>: host mx.example.org said: 550 5.1.1 unknown\n`,
    );
    expect(postfix?.recipients).toHaveLength(2);
    expect(postfix?.recipients.map((r) => [r.address.length > 100, r.status])).toEqual([
      [true, null],
      [false, '5.1.1'],
    ]);
    const qmail = dsn(
      `Hi. This is the qmail-send program at mx.example.net.\n\n<${ats(50_000)}\n<ann@example.org>:\n550 no such user\n`,
    );
    expect(qmail?.recipients.map((r) => r.address)).toEqual(['ann@example.org']);
    const exim = dsn(
      `This message was created automatically by mail delivery software.\n\n  ${ats(50_000)}(\n  ann@example.org\n    host mx.example.org [192.0.2.1]\n`,
    );
    expect(exim?.recipients.at(-1)?.address).toBe('ann@example.org');
  });

  it('Message-ID lines of a@@@… do not count as the original message id; a real one further down does', () => {
    const text = `${'Message-ID: ' + '@'.repeat(100_000)}\nMessage-ID: <orig@mailroom.example>\nThis is the mail system at host mx.\n\n<ann@example.org>: 550 gone\n`;
    expect(dsn(text)?.originalMessageId).toBe('orig@mailroom.example');
  });

  it(`stops at ${MAX_DSN_RECIPIENTS} recipients`, () => {
    const lines = Array.from({ length: MAX_DSN_RECIPIENTS + 500 }, (_, i) => `<user${i}@example.org>: 550 gone`).join(
      '\n',
    );
    const report = dsn(`This is the mail system at host mx.example.net.\n\n${lines}\n`);
    expect(report?.recipients).toHaveLength(MAX_DSN_RECIPIENTS);
    const header = dsn('', [
      { name: 'X-Failed-Recipients', value: Array.from({ length: 5000 }, (_, i) => `u${i}@example.org`).join(', ') },
    ]);
    expect(header?.recipients).toHaveLength(MAX_DSN_RECIPIENTS);
  });
});

describe('HTML nesting', () => {
  it('flattens 100,000 nested elements to MAX_HTML_DEPTH before anything parses them', () => {
    const html = '<div>'.repeat(100_000) + 'deep text' + '</div>'.repeat(100_000);
    const flat = limitHtmlDepth(html);
    expect(treeDepth(flat)).toBeLessThanOrEqual(MAX_HTML_DEPTH + 1);
    expect(flat).toContain('deep text');
  });

  it.each([
    ['implied closes that do not close (<td><p>)', '<td><p>'.repeat(30_000)],
    ['end tags hidden in raw text (<script></div>)', '<div><script></div></script>'.repeat(20_000)],
    ['a ">" inside a quoted attribute', '<div><x a=">" </div>'.repeat(20_000)],
    ['<p><div></p> (the div closes the p, the </p> closes nothing)', '<p><div></p>'.repeat(20_000)],
    ['svg with self-closing children', '<svg><g/>'.repeat(30_000)],
  ])('bounds the depth htmlparser2 builds for %s', (_, html) => {
    expect(treeDepth(html)).toBeGreaterThan(MAX_HTML_DEPTH * 10); // the shape really nests…
    expect(treeDepth(limitHtmlDepth(html))).toBeLessThanOrEqual(MAX_HTML_DEPTH + 2); // …until flattened (+ a raw-text element and its text)
  });

  it('leaves ordinary markup untouched', () => {
    const html = '<html><body>' + '<table><tr><td><p>cell<br>line</p></td></tr></table>'.repeat(500) + '</body></html>';
    expect(limitHtmlDepth(html)).toBe(html);
  });

  it('reply() of a 2 MB, 100,000-deep HTML-only email returns (no stack overflow), reading only the first window', () => {
    const html =
      '<div>'.repeat(100_000) + '<p>new text</p>' + '</div>'.repeat(100_000) + '<div class="gmail_quote">old</div>';
    const reply = extractReply({ text: null, html });
    expect(reply.html).toBe(html); // nothing cut in the examined window: the HTML stays as it is
    expect(reply.text).toBe(''); // the text sits past MAX_HTML_SCAN_CHARS
  });

  it('cuts at a quote marker inside the window and drops the unexamined rest with it', () => {
    const html = `<p>my answer</p><div class="gmail_quote">On Mon, 1 Jan 2024, a@b.c wrote:<blockquote>${'<p>old</p>'.repeat(MAX_HTML_SCAN_CHARS / 5)}</blockquote></div>`;
    const reply = extractReply({ text: null, html });
    expect(reply.text).toBe('my answer');
    expect(reply.html).not.toContain('old');
  });
});

describe('HTML element floods', () => {
  const count = (text: string, word: string) => text.split(word).length - 1;

  it('limitHtml ends the HTML before the start tag of element maxElements + 1, in the same pass as the depth limit', () => {
    expect(limitHtml('<p>a</p><p>b</p><p>c</p>', { maxElements: 2 })).toEqual({
      html: '<p>a</p><p>b</p>',
      truncated: true,
    });
    expect(limitHtml('<p>a</p><p>b</p>', { maxElements: 2 })).toEqual({ html: '<p>a</p><p>b</p>', truncated: false });
    // Tags dropped for depth are not counted: they are not elements any more.
    const deep = limitHtml(`${'<div>'.repeat(150)}x<br>y<hr>z`, { maxDepth: 100, maxElements: 101 });
    expect(deep.truncated).toBe(true);
    expect(deep.html).toContain('x<br>y');
    expect(deep.html).not.toContain('<hr>');
    expect(count(deep.html, '<div>')).toBe(100);
    // An unterminated tag at the cut, attributes and comments: the cut is at a tag start.
    expect(limitHtml('<b a=">">1</b><!-- <i> --><i>2</i><u', { maxElements: 1 })).toEqual({
      html: '<b a=">">1</b><!-- <i> -->',
      truncated: true,
    });
  });

  it('a flood of gmail_quote siblings below the answer is cut whole, its text bounded', () => {
    const html = `<p>new</p>${'<div class="gmail_quote">q</div>\n'.repeat(30_000)}`;
    const reply = extractReply({ text: null, html });
    expect(reply.text).toBe('new');
    expect(reply.html).not.toContain('gmail_quote');
    expect(count(reply.quoted, 'q')).toBeGreaterThan(100);
    expect(count(reply.quoted, 'q')).toBeLessThanOrEqual(MAX_HTML_TEXT_ELEMENTS);
  });

  it('interleaved quotes with the next content far away: nothing is cut, and the text stops at MAX_HTML_TEXT_ELEMENTS', () => {
    const html = `<p>new</p>${'<blockquote type="cite">q</blockquote>'.repeat(20)}${'<span></span>'.repeat(8000)}<p>far</p>`; // within MAX_HTML_SCAN_CHARS
    const reply = extractHtmlReply(html);
    expect(reply).toMatchObject({ html, cut: false });
    const text = extractReply({ text: null, html }).text;
    expect(text.startsWith('new')).toBe(true);
    expect(text).not.toContain('far');
  });

  it('the text of an HTML-only email holds its first MAX_HTML_TEXT_ELEMENTS elements', () => {
    const html = Array.from({ length: 3 * MAX_HTML_TEXT_ELEMENTS }, (_, i) => `<p>line ${i}</p>`).join('');
    const lines = extractReply({ text: null, html }).text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(MAX_HTML_TEXT_ELEMENTS);
    expect(lines.at(-1)).toBe(`line ${MAX_HTML_TEXT_ELEMENTS - 1}`);
  });
});

describe('reply() on hostile text', () => {
  it('a 1 MB single-line body is returned whole', () => {
    const line = 'x'.repeat(1024 * 1024);
    expect(extractTextReply(line).text).toBe(line);
  });

  it('alternating quote and attribution lines are all history (the loop no longer unshifts per line)', () => {
    const lines = ['my answer', ''];
    for (let i = 0; i < 4000; i++) lines.push(`On Mon, 1 Jan 2024, a${i}@b.c wrote:`, `> quoted ${i}`);
    const reply = extractTextReply(lines.join('\n'));
    expect(reply.text).toBe('my answer');
    expect(reply.quoted.split('\n')).toHaveLength(8000);
  });

  it('a run of 9,000 attribution lines followed by a quote is one attribution block', () => {
    const text = [
      'answer',
      ...Array.from({ length: 9000 }, () => 'On Mon, 1 Jan 2024 at 10:00, ann@example.org wrote:'),
      '> old',
    ].join('\n');
    expect(extractTextReply(text).text).toBe('answer');
  });

  it('signature-delimiter and quote-marker floods end where the first one is', () => {
    const sig = extractTextReply(`hello\n${'-- \nsig\n'.repeat(5000)}`);
    expect(sig.text).toBe('hello');
    expect(sig.signature?.startsWith('sig\n-- ')).toBe(true);
    const markers = extractTextReply(`hello\n${'-----Original Message-----\n'.repeat(5000)}`);
    expect(markers.text).toBe('hello');
  });

  it(`examines only the first ${MAX_REPLY_SCAN_LINES} lines: a marker past them cuts nothing, and the rest is passed through`, () => {
    const head = Array.from({ length: MAX_REPLY_SCAN_LINES + 10 }, (_, i) => `line ${i}`);
    const text = [...head, '-----Original Message-----', 'old'].join('\n');
    const reply = extractTextReply(text);
    expect(reply.text).toBe(text);
    const cut = extractTextReply(['answer', '-----Original Message-----', ...head].join('\n'));
    expect(cut.text).toBe('answer');
    expect(cut.quoted.endsWith(`line ${MAX_REPLY_SCAN_LINES + 9}`)).toBe(true);
  });
});

describe('classify() and authVerdict() on header floods', () => {
  it('200,000 headers: every signal found, reasons capped in number and length', () => {
    const headers = Array.from({ length: 200_000 }, (_, i) => ({
      name: i % 2 ? 'X-Loop' : `X-Filler-${i}`,
      value: `loop.example.com ${'v'.repeat(i % 500)}`,
    }));
    headers.push({ name: 'List-Id', value: 'x'.repeat(100_000) });
    const result = classifyMessage(
      { headers, subject: 'hi', from: { address: 'ann@example.org', name: '' } },
      { ownDomains: ['loop.example.com'] },
    );
    expect(result.kind).toBe('loop');
    expect(result.reasons.length).toBeLessThanOrEqual(51);
    expect(result.reasons.some((r) => r.startsWith('List-Id:'))).toBe(true);
    expect(Math.max(...result.reasons.map((r) => r.length))).toBeLessThanOrEqual(201);
  });

  it('a null Return-Path of 100,000 spaces is still the null sender; a 100 KB From domain aligns with nothing', () => {
    const bounce = classifyMessage({
      headers: [{ name: 'Return-Path', value: `<${' '.repeat(100_000)}>` }],
      subject: '',
      from: null,
    });
    expect(bounce.reasons).toContain('null Return-Path <>');
    const verdict = authVerdict({
      from: { address: `a@${'.'.repeat(100_000)}x`, name: '' },
      auth: { spf: 'pass', dkim: [] },
      envelope: { from: `b@${'.'.repeat(100_000)}x` },
    });
    expect(verdict.aligned).toBe(false);
  });
});
