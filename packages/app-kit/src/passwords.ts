import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * The one password policy of every app: scrypt N=2^15, r=8, p=1 (OWASP's minimum; 32 MiB a hash), a 16-byte salt,
 * 12 to 1,024 characters. Stored as `scrypt$32768$8$1$<salt b64>$<hash b64>`; only this parameter set verifies.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;
const N = 32768;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;
const PREFIX = `scrypt$${N}$${R}$${P}$`;

/** Hashes run on libuv's thread pool, which also verifies webhook signatures: at most this many at once. */
const MAX_CONCURRENT_HASHES = 2;
/** Beyond this many waiting, a sign-in is refused (429) instead of queued without bound. */
const MAX_WAITING_HASHES = 64;

export class WeakPasswordError extends Error {
  override name = 'WeakPasswordError';
}

/** Too many sign-ins are being checked at once; try again in a second. */
export class PasswordCheckBusyError extends Error {
  override name = 'PasswordCheckBusyError';
}

let running = 0;
const waiting: Array<() => void> = [];

async function withHashSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) {
    if (waiting.length >= MAX_WAITING_HASHES)
      throw new PasswordCheckBusyError('too many sign-ins at once; try again shortly');
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return withHashSlot(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r: R, p: P, maxmem: MAX_MEMORY }, (error, key) =>
          error ? reject(error) : resolve(key),
        );
      }),
  );
}

/** Why `password` may not be set, or null. `forbidden` holds passwords that are published (a demo's built-in ones). */
export function passwordProblem(password: unknown, forbidden: readonly string[] = []): string | null {
  if (typeof password !== 'string') return 'a password is required';
  if (password.length < PASSWORD_MIN_LENGTH) return `passwords need at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `passwords may have at most ${PASSWORD_MAX_LENGTH} characters`;
  if (forbidden.includes(password)) return 'that password is published (a built-in demo password); choose another';
  return null;
}

/** A fresh salted hash; WeakPasswordError (with the reason) for a password the policy refuses. */
export async function hashPassword(password: string, forbidden: readonly string[] = []): Promise<string> {
  const problem = passwordProblem(password, forbidden);
  if (problem) throw new WeakPasswordError(problem);
  const salt = randomBytes(16);
  return `${PREFIX}${salt.toString('base64')}$${(await derive(password, salt)).toString('base64')}`;
}

/** Constant-time check; false for a malformed hash, another parameter set or an over-long password. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const hash = stored ?? DUMMY_PASSWORD_HASH;
  const parts = hash.startsWith(PREFIX) ? hash.slice(PREFIX.length).split('$') : [];
  const [salt, key] = parts.length === 2 ? parts : [Buffer.alloc(16).toString('base64'), ''];
  const expected = Buffer.from(key!, 'base64');
  // Same work for every refusal, so timing tells nothing about which accounts exist.
  const actual = await derive(password.slice(0, PASSWORD_MAX_LENGTH), Buffer.from(salt!, 'base64'));
  return (
    stored !== null &&
    stored !== undefined &&
    password.length <= PASSWORD_MAX_LENGTH &&
    expected.length === KEY_LENGTH &&
    timingSafeEqual(actual, expected)
  );
}

/** Verified against when the account does not exist (never matches: its key is all zeroes). */
export const DUMMY_PASSWORD_HASH = `${PREFIX}${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

/** A random password for a first account: 20 characters from an unambiguous alphabet (~115 bits). */
export function generatePassword(length = 20): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  // Bytes past the last whole multiple of the alphabet's size are dropped, so every character is equally likely.
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
