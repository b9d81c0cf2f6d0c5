import { verify } from 'node:crypto';
import { IngressError } from '../errors.js';
import type { CertificateCache } from './certificates.js';
import { signingCertUrlOf, snsStringToSign, type SnsMessage } from './sns.js';

/** SignatureVersion 1 is RSA with SHA-1, 2 RSA with SHA-256 (PKCS #1 v1.5 both). */
const DIGESTS: Record<string, string> = { '1': 'sha1', '2': 'sha256' };
/** Base64 of an RSA signature (256 bytes for SNS's 2048-bit keys; room for 8192-bit ones). */
const SIGNATURE = /^[A-Za-z0-9+/]{1,1400}={0,2}$/;
/** SNS's Timestamp: ISO 8601 in UTC with milliseconds (`2026-12-07T14:16:30.123Z`). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
/** How far in the future a signed Timestamp may be (clock skew between SNS and this host). */
export const MAX_FUTURE_SKEW_SECONDS = 300;

export interface SnsVerification {
  topicArns: ReadonlySet<string>;
  maxAgeSeconds: number;
  certificates: CertificateCache;
}

/**
 * Checks one SNS message, cheapest checks first so a forgery costs no certificate fetch: the topic is allowed
 * (403), the signature fields are well formed (401/403), the signed Timestamp is at most `maxAgeSeconds` old and
 * not in the future (401), SigningCertURL is on an SNS host (403, never fetched otherwise), then the signature
 * verifies under that certificate's key (403).
 */
export async function verifySnsMessage(message: SnsMessage, checks: SnsVerification, now: number): Promise<void> {
  if (!checks.topicArns.has(message.TopicArn)) throw topicNotAllowed(message.TopicArn);
  const digest = DIGESTS[message.SignatureVersion];
  if (!digest) {
    throw new IngressError(
      401,
      'signature_version_unsupported',
      `SignatureVersion ${JSON.stringify(message.SignatureVersion.slice(0, 20))} is not 1 or 2`,
    );
  }
  if (!SIGNATURE.test(message.Signature)) {
    throw new IngressError(403, 'signature_invalid', 'Signature is not base64 of an RSA signature');
  }
  checkTimestamp(message.Timestamp, checks.maxAgeSeconds, now);
  const url = signingCertUrlOf(message.SigningCertURL);
  const key = await checks.certificates.publicKeyFor(url.href, now);
  const signed = Buffer.from(snsStringToSign(message), 'utf8');
  let valid = false;
  try {
    valid = verify(digest, signed, key, Buffer.from(message.Signature, 'base64'));
  } catch {
    valid = false; // a signature of the wrong length for the key
  }
  if (!valid) {
    throw new IngressError(403, 'signature_invalid', "the signature does not verify under SNS's signing certificate");
  }
}

export function topicNotAllowed(topicArn: string): IngressError {
  return new IngressError(
    403,
    'topic_not_allowed',
    `topic ${JSON.stringify(topicArn.slice(0, 300))} is not one of the configured topicArns`,
  );
}

function checkTimestamp(timestamp: string, maxAgeSeconds: number, now: number): void {
  const time = TIMESTAMP.test(timestamp) ? Date.parse(timestamp) : NaN;
  if (!Number.isFinite(time)) {
    throw new IngressError(401, 'timestamp_invalid', 'Timestamp is not an ISO 8601 UTC time');
  }
  const age = (now - time) / 1000;
  if (age > maxAgeSeconds || age < -MAX_FUTURE_SKEW_SECONDS) {
    const where = age > 0 ? `${Math.round(age)} s old` : `${Math.round(-age)} s in the future`;
    throw new IngressError(
      401,
      'timestamp_stale',
      `the signed Timestamp is ${where}; messages up to ${maxAgeSeconds} s old are taken`,
    );
  }
}
