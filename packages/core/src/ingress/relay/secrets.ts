import { createHash, timingSafeEqual } from 'node:crypto';
import { IngressConfigurationError } from '../errors.js';

/** The shortest shared secret taken (32 characters of `openssl rand -base64 32` carry 192 bits). */
export const MIN_RELAY_SECRET_LENGTH = 32;

/** RFC 6750's token68: what an `Authorization: Bearer` header can carry. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Why a string cannot be a relay secret, or null when it can. */
export function relaySecretProblem(secret: string): string | null {
  if (secret.length < MIN_RELAY_SECRET_LENGTH) return `is shorter than ${MIN_RELAY_SECRET_LENGTH} characters`;
  if (!TOKEN68.test(secret)) {
    return 'has characters a Bearer token cannot carry (letters, digits and -._~+/ only; e.g. `openssl rand -base64 32`)';
  }
  return null;
}

/**
 * Checks a presented token against every configured secret (rotation: any may match). Both sides are hashed, so
 * the comparison is constant-time and length-independent, and every secret is compared (no early exit).
 */
export function createSecretCheck(secrets: readonly string[]): (token: string | null) => boolean {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new IngressConfigurationError(
      'relay: no secrets configured; give at least one shared secret of 32+ characters (`openssl rand -base64 32`)',
    );
  }
  const expected = secrets.map((secret, index) => {
    const problem = typeof secret === 'string' ? relaySecretProblem(secret) : 'is not a string';
    if (problem) throw new IngressConfigurationError(`relay: secrets[${index}] ${problem}`);
    return digest(secret);
  });
  return (token) => {
    if (token === null) return false;
    const given = digest(token);
    let matched = false;
    for (const secret of expected) if (timingSafeEqual(given, secret)) matched = true;
    return matched;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
