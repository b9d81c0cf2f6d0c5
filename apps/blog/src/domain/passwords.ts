import { createHash, randomBytes } from 'node:crypto';

// Passwords follow the kit's one policy (scrypt, 12+ characters).
export { hashPassword, verifyPassword, WeakPasswordError } from '@mailroom/app-kit';

/** Random token for URLs and addresses: lower-case base32-like (survives case-folding MTAs). */
export function randomToken(bytes = 16): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (const byte of randomBytes(bytes)) out += alphabet[byte & 31];
  return out;
}

/** Secrets are looked up by their hash: the lookup itself leaks nothing about the secret. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token.toLowerCase()).digest('hex');
}
