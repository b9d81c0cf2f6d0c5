import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/**
 * Short random ids (10 chars, ~50 bits): they are signed into reply addresses, whose scope must fit
 * a 64-octet local part, and they appear in URLs.
 */
export function shortId(length = 10): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}
