import { createHash, timingSafeEqual } from 'node:crypto';
import { IngressConfigurationError } from '../errors.js';

export interface BasicCredential {
  username: string;
  password: string;
}

function digest(value: Buffer | string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Builds a checker for `Authorization: Basic …` against several credentials. Both sides are
 * hashed first so the comparison is constant-time and length-independent; every credential
 * is compared (no early exit), so timing does not reveal which one matched.
 */
export function createBasicCheck(credentials: BasicCredential[]): (authorization: string | null) => boolean {
  if (credentials.length === 0) throw new IngressConfigurationError('security.basic needs at least one credential');
  const expected = credentials.map(({ username, password }, index) => {
    if (typeof username !== 'string' || typeof password !== 'string' || username.includes(':')) {
      throw new IngressConfigurationError(
        `security.basic[${index}] needs a string username without ':' and a string password`,
      );
    }
    if (!password) throw new IngressConfigurationError(`security.basic[${index}] has an empty password`);
    return { user: digest(username), pass: digest(password) };
  });
  return (authorization) => {
    const given = parseBasicAuthorization(authorization);
    if (!given) return false;
    const user = digest(given.username);
    const pass = digest(given.password);
    let matched = false;
    for (const credential of expected) {
      const userOk = timingSafeEqual(user, credential.user);
      const passOk = timingSafeEqual(pass, credential.pass);
      if (userOk && passOk) matched = true;
    }
    return matched;
  };
}

/** `Basic base64(user:pass)` → its parts as raw bytes; null when absent or malformed. */
export function parseBasicAuthorization(authorization: string | null): { username: Buffer; password: Buffer } | null {
  const match = /^basic[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i.exec(authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return null;
  return { username: decoded.subarray(0, colon), password: decoded.subarray(colon + 1) };
}
