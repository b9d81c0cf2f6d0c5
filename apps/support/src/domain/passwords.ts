import { createHash, randomBytes } from 'node:crypto';

// Passwords follow the kit's one policy (scrypt, 12+ characters).
export { hashPassword, verifyPassword } from '@mailroom/app-kit';

/** A random URL-safe token (API tokens). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens are stored hashed so a database leak does not hand out credentials. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
