import iconv from 'iconv-lite';

// Labels whose bytes are windows-1252 in practice (WHATWG maps them so). Decoded with
// iconv-lite's table, because Node 20's TextDecoder turns 0x80–0x9F into C1 controls for them.
const WINDOWS_1252_ALIASES = new Set([
  'us-ascii',
  'ascii',
  'ansi_x3.4-1968',
  'iso646-us',
  'us',
  'iso-8859-1',
  'iso8859-1',
  'iso_8859-1',
  'latin1',
  'l1',
  'cp819',
  'ibm819',
  'x-cp1252',
  'cp1252',
  'windows-1252',
]);
const UTF8_ALIASES = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'x-unicode20utf8']);

/** Lower-cased, unquoted, trimmed charset label; '' for none. */
export function normalizeCharsetLabel(label: string | null | undefined): string {
  return (label ?? '')
    .trim()
    .replace(/^["']|["']$/g, '')
    .trim()
    .toLowerCase();
}

/**
 * Decodes bytes labelled with a MIME charset. windows-1252 family and everything iconv-lite
 * knows go through iconv-lite; what it lacks (ISO-2022-JP) through TextDecoder; an unknown
 * or missing label falls back to UTF-8 (malformed sequences become U+FFFD).
 */
export function decodeCharset(bytes: Uint8Array, label: string | null | undefined): string {
  const charset = normalizeCharsetLabel(label);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!charset || UTF8_ALIASES.has(charset)) return buffer.toString('utf8');
  if (WINDOWS_1252_ALIASES.has(charset)) return iconv.decode(buffer, 'windows-1252');
  if (iconv.encodingExists(charset)) return iconv.decode(buffer, charset);
  try {
    return new TextDecoder(charset).decode(buffer);
  } catch {
    return buffer.toString('utf8');
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the bytes are well-formed UTF-8 (plain ASCII included). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes raw header bytes that carry no charset label: UTF-8 when well-formed (RFC 6532),
 * otherwise windows-1252, which never fails and keeps every byte visible.
 */
export function decodeUnlabelledHeader(bytes: Uint8Array): string {
  return isValidUtf8(bytes) ? decodeCharset(bytes, 'utf-8') : decodeCharset(bytes, 'windows-1252');
}
