import { createPublicKey, createVerify, verify as verifyOneShot, type KeyObject, type Verify } from 'node:crypto';
import { IngressConfigurationError } from '../errors.js';

/** Header carrying the base64 DER ECDSA signature (the same name for Inbound Parse and the Event Webhook). */
export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
/** Header carrying the Unix timestamp (seconds) that is signed together with the body. */
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_LIMIT = 64;

/**
 * Turns SendGrid's public key (base64 DER SubjectPublicKeyInfo, no PEM armour; PEM is
 * tolerated) into a KeyObject. Anything that is not a P-256 key is a configuration error.
 */
export function parseSendGridPublicKey(publicKey: string | undefined): KeyObject {
  // `[process.env.SENDGRID_PARSE_PUBLIC_KEY!]` with the variable unset lands here as undefined.
  if (typeof publicKey !== 'string' || !publicKey.trim()) {
    throw new IngressConfigurationError(
      `a SendGrid public key is ${publicKey === undefined ? 'undefined' : 'empty'}: set SENDGRID_PARSE_PUBLIC_KEY (or read the keys with securityFromEnv)`,
    );
  }
  const cached = keyCache.get(publicKey);
  if (cached) return cached;
  const text = publicKey.trim();
  let key: KeyObject;
  try {
    key = text.startsWith('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new IngressConfigurationError(
      `invalid SendGrid public key ${preview(text)}: expected base64 DER SPKI (${(error as Error).message})`,
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new IngressConfigurationError(
      `SendGrid public key ${preview(text)} is not an ECDSA P-256 key (${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''})`,
    );
  }
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(publicKey, key);
  return key;
}

function preview(key: string): string {
  return JSON.stringify(key.length > 24 ? `${key.slice(0, 12)}…${key.slice(-8)}` : key);
}

export interface SignatureCheck {
  /** Feed the next body chunk exactly as received. */
  update(chunk: Uint8Array): void;
  /** True when the signature matches under any of the keys. Call once, after the last chunk. */
  verify(): boolean;
  /**
   * The whole body at once, checked on libuv's thread pool instead of the event loop (the ECDSA check is the
   * webhook's largest CPU cost). Copies the body once (timestamp prefix): for bodies held in one small buffer.
   * Use either this or update()/verify(), once.
   */
  verifyBody(body: Uint8Array): Promise<boolean>;
}

/**
 * Streaming SendGrid signature check: ECDSA P-256 / SHA-256 over the ASCII timestamp
 * followed by the exact body bytes. One verifier per key (key rotation: any may match).
 * A malformed signature verifies false; only a bad key throws (IngressConfigurationError).
 */
export function createSignatureCheck(publicKeys: string[], signature: string, timestamp: string): SignatureCheck {
  if (publicKeys.length === 0)
    throw new IngressConfigurationError('createSignatureCheck needs at least one public key');
  const keys = publicKeys.map(parseSendGridPublicKey);
  const signatureBytes = decodeSignature(signature);
  const timestampBytes = Buffer.from(timestamp, 'latin1');
  // Created on the first chunk, so verifyBody() pays for no stream objects.
  let verifiers: Verify[] | null = null;
  let done = false;
  const finish = () => {
    if (done) throw new Error('signature check already verified');
    done = true;
  };
  return {
    update(chunk) {
      if (done) throw new Error('signature check already verified');
      // Skip hashing altogether when the signature cannot possibly be valid.
      if (!signatureBytes) return;
      verifiers ??= keys.map(() => createVerify('sha256').update(timestampBytes));
      for (const verifier of verifiers) verifier.update(chunk);
    },
    verify() {
      finish();
      if (!signatureBytes) return false;
      const all = verifiers ?? keys.map(() => createVerify('sha256').update(timestampBytes));
      let valid = false;
      all.forEach((verifier, index) => {
        try {
          if (verifier.verify(keys[index]!, signatureBytes)) valid = true;
        } catch {
          // A garbage DER signature makes OpenSSL throw; that is a failed check, not a fault.
        }
      });
      return valid;
    },
    async verifyBody(body) {
      finish();
      if (!signatureBytes) return false;
      const signed = Buffer.allocUnsafe(timestampBytes.length + body.byteLength);
      timestampBytes.copy(signed, 0);
      signed.set(body, timestampBytes.length);
      const results = await Promise.all(
        keys.map(
          (key) =>
            new Promise<boolean>((resolve) => {
              // With a callback, node:crypto runs the check on the thread pool; a garbage signature is an error → false.
              verifyOneShot('sha256', signed, key, signatureBytes, (error, valid) => resolve(!error && valid));
            }),
        ),
      );
      return results.includes(true);
    },
  };
}

/** Base64 (or base64url) → bytes; null for an empty or non-base64 value. */
function decodeSignature(signature: string): Buffer | null {
  const text = signature.trim();
  if (!text || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 ? bytes : null;
}

/**
 * Checks a SendGrid signature over exact bytes (one buffer or the chunks in order).
 * Used for Inbound Parse posts and the Event Webhook alike.
 *
 * @example
 * ```ts
 * const ok = verifySendGridSignature({
 *   publicKeys: [process.env.SENDGRID_WEBHOOK_KEY!],
 *   signature: request.headers.get(SIGNATURE_HEADER) ?? '',
 *   timestamp: request.headers.get(TIMESTAMP_HEADER) ?? '',
 *   body: new Uint8Array(await request.arrayBuffer()),
 * });
 * ```
 */
export function verifySendGridSignature(args: {
  publicKeys: string[];
  signature: string;
  timestamp: string;
  body: Uint8Array | Uint8Array[];
}): boolean {
  const check = createSignatureCheck(args.publicKeys, args.signature, args.timestamp);
  for (const chunk of Array.isArray(args.body) ? args.body : [args.body]) check.update(chunk);
  return check.verify();
}
