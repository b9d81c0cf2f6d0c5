import iconv from 'iconv-lite';

const UTF8 = /^utf-?8$/i;
const ISO_2022_JP = /^(csiso2022jp|iso-?2022-?jp)$/i;
const ESC_ASCII = Buffer.from([0x1b, 0x28, 0x42]); // ESC ( B
const ESC_JIS_X_0208 = Buffer.from([0x1b, 0x24, 0x42]); // ESC $ B

/** Encodes text in the named charset (any iconv-lite charset, plus ISO-2022-JP). */
export function encodeInCharset(text: string, charset: string): Buffer {
  if (UTF8.test(charset)) return Buffer.from(text, 'utf8');
  if (ISO_2022_JP.test(charset)) return encodeIso2022Jp(text);
  if (!iconv.encodingExists(charset)) throw new Error(`mailroom testing: unknown charset "${charset}"`);
  return iconv.encode(text, charset);
}

/**
 * iconv-lite has no ISO-2022-JP encoder (only WHATWG decoders exist), and Japanese mail still
 * uses it. EUC-JP carries the same JIS X 0208 code points with the high bit set, so each
 * two-byte EUC-JP character maps to ISO-2022-JP by clearing that bit inside an `ESC $ B` run.
 */
function encodeIso2022Jp(text: string): Buffer {
  const out: Buffer[] = [];
  let inJis = false;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) {
      if (inJis) out.push(ESC_ASCII);
      inJis = false;
      out.push(Buffer.from([code]));
      continue;
    }
    const euc = iconv.encode(char, 'euc-jp');
    if (euc.length !== 2 || euc[0]! < 0xa1 || euc[1]! < 0xa1) {
      throw new Error(`mailroom testing: "${char}" cannot be written in ISO-2022-JP`);
    }
    if (!inJis) out.push(ESC_JIS_X_0208);
    inJis = true;
    out.push(Buffer.from([euc[0]! & 0x7f, euc[1]! & 0x7f]));
  }
  if (inJis) out.push(ESC_ASCII);
  return Buffer.concat(out);
}

/**
 * RFC 2047 encoded-words for a header value in the given charset (B encoding), split every
 * 20 characters so each word stays short and every word decodes on its own. ASCII stays as is.
 */
export function encodedWords(text: string, charset: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const chars = [...text];
  const words: string[] = [];
  for (let i = 0; i < chars.length; i += 20) {
    const bytes = encodeInCharset(chars.slice(i, i + 20).join(''), charset);
    words.push(`=?${charset}?B?${bytes.toString('base64')}?=`);
  }
  return words.join(' ');
}
