import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A random lower-case hex token (safe in URLs and in an address' local part). */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** Compares two secrets in constant time (for equal lengths; different lengths are simply unequal). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The identity of an address: trimmed and lower-cased, as Gravatar does before hashing. */
export function canonicalAddress(address: string): string {
  return address.trim().replace(/^<|>$/g, '').trim().toLowerCase();
}

/** `sha256(lower-cased address)`: the public key of `/avatar/<hash>`. */
export function addressHash(address: string): string {
  return sha256Hex(canonicalAddress(address));
}

/** A loose syntax check for addresses typed into the register form. */
export function isPlausibleAddress(address: string): boolean {
  return address.length <= 254 && /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[a-z0-9-]{2,}$/i.test(address);
}
