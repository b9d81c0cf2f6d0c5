import { Tokenizer } from 'htmlparser2';

/**
 * Deepest element nesting the HTML paths build. htmlparser2 keeps its open-element stack with
 * `unshift`/`shift` (quadratic in the depth: 100,000 nested tags stalled a server for 51 s), and
 * html-to-text and dom-serializer recurse once per level (a stack overflow at a few thousand).
 * html-to-text's block layout also costs the depth times the text below it. Real mail stays below this
 * (Outlook's nested tables reach 40 or so); Chrome's own parser flattens anything past 512.
 */
export const MAX_HTML_DEPTH = 100;

// htmlparser2's Parser rules (v10), mirrored so the depth counted here is the depth it will build.
const P = new Set(['p']);
const FORM = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const TABLE_SECTION = new Set(['thead', 'tbody']);
const DD_DT = new Set(['dd', 'dt']);
const RT_RP = new Set(['rt', 'rp']);
const OPEN_IMPLIES_CLOSE = new Map<string, Set<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['li', new Set(['li'])],
  ['select', FORM],
  ['input', FORM],
  ['output', FORM],
  ['button', FORM],
  ['datalist', FORM],
  ['textarea', FORM],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', DD_DT],
  ['dt', DD_DT],
  ['rt', RT_RP],
  ['rp', RT_RP],
  ['tbody', TABLE_SECTION],
  ['tfoot', TABLE_SECTION],
  ...[
    'p',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'address',
    'article',
    'aside',
    'blockquote',
    'details',
    'div',
    'dl',
    'fieldset',
    'figcaption',
    'figure',
    'footer',
    'form',
    'header',
    'hr',
    'main',
    'nav',
    'ol',
    'pre',
    'section',
    'table',
    'ul',
  ].map((name): [string, Set<string>] => [name, P]),
]);
const VOID = new Set([
  'area',
  'base',
  'basefont',
  'br',
  'col',
  'command',
  'embed',
  'frame',
  'hr',
  'img',
  'input',
  'isindex',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
const FOREIGN = new Set(['math', 'svg']);
const INTEGRATION = new Set(['mi', 'mo', 'mn', 'ms', 'mtext', 'annotation-xml', 'foreignobject', 'desc', 'title']);
/** Raw-text elements: dropping one would turn its content into markup, so they are always kept (they cannot nest). */
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp']);

/** What `limitHtml` bounds. */
export interface HtmlLimits {
  /** Deepest nesting kept (default `MAX_HTML_DEPTH`): start tags that would open deeper are replaced by a space. */
  maxDepth?: number;
  /** Most elements kept (default: no limit): the HTML ends before the start tag of the next one. */
  maxElements?: number;
}

export interface LimitedHtml {
  html: string;
  /** Whether `maxElements` ended the HTML early (the rest was dropped). */
  truncated: boolean;
}

/**
 * The HTML with every start tag that would open an element deeper than `maxDepth` replaced by a space
 * (its content and end tag stay; an end tag never deepens anything). One linear pass with htmlparser2's
 * own tokenizer, simulating its parser's stack (implied closes, void and foreign elements) on the output,
 * so `parseDocument(limitHtmlDepth(html))` never nests elements deeper than `maxDepth` + 1 (a raw-text element,
 * `<script>` or `<style>`, is kept even past the limit: it cannot hold elements).
 * Returns the input itself when nothing is that deep.
 *
 * @example
 * ```ts
 * const safe = limitHtmlDepth(email.html ?? '');   // before sanitize-html, cheerio or any DOM of sender HTML
 * ```
 */
export function limitHtmlDepth(html: string, maxDepth = MAX_HTML_DEPTH): string {
  return limitHtml(html, { maxDepth }).html;
}

/**
 * `limitHtmlDepth`, and with `maxElements` also a bound on the element count: the HTML is cut before the start
 * tag of element `maxElements + 1` (a parser closes what was left open), in the same pass. What an HTML parser,
 * sanitizer or converter does afterwards is then bounded by the element count, whatever the sender wrote.
 *
 * @example
 * ```ts
 * const { html, truncated } = limitHtml(email.html ?? '', { maxElements: 5000 });
 * ```
 */
export function limitHtml(
  html: string,
  { maxDepth = MAX_HTML_DEPTH, maxElements = Infinity }: HtmlLimits = {},
): LimitedHtml {
  const dropped: number[] = []; // [start, end] pairs, inclusive
  const simulation = new StackSimulation(maxDepth);
  let name = '';
  let tagStart = 0;
  let elements = 0;
  let cutAt = -1;
  const endTag = (end: number, selfClosing: boolean) => {
    if (cutAt >= 0) return;
    if (simulation.open(name, selfClosing)) {
      if (++elements > maxElements) {
        cutAt = tagStart;
        tokenizer.pause();
      }
      return;
    }
    if (dropped.length > 0 && dropped[dropped.length - 1] === tagStart - 1)
      dropped[dropped.length - 1] = end; // adjacent: one space
    else dropped.push(tagStart, end);
  };
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      onopentagname(start, end) {
        name = html.slice(start, end).toLowerCase();
        tagStart = start - 1;
      },
      onopentagend: (end) => endTag(end, false),
      onselfclosingtag: (end) => endTag(end, true),
      onclosetag: (start, end) => simulation.close(html.slice(start, end).toLowerCase()),
      onattribdata() {},
      onattribentity() {},
      onattribend() {},
      onattribname() {},
      oncdata() {},
      oncomment() {},
      ondeclaration() {},
      onend() {},
      onprocessinginstruction() {},
      ontext() {},
      ontextentity() {},
    },
  );
  tokenizer.write(html);
  if (cutAt < 0) tokenizer.end();
  const source = cutAt >= 0 ? html.slice(0, cutAt) : html;
  if (dropped.length === 0) return { html: source, truncated: cutAt >= 0 };
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < dropped.length; i += 2) {
    parts.push(source.slice(at, dropped[i]), ' '); // a space: gluing the neighbours together could make a new tag
    at = dropped[i + 1]! + 1;
  }
  parts.push(source.slice(at));
  return { html: parts.join(''), truncated: cutAt >= 0 };
}

/** htmlparser2's open-element stack (top last), with counts so "is it open?" is O(1). */
class StackSimulation {
  readonly #stack: string[] = [];
  readonly #counts = new Map<string, number>();
  readonly #foreign: boolean[] = [false];

  constructor(readonly maxDepth: number) {}

  /** A start tag; false when it must be dropped because it would nest too deep. */
  open(name: string, selfClosing: boolean): boolean {
    const implied = OPEN_IMPLIES_CLOSE.get(name);
    let pops = 0;
    if (implied) while (pops < this.#stack.length && implied.has(this.#stack[this.#stack.length - 1 - pops]!)) pops++;
    const nests = !VOID.has(name);
    if (nests && !RAW_TEXT.has(name) && this.#stack.length - pops + 1 > this.maxDepth) return false;
    for (let i = 0; i < pops; i++) this.#pop();
    if (nests) {
      this.#stack.push(name);
      this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
      if (FOREIGN.has(name)) this.#foreign.push(true);
      else if (INTEGRATION.has(name)) this.#foreign.push(false);
    }
    // In HTML mode a "/>" only closes the element inside svg/math.
    if (selfClosing && this.#foreign[this.#foreign.length - 1] === true && this.#stack[this.#stack.length - 1] === name)
      this.#pop();
    return true;
  }

  close(name: string): void {
    if (FOREIGN.has(name) || INTEGRATION.has(name)) this.#foreign.pop();
    if (VOID.has(name) || !this.#counts.get(name)) return;
    while (this.#pop() !== name);
  }

  #pop(): string {
    const name = this.#stack.pop()!;
    this.#counts.set(name, this.#counts.get(name)! - 1);
    return name;
  }
}
