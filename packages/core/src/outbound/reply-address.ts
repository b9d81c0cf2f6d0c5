import { normalizeAddress } from '../message/index.js';
import { base32Capacity, base32Decode, base32Encode } from './base32.js';
import { KeyRing, mac, sameBytes, type SigningKey } from './signing.js';

/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
const MAX_LOCAL_PART = 64;
const TAG_BYTES = 1;
const EXPIRY_BYTES = 4;
const SIGNATURE_BYTES = 8; // authenticates key, expiry, scope: 64 bits
const RECIPIENT_BYTES = 5; // binds the recipient: 40 bits, checked only when a recipient is given
const OVERHEAD = TAG_BYTES + EXPIRY_BYTES + SIGNATURE_BYTES + RECIPIENT_BYTES;
const DEFAULT_TTL_SECONDS = 180 * 24 * 3600;

export interface ReplyAddressOptions {
  /** First key signs, every key verifies (rotation: prepend the new key, drop the old one later). */
  keys: readonly SigningKey[];
  /** Receiving domain, e.g. `replies.example.com`. */
  domain: string;
  /** Local part before `+token`; default `reply`. */
  localPrefix?: string;
  /** Lifetime when `create()` gets no `ttlSeconds`; default 180 days. */
  defaultTtlSeconds?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface CreateReplyAddress {
  /** What the reply belongs to, e.g. `ticket:42`. Signed, not encrypted: anyone can read it. */
  scope: string;
  /** Who the address is issued to; replies from anyone else fail with `wrong-recipient`. */
  recipient: string;
  ttlSeconds?: number;
}

export type ReplyTokenFailure = 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'wrong-recipient';

export type ReplyTokenResult =
  | {
      ok: true;
      scope: string;
      /** The recipient the token was checked against (normalized), or null when verify() got none. */
      recipient: string | null;
      expiresAt: Date;
      keyId: string;
    }
  | { ok: false; reason: ReplyTokenFailure };

export interface ReplyAddresses {
  readonly domain: string;
  readonly localPrefix: string;
  /** Longest scope (UTF-8 bytes) that still fits the 64-octet local part. */
  readonly maxScopeBytes: number;
  /** `reply+<token>@domain` */
  create(input: CreateReplyAddress): string;
  /** Just the token part. */
  createToken(input: CreateReplyAddress): string;
  /**
   * Checks an address (`reply+tok@domain`, any case) or a bare token. Pass `recipient` (normally the
   * sender of the incoming reply) to enforce the binding; without it the token acts as a bearer token.
   */
  verify(addressOrToken: string, options?: { recipient?: string | null }): ReplyTokenResult;
}

export class ReplyAddressError extends Error {
  override name = 'ReplyAddressError';
}

/**
 * Signed, expiring, per-recipient reply addresses.
 *
 * Token bytes: key tag (1) · expiry, Unix seconds (4) · scope (UTF-8) · signature (8) · recipient MAC (5),
 * encoded as lower-case base32 so case-folding MTAs do not break it. With the default prefix `reply`
 * a scope may be at most 18 bytes: sign a short id (`t:42`) and look the rest up.
 */
export function createReplyAddresses(options: ReplyAddressOptions): ReplyAddresses {
  const ring = new KeyRing(options.keys, 'reply-address');
  const localPrefix = (options.localPrefix ?? 'reply').toLowerCase();
  const domain = options.domain.toLowerCase();
  const now = options.now ?? (() => new Date());
  const defaultTtl = options.defaultTtlSeconds ?? DEFAULT_TTL_SECONDS;
  const maxTokenChars = MAX_LOCAL_PART - localPrefix.length - 1;
  const maxScopeBytes = base32Capacity(maxTokenChars) - OVERHEAD;
  if (maxScopeBytes < 1) throw new ReplyAddressError(`local prefix "${localPrefix}" leaves no room for a token`);

  function createToken(input: CreateReplyAddress): string {
    const scope = Buffer.from(input.scope, 'utf8');
    if (scope.length === 0) throw new ReplyAddressError('reply address scope must not be empty');
    if (scope.length > maxScopeBytes) {
      throw new ReplyAddressError(
        `reply address scope "${input.scope}" is ${scope.length} bytes; at most ${maxScopeBytes} fit in a ` +
          `64-octet local part with prefix "${localPrefix}". Sign a shorter id and look the rest up.`,
      );
    }
    const recipient = normalizeAddress(input.recipient);
    if (!recipient.includes('@'))
      throw new ReplyAddressError(`reply address recipient "${input.recipient}" is not an address`);
    const ttl = input.ttlSeconds ?? defaultTtl;
    if (!(ttl > 0)) throw new ReplyAddressError('ttlSeconds must be positive');
    const expiry = Math.floor(now().getTime() / 1000) + Math.floor(ttl);
    if (expiry > 0xffffffff) throw new ReplyAddressError('expiry beyond 2106 does not fit the token');

    const key = ring.signer;
    const head = Buffer.alloc(TAG_BYTES + EXPIRY_BYTES);
    head[0] = key.tag;
    head.writeUInt32BE(expiry, TAG_BYTES);
    const signature = mac(key, [head, scope], SIGNATURE_BYTES);
    const binding = mac(key, [head, scope, Buffer.from(recipient, 'utf8')], RECIPIENT_BYTES);
    return base32Encode(Buffer.concat([head, scope, signature, binding]));
  }

  function verifyToken(token: string, recipientInput: string | null | undefined): ReplyTokenResult {
    const bytes = base32Decode(token.toLowerCase());
    if (!bytes || bytes.length < OVERHEAD + 1) return { ok: false, reason: 'malformed' };
    const data = Buffer.from(bytes);
    const key = ring.byTag(data[0]!);
    if (!key) return { ok: false, reason: 'unknown-key' };
    const head = data.subarray(0, TAG_BYTES + EXPIRY_BYTES);
    const scope = data.subarray(head.length, data.length - SIGNATURE_BYTES - RECIPIENT_BYTES);
    const signature = data.subarray(data.length - SIGNATURE_BYTES - RECIPIENT_BYTES, data.length - RECIPIENT_BYTES);
    const binding = data.subarray(data.length - RECIPIENT_BYTES);
    if (!sameBytes(signature, mac(key, [head, scope], SIGNATURE_BYTES))) return { ok: false, reason: 'bad-signature' };
    const expiresAt = new Date(head.readUInt32BE(TAG_BYTES) * 1000);
    if (expiresAt.getTime() <= now().getTime()) return { ok: false, reason: 'expired' };
    let recipient: string | null = null;
    if (recipientInput) {
      recipient = normalizeAddress(recipientInput);
      const expected = mac(key, [head, scope, Buffer.from(recipient, 'utf8')], RECIPIENT_BYTES);
      if (!sameBytes(binding, expected)) return { ok: false, reason: 'wrong-recipient' };
    }
    let scopeText: string;
    try {
      scopeText = new TextDecoder('utf-8', { fatal: true }).decode(scope);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    return { ok: true, scope: scopeText, recipient, expiresAt, keyId: key.id };
  }

  return {
    domain,
    localPrefix,
    maxScopeBytes,
    createToken,
    create(input) {
      return `${localPrefix}+${createToken(input)}@${domain}`;
    },
    verify(addressOrToken, verifyOptions = {}) {
      const candidates = tokenCandidates(addressOrToken, localPrefix);
      let result: ReplyTokenResult = { ok: false, reason: 'malformed' };
      for (const candidate of candidates) {
        const attempt = verifyToken(candidate, verifyOptions.recipient);
        if (attempt.ok || attempt.reason !== 'malformed') {
          if (attempt.ok || attempt.reason !== 'unknown-key') return attempt;
          result = attempt; // keep "unknown-key" over a later "malformed"
        }
      }
      return result;
    },
  };
}

/**
 * The token inside an address: `reply+tok`, `reply-tok`, or `replytok` (some MTAs drop `+`,
 * Discourse makes it optional), or the whole local part when it is a bare token.
 */
function tokenCandidates(input: string, prefix: string): string[] {
  let local = input.trim().replace(/^<|>$/g, '');
  const at = local.lastIndexOf('@');
  if (at >= 0) local = local.slice(0, at);
  local = local.toLowerCase();
  const out: string[] = [];
  if (local.startsWith(prefix)) {
    const rest = local.slice(prefix.length);
    if (rest.startsWith('+') || rest.startsWith('-')) out.push(rest.slice(1));
    else out.push(rest);
  }
  out.push(local);
  return out;
}
