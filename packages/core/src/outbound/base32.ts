// RFC 4648 base32, lower-case and unpadded: MTAs may case-fold local parts, so the
// alphabet must survive lower-casing, and `=` padding is noise in an address.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const VALUE = new Map([...ALPHABET].map((char, index) => [char, index]));

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes lower-case unpadded base32 (callers lower-case first). Returns null for any
 * character outside the alphabet, an impossible length, or non-zero trailing bits,
 * so every byte string has exactly one accepted encoding.
 */
export function base32Decode(text: string): Uint8Array | null {
  const remainder = text.length % 8;
  if (remainder === 1 || remainder === 3 || remainder === 6) return null;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = VALUE.get(char);
    if (value === undefined) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) return null;
  return out;
}

/** How many bytes fit in `chars` base32 characters. */
export function base32Capacity(chars: number): number {
  return Math.floor((chars * 5) / 8);
}
