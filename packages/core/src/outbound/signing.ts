import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A secret used to sign reply addresses and Message-IDs. The first key of a list signs; all verify. */
export interface SigningKey {
  /** Short stable name, e.g. `2026-11`. Only a one-byte tag derived from it travels in tokens. */
  id: string;
  /** At least 16 bytes of randomness (a string is used as UTF-8). */
  secret: string | Uint8Array;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

interface RingKey {
  id: string;
  tag: number;
  macKey: Buffer;
}

/**
 * Keys for one purpose ("reply-address", "message-id"): each secret is first turned into a
 * purpose-specific key so a MAC made for one use can never be replayed as the other.
 */
export class KeyRing {
  private readonly keys: RingKey[];

  constructor(keys: readonly SigningKey[], purpose: string) {
    if (keys.length === 0) throw new SigningKeyError('at least one signing key is required');
    const tags = new Map<number, string>();
    this.keys = keys.map((key) => {
      const secret = typeof key.secret === 'string' ? Buffer.from(key.secret, 'utf8') : Buffer.from(key.secret);
      if (!key.id) throw new SigningKeyError('a signing key needs an id');
      if (secret.length < 16) throw new SigningKeyError(`signing key "${key.id}" is shorter than 16 bytes`);
      const tag = createHash('sha256').update(`mailroom-key-id:${key.id}`).digest()[0]!;
      const clash = tags.get(tag);
      if (clash !== undefined) {
        throw new SigningKeyError(`signing key ids "${clash}" and "${key.id}" map to the same tag; rename one`);
      }
      tags.set(tag, key.id);
      return { id: key.id, tag, macKey: createHmac('sha256', secret).update(`mailroom/${purpose}/v1`).digest() };
    });
  }

  get signer(): RingKey {
    return this.keys[0]!;
  }

  byTag(tag: number): RingKey | undefined {
    return this.keys.find((key) => key.tag === tag);
  }
}

/** HMAC-SHA256 over length-prefixed parts (no ambiguity between parts), truncated to `length` bytes. */
export function mac(key: RingKey, parts: readonly Uint8Array[], length: number): Buffer {
  const hmac = createHmac('sha256', key.macKey);
  for (const part of parts) {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(part.length);
    hmac.update(size).update(part);
  }
  return hmac.digest().subarray(0, length);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export type { RingKey };
