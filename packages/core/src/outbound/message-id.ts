import { randomBytes } from 'node:crypto';
import { base32Decode, base32Encode } from './base32.js';
import { KeyRing, mac, sameBytes, type SigningKey } from './signing.js';

const TAG_BYTES = 1;
const NONCE_BYTES = 8;
const SIGNATURE_BYTES = 10;

export interface MessageIdOptions {
  keys: readonly SigningKey[];
  /** Our domain, the right-hand side of every Message-ID we create. */
  domain: string;
  /** Further domains whose signed ids we accept (an old domain after a move). */
  acceptDomains?: readonly string[];
}

export interface VerifiedMessageId {
  scope: string;
  messageId: string;
  keyId: string;
}

/** The threading headers of an inbound email (an InboundEmail fits). */
export interface ThreadingHeaders {
  inReplyTo: string | null;
  references: readonly string[];
}

export interface MessageIds {
  readonly domain: string;
  /**
   * A fresh Message-ID (without angle brackets, like InboundEmail's). With a scope it is signed:
   * `<base32(tag · nonce · scope · hmac)@domain>`, so a reply's In-Reply-To/References lead back to
   * the scope and cannot be forged to jump into another thread.
   */
  createMessageId(scope?: string): string;
  /** Verified scopes from In-Reply-To, then References newest first; unique by scope. */
  verifyMessageIds(email: ThreadingHeaders): VerifiedMessageId[];
  /** One id (with or without brackets): its scope, or null when it is not ours or not valid. */
  verifyMessageId(messageId: string): VerifiedMessageId | null;
}

export function createMessageIds(options: MessageIdOptions): MessageIds {
  const ring = new KeyRing(options.keys, 'message-id');
  const domain = options.domain.toLowerCase();
  const domains = new Set([domain, ...(options.acceptDomains ?? []).map((d) => d.toLowerCase())]);

  function verifyMessageId(raw: string): VerifiedMessageId | null {
    const messageId = raw.trim().replace(/^<|>$/g, '');
    const at = messageId.lastIndexOf('@');
    if (at < 0 || !domains.has(messageId.slice(at + 1).toLowerCase())) return null;
    const bytes = base32Decode(messageId.slice(0, at).toLowerCase());
    if (!bytes || bytes.length < TAG_BYTES + NONCE_BYTES + 1 + SIGNATURE_BYTES) return null;
    const data = Buffer.from(bytes);
    const key = ring.byTag(data[0]!);
    if (!key) return null;
    const body = data.subarray(0, data.length - SIGNATURE_BYTES);
    if (!sameBytes(data.subarray(body.length), mac(key, [body], SIGNATURE_BYTES))) return null;
    try {
      const scope = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(TAG_BYTES + NONCE_BYTES));
      return { scope, messageId, keyId: key.id };
    } catch {
      return null;
    }
  }

  return {
    domain,
    createMessageId(scope) {
      if (scope === undefined) return `${base32Encode(randomBytes(15))}@${domain}`;
      if (!scope) throw new Error('Message-ID scope must not be empty');
      const key = ring.signer;
      const body = Buffer.concat([Buffer.from([key.tag]), randomBytes(NONCE_BYTES), Buffer.from(scope, 'utf8')]);
      return `${base32Encode(Buffer.concat([body, mac(key, [body], SIGNATURE_BYTES)]))}@${domain}`;
    },
    verifyMessageId,
    verifyMessageIds(email) {
      const ids = [...(email.inReplyTo ? [email.inReplyTo] : []), ...[...email.references].reverse()];
      const seen = new Set<string>();
      const out: VerifiedMessageId[] = [];
      for (const id of ids) {
        const verified = verifyMessageId(id);
        if (verified && !seen.has(verified.scope)) {
          seen.add(verified.scope);
          out.push(verified);
        }
      }
      return out;
    },
  };
}
