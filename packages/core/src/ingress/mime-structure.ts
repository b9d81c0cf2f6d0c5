import { IngressError } from './errors.js';
import type { ResolvedLimits } from './limits.js';
import { parseContentType } from './multipart.js';

const CONTENT_TYPE = Buffer.from('content-type:');
const CONTENT_TRANSFER_ENCODING = Buffer.from('content-transfer-encoding:');
const CONTENT_DISPOSITION = Buffer.from('content-disposition:');
const DASHES = Buffer.from('--');

/** A part with no parts inside (not multipart, not an embedded message), closed by a delimiter of its multipart. */
export interface LeafPart {
  /** Byte range of its (still encoded) body in the message: after the blank line, up to the delimiter's line break. */
  bodyStart: number;
  bodyEnd: number;
  /** Raw header values (unfolded, untrimmed), or null when absent. */
  contentType: string | null;
  transferEncoding: string | null;
  disposition: string | null;
  /** Inside an embedded message (message/rfc822): that message is an attachment as a whole. */
  insideMessage: boolean;
}

/**
 * Cheap pre-checks on a raw MIME message before the real parser sees it: the top-level
 * header block must fit `maxHeaderBytes` (413), and multipart / embedded-message nesting
 * must stay within `maxMimeDepth` (400). One forward pass over line starts with
 * Buffer.indexOf; strings are only made for three part headers. Returns where each leaf part's body is.
 */
export function checkMimeStructure(email: Buffer, limits: ResolvedLimits): LeafPart[] {
  checkHeaderBlockSize(email, limits.maxHeaderBytes);
  return checkNestingDepth(email, limits);
}

function headerTooLarge(maxHeaderBytes: number): IngressError {
  return new IngressError(
    413,
    'header_too_large',
    `the email's header block exceeds ${maxHeaderBytes} bytes (maxHeaderBytes)`,
  );
}

function checkHeaderBlockSize(email: Buffer, maxHeaderBytes: number): void {
  if (email[0] === 0x0a || (email[0] === 0x0d && email[1] === 0x0a)) return; // no headers at all
  const window = email.subarray(0, maxHeaderBytes + 3);
  const ends = [window.indexOf('\n\n'), window.indexOf('\n\r\n')].filter((index) => index >= 0);
  const blankLine = ends.length > 0 ? Math.min(...ends) : -1;
  if (blankLine >= 0 ? blankLine + 1 > maxHeaderBytes : email.length > maxHeaderBytes)
    throw headerTooLarge(maxHeaderBytes);
}

interface Level {
  /** `--boundary` of a multipart level; null for an embedded message/rfc822 level. */
  delimiter: Buffer | null;
}

type PartHeader = 'contentType' | 'transferEncoding' | 'disposition';

function checkNestingDepth(email: Buffer, limits: ResolvedLimits): LeafPart[] {
  const stack: Level[] = [];
  const leaves: LeafPart[] = [];
  let inHeaders = true;
  let headers: Record<PartHeader, string | null> = { contentType: null, transferEncoding: null, disposition: null };
  let collecting: PartHeader | null = null;
  let leaf: Omit<LeafPart, 'bodyEnd'> | null = null;
  const length = email.length;
  let pos = 0;

  const push = (level: Level) => {
    stack.push(level);
    if (stack.length > limits.maxMimeDepth) {
      throw new IngressError(
        400,
        'mime_too_deep',
        `MIME structure nested deeper than ${limits.maxMimeDepth} levels (maxMimeDepth)`,
      );
    }
  };

  while (pos < length) {
    if (!inHeaders && !(email[pos] === 0x2d && email[pos + 1] === 0x2d)) {
      // In a body only delimiter lines matter: jump to the next line that starts with "--"
      // (base64 and most text bodies never contain one, so this skips them in a single search).
      if (stack.length === 0) break; // the top-level body of a non-multipart message: nothing nests
      const dashes = indexOfLineOfDashes(email, pos);
      if (dashes < 0) break;
      pos = dashes + 1;
      continue;
    }
    const newline = email.indexOf(0x0a, pos);
    const lineEnd = newline < 0 ? length : newline;
    const contentEnd = lineEnd > pos && email[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
    const next = newline < 0 ? length : newline + 1;

    if (stack.length > 0 && email[pos] === 0x2d && email[pos + 1] === 0x2d) {
      const match = matchDelimiter(email, pos, contentEnd, stack);
      if (match) {
        if (leaf) {
          // The line break before a delimiter belongs to the delimiter, not to the body.
          const bodyEnd = Math.max(
            leaf.bodyStart,
            email[pos - 1] === 0x0a ? (email[pos - 2] === 0x0d ? pos - 2 : pos - 1) : pos,
          );
          leaves.push({ ...leaf, bodyEnd });
          leaf = null;
        }
        stack.length = match.level + 1; // a delimiter of an outer level ends every level inside it
        if (match.close) {
          stack.pop();
          inHeaders = false;
        } else {
          inHeaders = true;
        }
        headers = { contentType: null, transferEncoding: null, disposition: null };
        collecting = null;
        pos = next;
        continue;
      }
    }

    if (inHeaders) {
      if (contentEnd === pos) {
        inHeaders = false;
        collecting = null;
        const parsed = headers.contentType === null ? undefined : parseContentType(headers.contentType.trim());
        if (parsed?.mimeType.startsWith('multipart/') && parsed.params.boundary) {
          push({ delimiter: Buffer.from(`--${parsed.params.boundary}`, 'latin1') });
        } else if (parsed && (parsed.mimeType === 'message/rfc822' || parsed.mimeType === 'message/global')) {
          push({ delimiter: null });
          inHeaders = true; // the body is another message, starting with its header block
        } else if (stack.length > 0) {
          leaf = { bodyStart: next, ...headers, insideMessage: stack.some((level) => level.delimiter === null) };
        }
        headers = { contentType: null, transferEncoding: null, disposition: null };
      } else if (email[pos] === 0x20 || email[pos] === 0x09) {
        if (collecting) {
          const value = headers[collecting]! + email.toString('latin1', pos, contentEnd);
          if (value.length > limits.maxHeaderBytes) throw headerTooLarge(limits.maxHeaderBytes);
          headers[collecting] = value;
        }
      } else {
        collecting = null;
        for (const [name, prefix] of PART_HEADERS) {
          if (!startsWithIgnoringCase(email, pos, contentEnd, prefix)) continue;
          collecting = name;
          headers[name] = email.toString('latin1', pos + prefix.length, contentEnd);
          break;
        }
      }
    }
    pos = next;
  }
  return leaves;
}

const PART_HEADERS: Array<[PartHeader, Buffer]> = [
  ['contentType', CONTENT_TYPE],
  ['transferEncoding', CONTENT_TRANSFER_ENCODING],
  ['disposition', CONTENT_DISPOSITION],
];

/**
 * `email.indexOf("\n--", from)`, searched as "--" with the LF checked before it: Buffer.indexOf scans
 * for the needle's first byte, and a base64 body has an LF every 78 bytes but never a "-".
 */
function indexOfLineOfDashes(email: Buffer, from: number): number {
  let at = email.indexOf(DASHES, from + 1);
  while (at >= 0 && email[at - 1] !== 0x0a) at = email.indexOf(DASHES, at + 1);
  return at < 0 ? -1 : at - 1;
}

function startsWithIgnoringCase(buffer: Buffer, start: number, end: number, lowerPrefix: Buffer): boolean {
  if (end - start < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    const byte = buffer[start + i]!;
    const lower = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
    if (lower !== lowerPrefix[i]) return false;
  }
  return true;
}

function matchDelimiter(
  buffer: Buffer,
  start: number,
  end: number,
  stack: Level[],
): { level: number; close: boolean } | null {
  for (let level = stack.length - 1; level >= 0; level--) {
    const delimiter = stack[level]!.delimiter;
    if (!delimiter || end - start < delimiter.length) continue;
    if (buffer.compare(delimiter, 0, delimiter.length, start, start + delimiter.length) !== 0) continue;
    let cursor = start + delimiter.length;
    const close = buffer[cursor] === 0x2d && buffer[cursor + 1] === 0x2d;
    if (close) cursor += 2;
    while (cursor < end && (buffer[cursor] === 0x20 || buffer[cursor] === 0x09)) cursor++;
    if (cursor === end) return { level, close };
  }
  return null;
}
