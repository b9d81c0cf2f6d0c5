import { IngressConfigurationError, IngressError } from '../errors.js';
import { createBasicCheck, type BasicCredential } from './basic.js';
import { parseBearerAuthorization } from './bearer.js';
import {
  createSignatureCheck,
  parseSendGridPublicKey,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type SignatureCheck,
} from './signature.js';

export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  createSignatureCheck,
  verifySendGridSignature,
  parseSendGridPublicKey,
} from './signature.js';
export type { SignatureCheck } from './signature.js';
export type { BasicCredential } from './basic.js';

/** How an ingress authenticates SendGrid. Every configured mechanism must pass. */
export interface IngressSecurity {
  /** Base64 DER SPKI P-256 keys (SendGrid's format, no PEM armour); several = rotation, any may match. */
  publicKeys?: string[];
  /** Optional freshness window for the signed timestamp header, in seconds (past or future). */
  maxTimestampAgeSeconds?: number;
  /** Basic credentials (user:password in the Parse URL); any may match; constant-time comparison. */
  basic?: BasicCredential[];
  /** OAuth bearer check (SendGrid security policy with OAuth); return true to accept the token. */
  bearer?: (token: string, request: Request) => boolean | Promise<boolean>;
  /** Explicit local-development mode: accept posts when no mechanism is configured. */
  insecure?: boolean;
}

/**
 * How a post was authenticated: SendGrid's mechanisms, and those of the other ingresses (`relay-secret`: the relay
 * endpoint's shared secret; `mailgun-signature`: Mailgun's HMAC; `sns-signature`: SES through SNS; `smtp`: taken
 * by the SMTP receiver as an MX, for one of its domains).
 */
export type AuthMethod =
  'signature' | 'basic' | 'bearer' | 'insecure' | 'relay-secret' | 'mailgun-signature' | 'sns-signature' | 'smtp';

export interface HeaderAuthentication {
  /** Mechanisms already satisfied by the request headers (basic, bearer, insecure). */
  authenticatedBy: AuthMethod[];
  /** The body signature still to verify, fed every chunk; null when no keys are configured. */
  signature: SignatureCheck | null;
}

export interface RequestAuthenticator {
  readonly insecure: boolean;
  /** Header-only checks, before the body is read. Throws IngressError 401. */
  checkHeaders(request: Request, now?: Date): Promise<HeaderAuthentication>;
}

/**
 * The public half of the testing kit's `TEST_KEY_PAIR`, whose private key is published in this package: accepting
 * it would accept anyone's posts, so production refuses it.
 */
export const PUBLISHED_TEST_PUBLIC_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGsmC+c+OEUgRepFyT4wnQQLDWzcYZRU1ZwvRDrKUoWaqDchYAhbgRHQu9JjtlMJVNwQSCiV82AbSjtoaqJZ5CA==';

const BASIC_CHALLENGE = 'Basic realm="mailroom", charset="UTF-8"';

/**
 * Validates the security options once (bad keys, no mechanism, impossible combinations
 * → IngressConfigurationError) and returns the per-request header checks.
 */
export function createAuthenticator(security: IngressSecurity): RequestAuthenticator {
  const { publicKeys, basic, bearer, maxTimestampAgeSeconds } = security ?? {};
  if (publicKeys !== undefined) {
    if (!Array.isArray(publicKeys) || publicKeys.length === 0) {
      throw new IngressConfigurationError('security.publicKeys is empty; omit it or give at least one key');
    }
    publicKeys.forEach(parseSendGridPublicKey);
    if (process.env.NODE_ENV === 'production' && publicKeys.some((key) => key.trim() === PUBLISHED_TEST_PUBLIC_KEY)) {
      throw new IngressConfigurationError(
        "security.publicKeys holds the testing kit's published TEST_KEY_PAIR key (anyone can sign with it); refused in production",
      );
    }
  }
  if (maxTimestampAgeSeconds !== undefined) {
    if (!publicKeys) throw new IngressConfigurationError('security.maxTimestampAgeSeconds needs security.publicKeys');
    if (!Number.isFinite(maxTimestampAgeSeconds) || maxTimestampAgeSeconds <= 0) {
      throw new IngressConfigurationError('security.maxTimestampAgeSeconds must be a positive number');
    }
  }
  const basicCheck = basic !== undefined ? createBasicCheck(basic) : null;
  if (bearer !== undefined && typeof bearer !== 'function') {
    throw new IngressConfigurationError('security.bearer must be a function (token, request) => boolean');
  }
  if (basicCheck && bearer) {
    throw new IngressConfigurationError(
      'security.basic and security.bearer both need the Authorization header, so no request could pass both; configure one',
    );
  }
  const configured = Boolean(publicKeys || basicCheck || bearer);
  if (!configured && !security?.insecure) {
    throw new IngressConfigurationError(
      'no ingress security configured: set security.publicKeys, security.basic or security.bearer, or security.insecure for local development',
    );
  }
  const insecure = !configured;

  return {
    insecure,
    async checkHeaders(request, now = new Date()) {
      const authenticatedBy: AuthMethod[] = [];
      const authorization = request.headers.get('authorization');
      if (basicCheck) {
        if (!authorization || !/^basic\b/i.test(authorization)) {
          throw new IngressError(401, 'basic_auth_required', 'basic authentication required', {
            challenge: BASIC_CHALLENGE,
          });
        }
        if (!basicCheck(authorization)) {
          throw new IngressError(401, 'basic_auth_invalid', 'invalid basic credentials', {
            challenge: BASIC_CHALLENGE,
          });
        }
        authenticatedBy.push('basic');
      }
      if (bearer) {
        const token = parseBearerAuthorization(authorization);
        if (!token) {
          throw new IngressError(401, 'invalid_token', 'invalid_token: missing bearer token', {
            challenge: 'Bearer error="invalid_token"',
          });
        }
        if ((await bearer(token, request)) !== true) {
          throw new IngressError(401, 'invalid_token', 'invalid_token: bearer token rejected', {
            challenge: 'Bearer error="invalid_token"',
          });
        }
        authenticatedBy.push('bearer');
      }
      let signature: SignatureCheck | null = null;
      if (publicKeys) {
        const signatureValue = request.headers.get(SIGNATURE_HEADER);
        const timestamp = request.headers.get(TIMESTAMP_HEADER);
        if (!signatureValue || timestamp === null) {
          const missing = [!signatureValue && SIGNATURE_HEADER, timestamp === null && TIMESTAMP_HEADER].filter(Boolean);
          throw new IngressError(401, 'signature_missing', `unsigned request: missing ${missing.join(' and ')}`);
        }
        // Digits only, always: the signature covers timestamp || body with no separator, so a timestamp that took
        // the body's first bytes would verify too (the body's own check, in ingress.ts, covers the other direction).
        if (!TIMESTAMP.test(timestamp)) {
          throw new IngressError(
            401,
            'timestamp_invalid',
            `${TIMESTAMP_HEADER} is not a Unix timestamp in seconds (digits only)`,
          );
        }
        if (maxTimestampAgeSeconds !== undefined) checkFreshness(timestamp, maxTimestampAgeSeconds, now);
        signature = createSignatureCheck(publicKeys, signatureValue, timestamp);
      }
      if (insecure) authenticatedBy.push('insecure');
      return { authenticatedBy, signature };
    },
  };
}

const TIMESTAMP = /^\d{1,12}$/;

function checkFreshness(timestamp: string, maxAgeSeconds: number, now: Date): void {
  const skew = now.getTime() / 1000 - Number(timestamp);
  if (Math.abs(skew) > maxAgeSeconds) {
    const where = skew > 0 ? `${Math.round(skew)} s old` : `${Math.round(-skew)} s in the future`;
    throw new IngressError(401, 'timestamp_stale', `signature timestamp is ${where}; the window is ${maxAgeSeconds} s`);
  }
}
