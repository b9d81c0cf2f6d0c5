import { decodeCharset, isValidUtf8 } from './charsets.js';
import { normalizeLineEndings } from './form-fields.js';
import type { LeafPart } from './mime-structure.js';
import { parseContentType } from './multipart.js';

/** Where a body's bytes are and how they are labelled (a leaf part, or a single-part message's body). */
export type BodyPart = Pick<LeafPart, 'bodyStart' | 'bodyEnd' | 'contentType' | 'transferEncoding'> & {
  disposition?: string | null;
};

/**
 * mailparser decodes a text body that declares no charset as UTF-8, so 8-bit bytes in another charset become
 * U+FFFD, while headers in the same state get UTF-8-else-windows-1252 (`decodeUnlabelledHeader`). This gives the
 * body the same fallback: when the decoded text shows a replacement character (one search), the message's one
 * unlabelled part of that type is not UTF-8, and mailparser's text is exactly that part read as UTF-8, the part is
 * read as windows-1252 instead. Anything else (several such parts, a declared charset, quoted-printable,
 * format=flowed) stays as mailparser decoded it.
 */
export function withUnlabelledFallback(
  decoded: string | null,
  email: Buffer,
  parts: readonly BodyPart[],
  mimeType: string,
): string | null {
  if (decoded === null || !decoded.includes('\uFFFD')) return decoded;
  const candidates = parts.filter((part) => isUnlabelled(part, mimeType));
  if (candidates.length !== 1) return decoded;
  const bytes = bodyBytes(email, candidates[0]!);
  if (!bytes || isValidUtf8(bytes)) return decoded;
  const asUtf8 = normalizeLineEndings(bytes.toString('utf8'));
  // mailparser's text is the part's, or the part's with its final line break trimmed (a multipart delimiter's).
  if (decoded !== asUtf8 && decoded !== asUtf8.replace(/\n$/, '')) return decoded;
  const fallback = normalizeLineEndings(decodeCharset(bytes, 'windows-1252'));
  return decoded === asUtf8 ? fallback : fallback.replace(/\n$/, '');
}

function isUnlabelled(part: BodyPart, mimeType: string): boolean {
  if (part.disposition && /^\s*attachment/i.test(part.disposition)) return false;
  const type =
    part.contentType === null ? { mimeType: 'text/plain', params: {} } : parseContentType(part.contentType.trim());
  if (!type || type.mimeType !== mimeType) return false;
  const params = Object.fromEntries(Object.entries(type.params).map(([key, value]) => [key.toLowerCase(), value]));
  return !params.charset && params.format?.toLowerCase() !== 'flowed';
}

/** The part's bytes after its transfer encoding: as they are (7bit, 8bit, binary) or base64-decoded. */
function bodyBytes(email: Buffer, part: BodyPart): Buffer | null {
  const body = email.subarray(part.bodyStart, part.bodyEnd);
  const encoding = (part.transferEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === '7bit' || encoding === '8bit' || encoding === 'binary') return body;
  if (encoding === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  return null;
}
