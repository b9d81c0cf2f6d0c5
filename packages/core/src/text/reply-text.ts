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
  endsInOpenAddress,
  endsWithBracketedAddress,
  DATE_LEAD,
  FRAMED_LINE,
  LIST_FOOTER_HINT,
  PIPE_QUOTED_LINE,
  SIGN_OFF,
  fieldLineKind,
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
  return {
    text: swap(reply.text),
    quoted: swap(reply.quoted),
    signature: reply.signature === null ? null : swap(reply.signature),
  };
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

function extractFromLines(rawLines: string[], options: TextReplyOptions, lastIsText = false): TextReply {
  const marker = options.replyAboveMarker === undefined ? DEFAULT_REPLY_ABOVE_MARKER : options.replyAboveMarker;
  const stripUnattributed = options.stripUnattributedQuotes ?? true;

  const lines = splitSharedAttributions(rawLines, lastIsText);
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
  if (
    first >= 0 &&
    (kinds[first] === 'forward' || kinds[first] === 'headerBlock' || kinds[first] === 'originalMessage') &&
    !markerCut
  ) {
    return finish(lines, [[0, end]], lines.slice(end), null);
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
    } else if (kinds[hard] === 'mobileSignature') {
      signature = lines[hard]!.trim();
      elided.push(...lines.slice(hard + 1, end));
    } else {
      elided.push(...lines.slice(hard, end));
    }
  }
  if (markerCut) elided.push(...lines.slice(end));

  const tail = trimTail(lines, kinds, { lo: 0, hi: regionEnd, regionEnd, hardCut: hard >= 0, stripUnattributed });
  // Everything trimmed from the tail that was not a signature is history; keep the signature apart.
  const lead = leadingQuoteEnd(kinds, 0, tail.hi);
  const leadingQuoted = lines.slice(0, lead);

  if (tail.signature.length) {
    const sig = trimBlock(tail.signature);
    signature = signature ? `${sig}\n${signature}` : sig || null;
  }
  const quoted = [...leadingQuoted, ...tail.quoted, ...elided];
  return finish(lines, [[lead, tail.hi], ...tail.kept], quoted, signature);
}

interface TailRegion {
  lo: number;
  hi: number;
  /** Where the soft region ends (a hard cut, the marker or the end). */
  regionEnd: number;
  hardCut: boolean;
  stripUnattributed: boolean;
}

interface TrimmedTail {
  /** The new text ends here… */
  hi: number;
  /** …except for sign-offs below the removed quote, kept in document order. */
  kept: Array<[number, number]>;
  quoted: string[];
  signature: string[];
}

/**
 * Soft trimming of the region above the hard cut, bottom-up: trailing quotes, attributions, a list footer, mobile
 * and sign-off signatures go; a sign-off below a quote ("Regards, Roman") stays but does not make the quote an
 * interleaved reply. Leading quotes are handled by leadingQuoteEnd; everything between the first and last new
 * text stays (interleaved replies).
 */
function trimTail(lines: string[], kinds: Kind[], region: TailRegion): TrimmedTail {
  const { lo, regionEnd } = region;
  let hi = region.hi;
  // Ranges of lines, collected bottom-up (unshifting lines onto arrays would be quadratic).
  const quotedRanges: Array<[number, number]> = [];
  const signatureRanges: Array<[number, number]> = [];
  const kept: Array<[number, number]> = [];
  const footer = listFooterStart(lines, kinds, lo, hi);
  if (footer >= 0) {
    quotedRanges.push([footer, hi]);
    hi = footer;
  }
  let closingTried = false;
  for (;;) {
    const last = prevNonEmpty(kinds, hi - 1, lo);
    if (last < 0) break;
    const kind = kinds[last]!;
    if (kind === 'quote') {
      // An unattributed trailing quote may be a user's own pasted quote (HTML path keeps it).
      if (!region.stripUnattributed && !hasAttributionAbove(kinds, last, lo)) break;
      const blockStart = quoteBlockStart(kinds, last, lo);
      quotedRanges.push([blockStart, hi]);
      hi = blockStart;
    } else if (kind === 'attribution' || kind === 'weakAttribution' || kind === 'separator') {
      if (kind === 'weakAttribution' && !followedByQuote(kinds, last + 1, regionEnd)) break;
      if (kind === 'separator' && quotedRanges.length === 0 && !region.hardCut) break;
      quotedRanges.push([last, hi]);
      hi = last;
    } else if (kind === 'mobileSignature') {
      signatureRanges.push([last, hi]);
      hi = last;
    } else {
      const closing = closingTried ? -1 : closingSignatureStart(lines, kinds, lo, hi);
      closingTried = true;
      if (closing >= 0) {
        signatureRanges.push([closing, hi]);
        hi = closing;
        continue;
      }
      const signOff = signOffBelowQuote(lines, kinds, last, lo);
      if (signOff < 0 || kept.length) break;
      kept.push([signOff, last + 1]);
      hi = signOff;
    }
  }
  return { hi, kept, quoted: linesOf(lines, quotedRanges), signature: linesOf(lines, signatureRanges) };
}

/** The paragraph ending at `last` when it is a short sign-off right below a quote block, else -1. */
function signOffBelowQuote(lines: string[], kinds: Kind[], last: number, lo: number): number {
  let start = last;
  while (start > lo && kinds[start - 1] === 'text' && last - start < 3) start--;
  if (start > lo && kinds[start - 1] === 'text') return -1;
  const above = prevNonEmpty(kinds, start - 1, lo);
  if (above < 0 || kinds[above] !== 'quote') return -1;
  if (!SIGN_OFF.test(lineHead(lines[start]!).trim())) return -1;
  for (let k = start; k <= last; k++) if (lines[k]!.trim().length > 40) return -1;
  return start;
}

/**
 * A signature block at the very end: a closing word alone on its line ("Regards,"), then two to five short lines
 * (name, title, company, phone). A closing with only a name ("Thanks,\nBob") is part of the message and stays.
 */
function closingSignatureStart(lines: string[], kinds: Kind[], lo: number, hi: number): number {
  let nonEmpty = 0;
  for (let k = hi - 1; k >= lo && k >= hi - 8; k--) {
    if (kinds[k] === 'empty') continue;
    if (kinds[k] !== 'text' || lines[k]!.trim().length > 60) return -1;
    const line = lineHead(lines[k]!).trim();
    if (nonEmpty >= 2 && SIGN_OFF.test(line) && CLOSING_ALONE.test(line) && prevNonEmpty(kinds, k - 1, lo) >= 0)
      return k;
    nonEmpty++;
  }
  return -1;
}

/** A closing word with nothing but punctuation after it. */
const CLOSING_ALONE = /^[\p{L} ]{1,30}[,.!]?$/u;

/** Where a mailing-list footer (a separator line, then a few lines naming the list) starts, or -1. */
function listFooterStart(lines: string[], kinds: Kind[], lo: number, hi: number): number {
  let nonEmpty = 0;
  let hint = false;
  for (let k = hi - 1; k >= lo && nonEmpty <= 8; k--) {
    const kind = kinds[k]!;
    if (kind === 'empty') continue;
    if (kind === 'separator') return hint && prevNonEmpty(kinds, k - 1, lo) >= 0 ? k : -1;
    if (kind !== 'text') return -1;
    hint = hint || LIST_FOOTER_HINT.test(lineHead(lines[k]!));
    nonEmpty++;
  }
  return -1;
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

function finish(
  lines: string[],
  ranges: Array<[number, number]>,
  quoted: string[],
  signature: string | null,
): TextReply {
  const kept: string[] = [];
  for (const [from, to] of ranges) for (let k = from; k < to; k++) kept.push(lines[k]!);
  return {
    text: trimBlock(kept),
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
  if (PIPE_QUOTED_LINE.test(line) && !/\|\s*$/.test(line)) return 'quote';
  if (SIGNATURE_DELIMITER.test(line)) return 'signatureDelimiter';
  if (ORIGINAL_MESSAGE.test(line)) return 'originalMessage';
  if (FORWARD_MARKER.test(line)) return 'forward';
  if (SEPARATOR_LINE.test(line)) return 'separator';
  // A framed "---- John Smith wrote ----" is an attribution (see markAttributions), other framed words a separator.
  if (FRAMED_LINE.test(line)) return endsWithWroteVerb(unframe(line.trim())) ? 'text' : 'separator';
  if (isMobileSignature(line)) return 'mobileSignature';
  return 'text';
}

/** A line without the dashes (and bold stars) framing it. */
function unframe(line: string): string {
  let start = 0;
  while (start < line.length && (line[start] === '-' || line[start] === '*')) start++;
  let end = line.length;
  while (end > start && (line[end - 1] === '-' || line[end - 1] === '*')) end--;
  return line.slice(start, end).trim();
}

/** Marks attribution lines, joining headers that clients wrapped over several lines. */
function markAttributions(lines: string[], kinds: Kind[], fenced: Uint8Array): void {
  for (let i = 0; i < lines.length; i++) {
    if (kinds[i] !== 'text' || fenced[i]) continue;
    const line = lineHead(lines[i]!).trim();
    if (line.length > MAX_HEADER_CHARS) continue;
    if (isStrongAttribution(line)) {
      kinds[i] = 'attribution';
      extendAttributionUp(lines, kinds, fenced, i);
      continue;
    }
    if (HEADER_LEAD.test(line) || endsInOpenAddress(line)) {
      const last = wrappedAttributionEnd(lines, kinds, fenced, i, line);
      if (last >= 0) {
        for (let k = i; k <= last; k++) kinds[k] = 'attribution';
        i = last;
        continue;
      }
    }
    if (/[:：]\s*$/.test(line) && markWrappedFromBelow(lines, kinds, fenced, i)) continue;
    if (isWeakAttribution(line)) kinds[i] = 'weakAttribution';
  }
}

/**
 * "Alice wrote:", a framed "---- John Smith wrote ----", or a date and an address with no verb
 * (`2013/7/20 Name <addr>`): attributions only when a quote follows them.
 */
function isWeakAttribution(line: string): boolean {
  if (line.length > 100 && !DATE_LEAD.test(line)) return false;
  if (FRAMED_LINE.test(line)) return endsWithWroteVerb(unframe(line));
  if (DATE_LEAD.test(line) && endsWithBracketedAddress(line)) return true;
  return /[:：]\s*$/.test(line) && endsWithWroteVerb(line);
}

/**
 * The last line of an attribution that starts at `i` and was wrapped over up to MAX_HEADER_LINES lines, or -1.
 * Polymail puts the address on lines of its own after a blank line (`<` / `mailto:…` / `> wrote:`).
 */
function wrappedAttributionEnd(lines: string[], kinds: Kind[], fenced: Uint8Array, i: number, line: string): number {
  let joined = line;
  let joinedLines = 1;
  for (let j = i + 1; j < lines.length && joinedLines < MAX_HEADER_LINES + 2; j++) {
    if (fenced[j]) return -1;
    const next = lineHead(lines[j]!).trim();
    if (kinds[j] === 'empty') {
      if (!/^(?:<|mailto:)/.test(lineHead(lines[j + 1] ?? '').trim())) return -1;
      continue;
    }
    const quotedVerb = kinds[j] === 'quote' && next.length <= 30 && (/^>\s*[:：]?$/.test(next) || WROTE_END.test(next));
    if (kinds[j] !== 'text' && !quotedVerb) return -1;
    // Polymail's `> wrote:` and Gmail's `>:` close an address wrapped onto the line above.
    joined = quotedVerb
      ? `${joined}${/^>\s*[:：]?$/.test(next) ? next : ` ${next.replace(/^>\s*/, '')}`}`
      : `${joined} ${next}`;
    joinedLines++;
    if (joined.length > MAX_HEADER_CHARS) return -1;
    // Only a line ending in a colon, a dash or a word can end an attribution: skip the others' checks.
    if (/[:：\-\p{L}]$/u.test(next) && isStrongAttribution(joined)) return j;
    if (quotedVerb) return -1;
  }
  return -1;
}

/**
 * `line i` ends a wrapped attribution whose first lines do not start with a known lead word
 * ("pe 20. lokakuuta 2017 klo 17.50 John Coe" / "<addr> kirjoitti:", "… schrieb am Fr., 28." / "Apr. 2017 um 11:53 Uhr:"):
 * join it with up to two lines above in the same paragraph.
 */
function markWrappedFromBelow(lines: string[], kinds: Kind[], fenced: Uint8Array, i: number): boolean {
  let joined = lineHead(lines[i]!).trim();
  for (let k = i - 1; k >= 0 && k >= i - 2; k--) {
    if (kinds[k] !== 'text' || fenced[k]) return false;
    joined = `${lineHead(lines[k]!).trim()} ${joined}`;
    if (joined.length > MAX_HEADER_CHARS) return false;
    if (!startsParagraph(lines, kinds, k) || !isStrongAttribution(joined)) continue;
    for (let m = k; m <= i; m++) kinds[m] = 'attribution';
    return true;
  }
  return false;
}

/** An attribution line that continues the one above (`<addr> kirjoitti:`, `ha scritto:`) takes that line along. */
function extendAttributionUp(lines: string[], kinds: Kind[], fenced: Uint8Array, i: number): void {
  if (!/^[<("\p{Ll}]/u.test(lines[i]!.trim())) return;
  const k = i - 1;
  if (k < 0 || kinds[k] !== 'text' || fenced[k] || !startsParagraph(lines, kinds, k)) return;
  const above = lineHead(lines[k]!).trim();
  if (above.length <= MAX_HEADER_CHARS && (/\d/.test(above) || HEADER_LEAD.test(above))) kinds[k] = 'attribution';
}

function startsParagraph(lines: string[], kinds: Kind[], k: number): boolean {
  return k === 0 || kinds[k - 1] === 'empty' || HEADER_LEAD.test(lineHead(lines[k]!));
}

/** An attribution names a date, a time or an address, so "He wrote:" or "On Tuesday I am offline" never cut. */
function isStrongAttribution(raw: string): boolean {
  // Zoho and some Android clients frame the header in dashes: "---- On … wrote ----", "------On … wrote-----".
  const framed = raw.startsWith('--') && raw.endsWith('--');
  const text = framed ? `${trimTrailingDashes(raw.replace(/^-+\s*/, ''))}:` : raw;
  const hasEvidence = text.includes('@') || /\d/.test(text);
  if (!hasEvidence) return false;
  if (!endsWithColon(text)) {
    // Without its colon only a full "On <date> <name> <addr> wrote", whose history follows (see findHardCut).
    return HEADER_LEAD.test(text) && (text.includes('@') || /\d:\d\d/.test(text)) && endsWithWroteVerb(text);
  }
  if (endsWithWroteVerb(text) || SENT_END.test(text) || isGermanDateEnd(text)) return true;
  return endsWithAddressColon(text) && /\d/.test(text);
}

function endsWithColon(text: string): boolean {
  const last = text.trimEnd().at(-1);
  return last === ':' || last === '：';
}

/** WROTE_END on the end of the text only: the pattern is unanchored, and the verb is in the last few words. */
function endsWithWroteVerb(text: string): boolean {
  const end = text.trimEnd();
  return WROTE_END.test(end.length > 48 ? end.slice(-48) : end);
}

/** talon's "… <addr> sent:". */
const SENT_END = /\ssent\s*:\s*$/i;
/** Gmail's German "… schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:" (the date within the last 100 characters). */
function isGermanDateEnd(text: string): boolean {
  const end = text.trimEnd().toLowerCase();
  if (!/\suhr\s?:$/.test(end)) return false;
  const verb = end.lastIndexOf(' schrieb am ');
  return verb >= 0 && end.length - verb <= 100;
}

/** `raw` without its trailing run of dashes and the whitespace before it (a loop: /\s*-+$/ is quadratic). */
function trimTrailingDashes(raw: string): string {
  let end = raw.length;
  while (end > 0 && raw[end - 1] === '-') end--;
  return raw.slice(0, end).trimEnd();
}

/**
 * Marks Outlook-style header blocks: a run of `Field: value` lines with at least two known kinds, one of them
 * From (or Date on the first line: `Date: … / To: …`). Unknown fields (`Reply-To:`, `Risposta:`) and wrapped values
 * (up to two lines between fields) stay in the block; unknown fields above the first known one only with a date.
 */
function markHeaderBlocks(lines: string[], kinds: Kind[], fenced: Uint8Array): void {
  const fields = lines.map((line, k) => (kinds[k] === 'text' && !fenced[k] ? fieldLineKind(lineHead(line)) : null));
  let i = 0;
  while (i < lines.length) {
    if (fields[i] === null) {
      i++;
      continue;
    }
    const seen = new Set<HeaderKind>();
    let firstKnown = -1;
    let firstKind: HeaderKind | null = null;
    let lastField = i;
    let wrapped = 0;
    for (let j = i; j < lines.length && kinds[j] === 'text' && !fenced[j]; j++) {
      const kind = fields[j]!;
      if (kind === null) {
        if (++wrapped > 2) break;
        continue;
      }
      wrapped = 0;
      lastField = j;
      if (kind === 'other') continue;
      seen.add(kind);
      if (firstKnown < 0) [firstKnown, firstKind] = [j, kind];
    }
    if (seen.size >= 2 && (seen.has('from') || firstKind === 'date')) {
      let start = firstKnown;
      while (start > i && fields[start - 1] === 'other' && /\d/.test(lineHead(lines[start - 1]!))) start--;
      for (let k = start; k <= lastField; k++) kinds[k] = 'headerBlock';
    }
    i = lastField + 1;
  }
}

/**
 * A line the sender's client re-wrapped out of a quote: an unquoted line right between two quote lines, when it
 * has no space (a long URL), the quote line above it is long (wrapped), or it is indented.
 */
function repairWrappedQuotes(lines: string[], kinds: Kind[]): void {
  for (let i = 1; i < lines.length - 1; i++) {
    if (kinds[i] !== 'text' || kinds[i - 1] !== 'quote' || kinds[i + 1] !== 'quote') continue;
    const line = lineHead(lines[i]!);
    if (!/\s/.test(line.trim()) || lines[i - 1]!.length >= 60 || /^\s/.test(line)) kinds[i] = 'quote';
  }
}

/**
 * A reply and an attribution on one line ("Sounds good On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:",
 * "reply--- On …") become two lines. Only lines that end like a strong attribution are searched, each once.
 */
function splitSharedAttributions(lines: string[], lastIsText: boolean): string[] {
  let out: string[] | null = null;
  const last = lastIsText ? lines.length - 1 : lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const split = i < last && line.length <= MAX_HEADER_CHARS ? sharedAttributionAt(line) : -1;
    if (split > 0 && out === null) out = lines.slice(0, i);
    if (out === null) continue;
    if (split > 0) out.push(trimTrailingDashes(line.slice(0, split).trimEnd()), line.slice(split));
    else out.push(line);
  }
  return out ?? lines;
}

/** Where the attribution inside a line starts, when text precedes it; else -1. */
function sharedAttributionAt(line: string): number {
  // Cheap tests first: most lines have no lead word inside them.
  if (!HAS_INNER_LEAD.test(line)) return -1;
  const trimmed = line.trim();
  if (!endsWithWroteVerb(trimmed) || HEADER_LEAD.test(trimmed) || trimmed.startsWith('--')) return -1;
  for (const match of line.matchAll(INNER_LEAD)) {
    const at = match.index!;
    const before = trimTrailingDashes(line.slice(0, at).trimEnd()).trim();
    if (before && !QUOTED_LINE.test(before) && isStrongAttribution(line.slice(at).trim())) return at;
  }
  return -1;
}

/** A lead word of an attribution after a space or dashes, inside a line. */
const INNER_LEAD = /(?<=[\s-])(?:On|Le|Am|El|Il|Em|Op) /g;
const HAS_INNER_LEAD = /[\s-](?:On|Le|Am|El|Il|Em|Op) /;

function findMarker(lines: string[], kinds: Kind[], marker: string): number {
  const wanted = markerPattern(marker);
  if (!wanted) return -1;
  for (let i = 0; i < lines.length; i++) {
    if (wanted.test(lineHead(lines[i]!))) {
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

/**
 * The marker as a case-insensitive pattern of its words with any whitespace between them (no line is copied to
 * be normalised). Literal words joined by `\s+` match in linear time.
 */
function markerPattern(marker: string): RegExp | null {
  const words = marker.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return null;
  return new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+'), 'i');
}

/** The first splitter that has new text above it and whose quoted part is not `>`-prefixed. */
function findHardCut(lines: string[], kinds: Kind[], end: number): number {
  let seenText = false;
  for (let i = 0; i < end; i++) {
    const kind = kinds[i]!;
    if (kind === 'mobileSignature' && seenText) {
      // Outlook for iOS/Android and others put the previous message, unquoted, right below "Sent from my …".
      const next = nextNonEmpty(kinds, i + 1, end);
      if (next >= 0 && kinds[next] === 'text') return i;
    }
    if (CONTENT.has(kind) || kind === 'mobileSignature') {
      seenText = seenText || kind === 'text';
      continue;
    }
    if (!seenText) continue;
    if (kind === 'signatureDelimiter' || kind === 'originalMessage' || kind === 'forward' || kind === 'headerBlock')
      return kind === 'headerBlock' ? separatorAbove(kinds, i) : i;
    if (kind === 'attribution') {
      const after = nextAfterAttribution(kinds, i);
      if (!followedByQuote(kinds, after, end)) return i;
      i = after - 1; // the rest of this attribution run has the same answer: skip it (else quadratic)
      continue;
    }
    if (kind === 'separator') {
      const next = nextNonEmpty(kinds, i + 1, end);
      if (
        next >= 0 &&
        (kinds[next] === 'headerBlock' ||
          kinds[next] === 'attribution' ||
          kinds[next] === 'originalMessage' ||
          kinds[next] === 'forward')
      )
        return i;
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
  while (
    k < hi &&
    (kinds[k] === 'empty' || kinds[k] === 'quote' || kinds[k] === 'attribution' || kinds[k] === 'weakAttribution')
  )
    k++;
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
    if (
      kind === 'quote' ||
      kind === 'attribution' ||
      kind === 'headerBlock' ||
      kind === 'originalMessage' ||
      kind === 'forward' ||
      kind === 'weakAttribution'
    ) {
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
