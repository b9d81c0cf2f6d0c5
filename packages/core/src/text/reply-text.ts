import { randomBytes } from 'node:crypto';
import {
  endsWithAddressColon,
  EMPTY_LINE,
  FENCE_LINE,
  FORWARD_MARKER,
  HEADER_LEAD,
  MAX_HEADER_CHARS,
  MAX_HEADER_LINES,
  ORIGINAL_MESSAGE,
  QUOTED_LINE,
  SEPARATOR_LINE,
  SIGNATURE_DELIMITER,
  WROTE_END,
  headerLineKind,
  isMobileSignature,
  lineHead,
  type HeaderKind,
} from './patterns.js';

/** The default "reply above this line" marker; put it at the top of outgoing mail you expect replies to. */
export const DEFAULT_REPLY_ABOVE_MARKER = '## Reply above this line ##';

export interface TextReplyOptions {
  /** Text that ends the reply when found on any line (quoted or not); null disables. Default {@link DEFAULT_REPLY_ABOVE_MARKER}. */
  replyAboveMarker?: string | null;
  /**
   * Whether a trailing `>` block with no attribution line above it is a quote of the previous message.
   * True for text parts; the HTML path sets it false because there `>` comes from a user's own `<blockquote>`.
   */
  stripUnattributedQuotes?: boolean;
}

export interface TextReply {
  /** The new content: what the sender wrote in this message. */
  text: string;
  /** What was elided as quoted (previous messages, attribution lines, forwarded parts). */
  quoted: string;
  /** The signature that was cut, or null. */
  signature: string | null;
}

/**
 * What a line is. `attribution` ("On … wrote:") may span wrapped lines; `weakAttribution` ("Alice wrote:") counts
 * only when a quote follows; `headerBlock` is an Outlook-style `From:/Sent:/To:` run; `separator` a line of
 * dashes or underscores (a cut only next to history).
 */
type Kind =
  | 'text'
  | 'empty'
  | 'quote'
  | 'attribution'
  | 'weakAttribution'
  | 'headerBlock'
  | 'originalMessage'
  | 'forward'
  | 'signatureDelimiter'
  | 'mobileSignature'
  | 'separator';

const CONTENT: ReadonlySet<Kind> = new Set<Kind>(['text']);

/** Only the first this many lines of a text are examined (the new content of a reply is at its top)… */
export const MAX_REPLY_SCAN_LINES = 10_000;
/** …and at most this many characters. */
export const MAX_REPLY_SCAN_CHARS = 256 * 1024;

/**
 * Splits a plain-text reply into new content, quoted history and signature. Linear in the input size, and
 * bounded: past MAX_REPLY_SCAN_LINES lines or MAX_REPLY_SCAN_CHARS characters the text is not examined but
 * passed through as it is, to wherever its first line would have gone (the text, or the history when a cut
 * above it removed it).
 */
export function extractTextReply(input: string, options: TextReplyOptions = {}): TextReply {
  const split = scanEnd(input);
  const head = split < 0 ? input : input.slice(0, split);
  const lines = head.replace(/\r\n?/g, '\n').split('\n');
  if (split < 0) return extractFromLines(lines, options);
  // The unexamined rest stands in as one plain-text line, swapped for the real text afterwards.
  const tail = input.slice(split + 1);
  const stand = `\u0000mailroom-unexamined-${randomBytes(8).toString('hex')}`;
  lines.push(stand);
  const reply = extractFromLines(lines, options, true);
  const swap = (text: string) => text.replace(stand, () => tail);
  return { text: swap(reply.text), quoted: swap(reply.quoted), signature: reply.signature === null ? null : swap(reply.signature) };
}

/** Where the examined part ends (a line break), or -1 when the whole text is examined. */
function scanEnd(input: string): number {
  if (input.length <= MAX_REPLY_SCAN_CHARS && input.length <= MAX_REPLY_SCAN_LINES) return -1;
  let at = -1;
  for (let line = 0; line < MAX_REPLY_SCAN_LINES; line++) {
    const next = input.indexOf('\n', at + 1);
    if (next < 0) return input.length > MAX_REPLY_SCAN_CHARS ? at : -1;
    if (next > MAX_REPLY_SCAN_CHARS) return at;
    at = next;
  }
  return at;
}

function extractFromLines(lines: string[], options: TextReplyOptions, lastIsText = false): TextReply {
  const marker = options.replyAboveMarker === undefined ? DEFAULT_REPLY_ABOVE_MARKER : options.replyAboveMarker;
  const stripUnattributed = options.stripUnattributedQuotes ?? true;

  const kinds = classifyLines(lines);
  if (lastIsText) kinds[kinds.length - 1] = 'text';
  let end = lines.length;
  let markerCut = false;
  if (marker) {
    const at = findMarker(lines, kinds, marker);
    if (at >= 0) {
      end = at;
      markerCut = true;
    }
  }

  // A message that starts with a forward marker or a header block is a forward: keep it whole.
  const first = nextNonEmpty(kinds, 0, end);
  if (first >= 0 && (kinds[first] === 'forward' || kinds[first] === 'headerBlock' || kinds[first] === 'originalMessage') && !markerCut) {
    return finish(lines, keepRange(0, end), lines.slice(end), null);
  }

  // Hard cuts: splitters whose quoted message is not `>`-prefixed, so everything after them goes.
  const hard = findHardCut(lines, kinds, end);
  let signature: string | null = null;
  const elided: string[] = [];
  let regionEnd = end;
  if (hard >= 0) {
    regionEnd = hard;
    if (kinds[hard] === 'signatureDelimiter') {
      const sigEnd = signatureEnd(kinds, hard + 1, end);
      signature = trimBlock(lines.slice(hard + 1, sigEnd)) || null;
      elided.push(...lines.slice(sigEnd, end));
    } else {
      elided.push(...lines.slice(hard, end));
    }
  }
  if (markerCut) elided.push(...lines.slice(end));

  // Soft trimming of the region above the hard cut: trailing quotes/attribution/mobile signature go,
  // leading quotes go when only one block of new text follows (bottom-posting),
  // everything between the first and last new text stays (interleaved replies).
  let lo = 0;
  let hi = regionEnd;
  // Ranges of lines, collected bottom-up (unshifting lines onto arrays would be quadratic).
  const trailingQuotedRanges: Array<[number, number]> = [];
  const trailingSignatureRanges: Array<[number, number]> = [];
  for (;;) {
    const last = prevNonEmpty(kinds, hi - 1, lo);
    if (last < 0) break;
    const kind = kinds[last]!;
    if (kind === 'quote') {
      // An unattributed trailing quote may be a user's own pasted quote (HTML path keeps it).
      if (!stripUnattributed && !hasAttributionAbove(kinds, last, lo)) break;
      const blockStart = quoteBlockStart(kinds, last, lo);
      trailingQuotedRanges.push([blockStart, hi]);
      hi = blockStart;
    } else if (kind === 'attribution' || kind === 'weakAttribution' || kind === 'separator') {
      if (kind === 'weakAttribution' && !followedByQuote(kinds, last + 1, regionEnd)) break;
      if (kind === 'separator' && trailingQuotedRanges.length === 0 && hard < 0) break;
      trailingQuotedRanges.push([last, hi]);
      hi = last;
    } else if (kind === 'mobileSignature') {
      trailingSignatureRanges.push([last, hi]);
      hi = last;
    } else {
      break;
    }
  }
  const trailingQuoted = linesOf(lines, trailingQuotedRanges);
  const trailingSignature = linesOf(lines, trailingSignatureRanges);
  // Everything trimmed from the tail that was not a signature is history; keep the mobile signature apart.
  const lead = leadingQuoteEnd(kinds, lo, hi);
  const leadingQuoted = lines.slice(lo, lead);
  lo = lead;

  if (trailingSignature.length) {
    const sig = trimBlock(trailingSignature);
    signature = signature ? `${sig}\n${signature}` : sig || null;
  }
  const quoted = [...leadingQuoted, ...trailingQuoted, ...elided];
  return finish(lines, keepRange(lo, hi), quoted, signature);
}

/** The lines of ranges collected bottom-up, in document order. */
function linesOf(lines: string[], ranges: Array<[number, number]>): string[] {
  const out: string[] = [];
  for (let i = ranges.length - 1; i >= 0; i--) {
    const [from, to] = ranges[i]!;
    for (let k = from; k < to; k++) out.push(lines[k]!);
  }
  return out;
}

function keepRange(from: number, to: number): [number, number] {
  return [from, to];
}

function finish(lines: string[], range: [number, number], quoted: string[], signature: string | null): TextReply {
  return {
    text: trimBlock(lines.slice(range[0], range[1])),
    quoted: trimBlock(quoted),
    signature: signature && signature.length ? signature : null,
  };
}

/** Drops leading and trailing blank lines and trailing whitespace. */
function trimBlock(lines: string[]): string {
  let start = 0;
  let stop = lines.length;
  while (start < stop && EMPTY_LINE.test(lineHead(lines[start]!))) start++;
  while (stop > start && EMPTY_LINE.test(lineHead(lines[stop - 1]!))) stop--;
  return lines.slice(start, stop).join('\n').trimEnd();
}

function classifyLines(lines: string[]): Kind[] {
  const kinds: Kind[] = new Array<Kind>(lines.length);
  const fenced = new Uint8Array(lines.length);
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lineHead(lines[i]!);
    if (FENCE_LINE.test(line)) {
      inFence = !inFence;
      kinds[i] = 'text';
      fenced[i] = 1;
      continue;
    }
    if (inFence) {
      kinds[i] = 'text';
      fenced[i] = 1;
      continue;
    }
    kinds[i] = classifyLine(line);
  }
  if (inFence) {
    // An unclosed fence protects nothing: classify those lines normally.
    let open = lines.length - 1;
    while (open >= 0 && !FENCE_LINE.test(lineHead(lines[open]!))) open--;
    for (let i = open; i < lines.length; i++) {
      kinds[i] = classifyLine(lineHead(lines[i]!));
      fenced[i] = 0;
    }
  }
  markAttributions(lines, kinds, fenced);
  markHeaderBlocks(lines, kinds, fenced);
  repairWrappedQuotes(lines, kinds);
  return kinds;
}

function classifyLine(line: string): Kind {
  if (EMPTY_LINE.test(line)) return 'empty';
  if (QUOTED_LINE.test(line)) return 'quote';
  if (SIGNATURE_DELIMITER.test(line)) return 'signatureDelimiter';
  if (ORIGINAL_MESSAGE.test(line)) return 'originalMessage';
  if (FORWARD_MARKER.test(line)) return 'forward';
  if (SEPARATOR_LINE.test(line)) return 'separator';
  if (isMobileSignature(line)) return 'mobileSignature';
  return 'text';
}

/** Marks attribution lines, joining headers that clients wrapped over up to MAX_HEADER_LINES lines. */
function markAttributions(lines: string[], kinds: Kind[], fenced: Uint8Array): void {
  for (let i = 0; i < lines.length; i++) {
    if (kinds[i] !== 'text' || fenced[i]) continue;
    const line = lineHead(lines[i]!).trim();
    if (line.length > MAX_HEADER_CHARS) continue;
    if (isStrongAttribution(line)) {
      kinds[i] = 'attribution';
      continue;
    }
    if (HEADER_LEAD.test(line)) {
      let joined = line;
      for (let j = i + 1; j < lines.length && j < i + MAX_HEADER_LINES; j++) {
        if (kinds[j] !== 'text' || fenced[j]) break;
        joined = `${joined} ${lineHead(lines[j]!).trim()}`;
        if (joined.length > MAX_HEADER_CHARS) break;
        if (isStrongAttribution(joined)) {
          for (let k = i; k <= j; k++) kinds[k] = 'attribution';
          i = j;
          break;
        }
      }
      if (kinds[i] === 'attribution') continue;
    }
    if (line.length <= 100 && WROTE_END.test(line) && /[:：]\s*$/.test(line)) kinds[i] = 'weakAttribution';
  }
}

/** An attribution names a date, a time or an address, so "He wrote:" or "On Tuesday I am offline" never cut. */
function isStrongAttribution(raw: string): boolean {
  // Zoho and some Android clients frame the header in dashes: "---- On … wrote ----".
  const framed = /^-{2,}\s/.test(raw) && /\s-{2,}$/.test(raw);
  const text = framed ? `${trimTrailingDashes(raw.replace(/^-+\s*/, ''))}:` : raw;
  if (!/[:：]\s*$/.test(text)) return false;
  const hasEvidence = /\d/.test(text) || text.includes('@');
  if (!hasEvidence) return false;
  if (WROTE_END.test(text)) return true;
  return endsWithAddressColon(text) && /\d/.test(text);
}

/** `raw` without its trailing run of dashes and the whitespace before it (a loop: /\s*-+$/ is quadratic). */
function trimTrailingDashes(raw: string): string {
  let end = raw.length;
  while (end > 0 && raw[end - 1] === '-') end--;
  return raw.slice(0, end).trimEnd();
}

/** Marks Outlook-style blocks: From plus at least one other distinct field, on consecutive lines. */
function markHeaderBlocks(lines: string[], kinds: Kind[], fenced: Uint8Array): void {
  let i = 0;
  while (i < lines.length) {
    if (kinds[i] !== 'text' || fenced[i] || headerLineKind(lineHead(lines[i]!)) === null) {
      i++;
      continue;
    }
    const seen = new Set<HeaderKind>();
    let j = i;
    while (j < lines.length && kinds[j] === 'text' && !fenced[j]) {
      const kind = headerLineKind(lineHead(lines[j]!));
      if (kind === null) break;
      seen.add(kind);
      j++;
    }
    if (seen.has('from') && seen.size >= 2) {
      for (let k = i; k < j; k++) kinds[k] = 'headerBlock';
    }
    i = Math.max(j, i + 1);
  }
}

/** Apple Mail wraps long quoted URLs onto an unquoted line; a lone spaceless line between quotes is quoted. */
function repairWrappedQuotes(lines: string[], kinds: Kind[]): void {
  for (let i = 1; i < lines.length - 1; i++) {
    if (kinds[i] === 'text' && kinds[i - 1] === 'quote' && kinds[i + 1] === 'quote' && !/\s/.test(lines[i]!.trim())) kinds[i] = 'quote';
  }
}

function findMarker(lines: string[], kinds: Kind[], marker: string): number {
  const wanted = normalizeMarker(marker);
  if (!wanted) return -1;
  for (let i = 0; i < lines.length; i++) {
    const line = normalizeMarker(lineHead(lines[i]!).replace(/^[\s>]+/, ''));
    if (line.includes(wanted)) {
      // The attribution line a client put right above the quoted marker belongs to the history.
      let cut = i;
      let k = i - 1;
      while (k >= 0 && (kinds[k] === 'empty' || kinds[k] === 'quote')) k--;
      if (k >= 0 && (kinds[k] === 'attribution' || kinds[k] === 'weakAttribution')) {
        while (k > 0 && kinds[k - 1] === 'attribution') k--;
        cut = k;
      }
      return cut;
    }
  }
  return -1;
}

function normalizeMarker(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The first splitter that has new text above it and whose quoted part is not `>`-prefixed. */
function findHardCut(lines: string[], kinds: Kind[], end: number): number {
  let seenText = false;
  for (let i = 0; i < end; i++) {
    const kind = kinds[i]!;
    if (CONTENT.has(kind) || kind === 'mobileSignature') {
      seenText = seenText || kind === 'text';
      continue;
    }
    if (!seenText) continue;
    if (kind === 'signatureDelimiter' || kind === 'originalMessage' || kind === 'forward' || kind === 'headerBlock') return kind === 'headerBlock' ? separatorAbove(kinds, i) : i;
    if (kind === 'attribution') {
      const after = nextAfterAttribution(kinds, i);
      if (!followedByQuote(kinds, after, end)) return i;
      i = after - 1; // the rest of this attribution run has the same answer: skip it (else quadratic)
      continue;
    }
    if (kind === 'separator') {
      const next = nextNonEmpty(kinds, i + 1, end);
      if (next >= 0 && (kinds[next] === 'headerBlock' || kinds[next] === 'attribution' || kinds[next] === 'originalMessage' || kinds[next] === 'forward')) return i;
    }
  }
  return -1;
}

function nextAfterAttribution(kinds: Kind[], i: number): number {
  let j = i;
  while (j < kinds.length && kinds[j] === 'attribution') j++;
  return j;
}

/** Outlook puts a line of underscores (or a blank line and one) above its header block. */
function separatorAbove(kinds: Kind[], i: number): number {
  let k = i - 1;
  while (k >= 0 && kinds[k] === 'empty') k--;
  return k >= 0 && (kinds[k] === 'separator' || kinds[k] === 'originalMessage') ? k : i;
}

function followedByQuote(kinds: Kind[], from: number, end: number): boolean {
  const next = nextNonEmpty(kinds, from, end);
  return next >= 0 && kinds[next] === 'quote';
}

function hasAttributionAbove(kinds: Kind[], i: number, lo: number): boolean {
  const start = quoteBlockStart(kinds, i, lo);
  const above = prevNonEmpty(kinds, start - 1, lo);
  return above >= 0 && (kinds[above] === 'attribution' || kinds[above] === 'weakAttribution');
}

/** Start of the run of quote (and blank) lines ending at i. */
function quoteBlockStart(kinds: Kind[], i: number, lo: number): number {
  let k = i;
  while (k - 1 >= lo && (kinds[k - 1] === 'quote' || kinds[k - 1] === 'empty')) k--;
  while (k < i && kinds[k] === 'empty') k++;
  return k;
}

/** Bottom-posting: an attribution and quotes at the top, then exactly one block of new text. */
function leadingQuoteEnd(kinds: Kind[], lo: number, hi: number): number {
  let k = lo;
  while (k < hi && (kinds[k] === 'empty' || kinds[k] === 'quote' || kinds[k] === 'attribution' || kinds[k] === 'weakAttribution')) k++;
  if (k === lo || k >= hi) return lo;
  const hasQuote = kinds.slice(lo, k).includes('quote');
  if (!hasQuote) return lo;
  for (let j = k; j < hi; j++) if (kinds[j] === 'quote') return lo; // another quote later: interleaved, keep all
  return k;
}

/** A signature ends where quoted history begins. */
function signatureEnd(kinds: Kind[], from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const kind = kinds[i]!;
    if (kind === 'quote' || kind === 'attribution' || kind === 'headerBlock' || kind === 'originalMessage' || kind === 'forward' || kind === 'weakAttribution') {
      return kind === 'headerBlock' ? separatorAbove(kinds, i) : i;
    }
    if (kind === 'separator') {
      const next = nextNonEmpty(kinds, i + 1, end);
      if (next >= 0 && kinds[next] !== 'text') return i;
    }
  }
  return end;
}

function nextNonEmpty(kinds: Kind[], from: number, end: number): number {
  for (let i = from; i < end; i++) if (kinds[i] !== 'empty') return i;
  return -1;
}

function prevNonEmpty(kinds: Kind[], from: number, lo: number): number {
  for (let i = from; i >= lo; i--) if (kinds[i] !== 'empty') return i;
  return -1;
}
