import { createRequire } from 'node:module';
import { parseDocument } from 'htmlparser2';
import { type AnyNode, type Document, type Element, isTag, isText } from 'domhandler';
import render from 'dom-serializer';
import { randomBytes } from 'node:crypto';
import { limitHtml, limitHtmlDepth, MAX_HTML_DEPTH } from './html-depth.js';
import { ORIGINAL_MESSAGE, FORWARD_MARKER, WROTE_END, lineHead } from './patterns.js';

const require = createRequire(import.meta.url);
// html-to-text ships no type declarations; only `compile` is used.
const { compile } = require('html-to-text') as {
  compile(options?: Record<string, unknown>): (html: string) => string;
};

export interface HtmlReply {
  /** The HTML with the quoted history and signature removed (nothing else is changed or sanitised). */
  html: string;
  /** The removed history, as text. */
  quoted: string;
  /** The removed signature, as text, or null. */
  signature: string | null;
  /** Whether a client marker was found and something was cut. */
  cut: boolean;
}

export interface HtmlReplyOptions {
  replyAboveMarker?: string | null;
}

interface BoundedOptions extends HtmlReplyOptions {
  /** false: `quoted` is left empty (its text conversion is skipped: the caller takes the history from a text part). */
  quotedText?: boolean;
}

/**
 * How a marked element is treated:
 * - `cut`: the quoted message follows the element without being inside it (Outlook, Yahoo, Zimbra):
 *   the element and everything after it go, provided new content stands above it.
 * - `quote`: the quoted message is inside the element (Gmail, Apple Mail, Thunderbird, ProtonMail):
 *   removed with what follows when nothing new follows it; removed alone when new content follows but
 *   none precedes it (bottom-posting); kept when new content is on both sides (an interleaved reply).
 * - `signature`: removed, its text reported as the signature.
 */
type Role = 'cut' | 'quote' | 'signature';

/** Marked elements examined; each costs a walk of the document, so this bounds the work. */
const MAX_CANDIDATES = 20;
/**
 * Only this much of an HTML body is parsed (the new text of a reply is at its top). Past it the markup is
 * kept as it is when nothing before it was cut, and dropped with the history when it was; its text is not
 * part of `text`, `quoted` or `signature`. Bounds every pass below (parse, walks, render, html-to-text).
 */
export const MAX_HTML_SCAN_CHARS = 128 * 1024;
/**
 * toText() converts at most this many elements (the rest of the fragment is not part of the text). html-to-text's
 * layout costs some microseconds per element, so this, not the byte window, bounds it on a flood of small
 * elements; a reply's new text (the part `text` comes from) has far fewer.
 */
export const MAX_HTML_TEXT_ELEMENTS = 1500;
/** The same bound for `quoted`, the history's text: informative only, so a shorter one. */
const MAX_QUOTED_TEXT_ELEMENTS = 500;
/** nodeText() reads at most this many nodes and characters (attribution and marker checks need little). */
const MAX_NODE_TEXT_NODES = 2000;
const MAX_NODE_TEXT_CHARS = 2000;
const OUTLOOK_SEPARATOR = /border-top\s*:\s*solid\s+#(?:e1e1e1|b5c4df)\s+1(?:\.0)?pt/i;

function classes(el: Element): string[] {
  const value = el.attribs['class'];
  return value ? value.split(/\s+/) : [];
}

function roleOf(el: Element): Role | null {
  const name = el.name.toLowerCase();
  const id = el.attribs['id'] ?? '';
  const cls = classes(el);
  const has = (c: string) => cls.includes(c);
  // Outlook rewrites ids of quoted HTML with an `x_` prefix, so ids are matched by suffix.
  const idIs = (wanted: string) => id === wanted || id.endsWith(`_${wanted}`);
  const marker = el.attribs['data-marker'];

  if (has('gmail_signature') || has('gmail_signature_prefix') || el.attribs['data-smartmail'] === 'gmail_signature')
    return 'signature';
  if (
    idIs('Signature') ||
    idIs('ms-outlook-mobile-signature') ||
    idIs('ms-outlook-ios-signature') ||
    idIs('AppleMailSignature')
  )
    return 'signature';
  if (
    has('moz-signature') ||
    has('protonmail_signature_block') ||
    marker === '__SIG_PRE__' ||
    marker === '__SIG_POST__'
  )
    return 'signature';

  if (has('gmail_quote') || has('gmail_extra') || has('moz-cite-prefix') || has('protonmail_quote')) return 'quote';
  if (name === 'blockquote' && (el.attribs['type'] ?? '').toLowerCase() === 'cite') return 'quote';

  if (
    idIs('divRplyFwdMsg') ||
    idIs('appendonsend') ||
    idIs('mail-editor-reference-message-container') ||
    idIs('OLK_SRC_BODY_SECTION')
  )
    return 'cut';
  if (el.attribs['name'] === 'messageReplySection') return 'cut';
  if (cls.some((c) => c.startsWith('yahoo_quoted'))) return 'cut';
  if (has('moz-forward-container')) return 'cut';
  if (name === 'hr' && id === 'zwchr') return 'cut';
  if (marker === '__QUOTED_TEXT__' || marker === '__DIVIDER__') return 'cut';
  if (name === 'div' && OUTLOOK_SEPARATOR.test(el.attribs['style'] ?? '')) return 'cut';
  return null;
}

/** Removes the quoted history and signature from an HTML reply using the markers of the major clients. */
export function extractHtmlReply(html: string, options: HtmlReplyOptions = {}): HtmlReply {
  const { scanned: _scanned, ...reply } = extractBoundedHtmlReply(html, options);
  return reply;
}

/** extractHtmlReply, plus `scanned`: the (cut) HTML that was parsed, without the unparsed tail, for text conversion. */
export function extractBoundedHtmlReply(html: string, options: BoundedOptions = {}): HtmlReply & { scanned: string } {
  const { head, tail } = splitForScan(html);
  // The unparsed tail is represented by a comment: if it is still in the document at the end, the tail is kept.
  const tailMarker = tail ? `<!--mailroom-tail-${randomBytes(8).toString('hex')}-->` : '';
  const doc = parseDocument(limitHtmlDepth(head) + tailMarker);
  const removed: AnyNode[] = [];
  const signatures: string[] = [];

  const marked: Array<{ el: Element; role: Role }> = [];
  walk(doc, (node) => {
    if (!isTag(node)) return true;
    const role = roleOf(node);
    if (role) {
      marked.push({ el: node, role });
      return marked.length < MAX_CANDIDATES ? false : STOP; // nested markers belong to the outer one
    }
    return true;
  });

  for (const { el, role } of marked) {
    if (role !== 'signature') continue;
    signatures.push(toText(render(el)).replace(/^--\s*\n/, ''));
    detachSiblings(el, el);
  }

  let cut = signatures.length > 0;
  const markerText = options.replyAboveMarker === undefined ? null : options.replyAboveMarker;
  if (markerText) {
    const at = findMarkerNode(doc, markerText);
    if (at) {
      pushAll(removed, cutFrom(withAttributionAbove(at)));
      cut = true;
    }
  }
  cut = cutMarked(doc, marked, removed) || cut;

  const withoutTail = (text: string) => (tailMarker ? text.replace(tailMarker, '') : text);
  const quotedHtml = options.quotedText === false ? '' : withoutTail(renderUpTo(removed, MAX_QUOTED_TEXT_ELEMENTS));
  const quoted = quotedHtml ? toText(quotedHtml, MAX_QUOTED_TEXT_ELEMENTS) : '';
  const signature = signatures.filter(Boolean).join('\n') || null;
  if (!cut) return { html, quoted, signature, cut, scanned: head };
  const rendered = render(doc, { encodeEntities: 'utf8' });
  const kept = tail ? rendered.replace(tailMarker, () => tail) : rendered;
  return { html: kept, quoted, signature, cut, scanned: withoutTail(rendered) };
}

/** The quote and cut markers: removes what each one stands for (see `Role`); true when anything was cut. */
function cutMarked(doc: Document, marked: Array<{ el: Element; role: Role }>, removed: AnyNode[]): boolean {
  let cut = false;
  for (const { el, role } of marked) {
    if (role === 'signature' || !attached(el, doc)) continue;
    if (role === 'cut') {
      if (!hasContent(doc, el, 'before')) continue; // a forward or a fresh message wrapped in the marker
      pushAll(removed, cutFrom(withSeparatorAbove(el)));
      return true;
    }
    const before = hasContent(doc, el, 'before');
    const after = hasContent(doc, el, 'after');
    if (!after) {
      if (!before) continue;
      pushAll(removed, cutFrom(withAttributionAbove(el)));
      return true;
    }
    if (!before) {
      for (const node of detachSiblings(withAttributionAbove(el), el)) removed.push(node);
      cut = true;
    }
  }
  return cut;
}

/** `nodes` rendered, one a line, as long as they hold at most `maxElements` elements in all (the first one always). */
function renderUpTo(nodes: AnyNode[], maxElements: number): string {
  const out: string[] = [];
  let elements = 0;
  const count = (n: AnyNode): Visit => {
    if (!isTag(n)) return false;
    elements++;
    return elements <= maxElements ? true : STOP;
  };
  for (const node of nodes) {
    walkNodes([node], count);
    if (out.length > 0 && elements > maxElements) break;
    out.push(render(node));
    if (elements > maxElements) break;
  }
  return out.join('\n');
}

/** The first MAX_HTML_SCAN_CHARS of `html`, ended before a tag when one starts near the limit, and the rest. */
function splitForScan(html: string): { head: string; tail: string } {
  if (html.length <= MAX_HTML_SCAN_CHARS) return { head: html, tail: '' };
  const lt = html.lastIndexOf('<', MAX_HTML_SCAN_CHARS);
  const end = lt > MAX_HTML_SCAN_CHARS / 2 ? lt : MAX_HTML_SCAN_CHARS;
  return { head: html.slice(0, end), tail: html.slice(end) };
}

const convert = compile({
  wordwrap: false,
  limits: { maxDepth: MAX_HTML_DEPTH + 8, maxInputLength: MAX_HTML_SCAN_CHARS },
  preserveNewlines: false,
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable' },
  ],
});

/**
 * The text form of an HTML fragment (links keep their address unless it equals the text): of its first
 * `MAX_HTML_SCAN_CHARS` and `maxElements` elements.
 */
export function toText(html: string, maxElements = MAX_HTML_TEXT_ELEMENTS): string {
  const { head } = splitForScan(html);
  return convert(limitHtml(head, { maxElements }).html)
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** What a walk's visitor returns: true to enter the node's children, false to skip them, STOP to end the walk. */
const STOP = null;
type Visit = boolean | typeof STOP;

/** Pre-order traversal of `roots` and their descendants; false when the visitor stopped it. */
function walkNodes(roots: readonly AnyNode[], visit: (node: AnyNode) => Visit): boolean {
  const stack: AnyNode[] = [...roots].reverse();
  while (stack.length) {
    const node = stack.pop()!;
    const next = visit(node);
    if (next === STOP) return false;
    if (next && 'children' in node) {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
  }
  return true;
}

function walk(root: Document | Element, visit: (node: AnyNode) => Visit): void {
  walkNodes(root.children, visit);
}

/** `push(...items)` without the argument-count limit of a spread. */
function pushAll<T>(into: T[], items: T[]): void {
  for (const item of items) into.push(item);
}

function attached(node: AnyNode, doc: Document): boolean {
  let cur: AnyNode | null = node;
  while (cur && cur.parent) cur = cur.parent;
  return cur === doc;
}

/** Removes `node` and every node after it in document order; returns them in document order. */
function cutFrom(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  let current: AnyNode = node;
  let includeSelf = true;
  while (current.parent) {
    const parent: AnyNode = current.parent;
    const start: AnyNode | null = includeSelf ? current : current.next;
    if (start) for (const removed of detachSiblings(start, null)) out.push(removed);
    current = parent;
    includeSelf = false;
  }
  return out;
}

/**
 * Detaches `start` and its following siblings up to `end` (inclusive; null: to the last), with one splice:
 * domutils' removeElement searches and splices the children array once per node, quadratic on a flood of siblings.
 */
function detachSiblings(start: AnyNode, end: AnyNode | null): AnyNode[] {
  const parent = start.parent;
  if (!parent) return [];
  const children = parent.children;
  const from = children.lastIndexOf(start);
  const to = end ? children.indexOf(end, from) : children.length - 1;
  if (from < 0 || to < from) return [];
  const out = children.splice(from, to - from + 1);
  const before = out[0]!.prev;
  const after = out[out.length - 1]!.next;
  if (before) before.next = after;
  if (after) after.prev = before;
  for (const removed of out) {
    removed.parent = null;
    removed.prev = null;
    removed.next = null;
  }
  return out;
}

/** Outlook puts an `<hr>` (and an empty `#appendonsend`) right above `#divRplyFwdMsg`. */
function withSeparatorAbove(el: Element): AnyNode {
  let start: AnyNode = el;
  for (let prev = el.prev; prev; prev = prev.prev) {
    if (isText(prev) && !prev.data.trim()) continue;
    if (isTag(prev) && (prev.name === 'hr' || prev.attribs['id']?.endsWith('appendonsend') || prev.name === 'br')) {
      start = prev;
      continue;
    }
    break;
  }
  return start;
}

/** An attribution ("On … wrote:") or an Original-Message line in the sibling just above a quote. */
function withAttributionAbove(node: AnyNode): AnyNode {
  let start: AnyNode = node;
  for (let prev = node.prev; prev; prev = prev.prev) {
    if (isText(prev) && !prev.data.trim()) continue;
    if (isTag(prev) && prev.name === 'br') {
      start = prev;
      continue;
    }
    const text = lineHead(nodeText(prev)?.trim() ?? '');
    if (
      text &&
      text.length <= 300 &&
      ((/[:：]$/.test(text) && WROTE_END.test(text)) || ORIGINAL_MESSAGE.test(text) || FORWARD_MARKER.test(text))
    ) {
      start = prev;
    }
    break;
  }
  return start;
}

/** The visible text under a node, or null when it holds more than MAX_NODE_TEXT_NODES nodes or _CHARS characters. */
function nodeText(node: AnyNode): string | null {
  let out = '';
  let nodes = 0;
  let over = false;
  walkNodes([node], (n) => {
    if (isText(n)) out += n.data;
    over = ++nodes > MAX_NODE_TEXT_NODES || out.length > MAX_NODE_TEXT_CHARS;
    if (over) return STOP;
    return !(isTag(n) && (n.name === 'style' || n.name === 'script' || n.name === 'head' || n.name === 'title'));
  });
  return over ? null : out;
}

/**
 * Whether new content (text or images) exists before/after `el`, ignoring other quotes (after it) and hidden parts.
 * Each side stops at the first content it finds, and the after side starts at `el`: on a flood of marked
 * elements, each candidate costs what lies between it and the nearest content, not a walk of the document.
 */
function hasContent(doc: Document, el: Element, side: 'before' | 'after'): boolean {
  let found = false;
  const visit = (node: AnyNode): Visit => {
    if (side === 'before' && node === el) return STOP;
    if (isTag(node)) {
      const name = node.name.toLowerCase();
      if (name === 'style' || name === 'script' || name === 'head' || name === 'title') return false;
      if (side === 'after' && roleOf(node) === 'quote') return false;
      if (name !== 'img') return true;
      found = true;
      return STOP;
    }
    if (!isText(node) || !node.data.trim() || (side === 'after' && isAttribution(node.data))) return false;
    found = true;
    return STOP;
  };
  if (side === 'before') {
    walk(doc, visit);
    return found;
  }
  for (let cur: AnyNode | null = el; cur && cur !== doc; cur = cur.parent) {
    for (let sibling = cur.next; sibling; sibling = sibling.next) if (!walkNodes([sibling], visit)) return found;
  }
  return found;
}

function isAttribution(text: string): boolean {
  const trimmed = lineHead(text).trim();
  return trimmed.length <= 300 && /[:：]$/.test(trimmed) && WROTE_END.test(trimmed);
}

function findMarkerNode(doc: Document, marker: string): AnyNode | null {
  const wanted = marker.replace(/\s+/g, ' ').trim().toLowerCase();
  const found: { node: AnyNode | null } = { node: null };
  walk(doc, (node) => {
    if (isText(node) && node.data.replace(/\s+/g, ' ').toLowerCase().includes(wanted)) {
      found.node = node;
      return STOP;
    }
    return true;
  });
  const hit = found.node;
  if (!hit) return null;
  // Cut at the outermost ancestor that holds nothing but the marker, so its wrapper goes too.
  let node: AnyNode = hit;
  while (
    node.parent &&
    node.parent.type !== 'root' &&
    isTag(node.parent) &&
    nodeText(node.parent)?.replace(/\s+/g, ' ').trim().toLowerCase() === wanted
  ) {
    node = node.parent;
  }
  // Inside a quote: cut at the quote element's start instead (its attribution goes with it).
  for (let up: AnyNode | null = node.parent; up; up = up.parent) {
    if (isTag(up) && (roleOf(up) === 'quote' || up.name === 'blockquote')) node = up;
  }
  return node;
}
