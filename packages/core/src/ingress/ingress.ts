import { createHash } from 'node:crypto';
import type { InboundEmail } from '../message/index.js';
import { bodyTooLarge, collectBody } from './body.js';
import { IngressError } from './errors.js';
import { resolveLimits, type IngressLimits } from './limits.js';
import { formDataBoundary } from './multipart.js';
import { parseFormBody } from './parse.js';
import { createAuthenticator, type AuthMethod, type IngressSecurity } from './verify/index.js';

/** A verified, parsed Inbound Parse post. */
export interface ReceivedPost {
  email: InboundEmail;
  /** The exact bytes SendGrid posted (stored by the inbox, re-parsable with parseInboundBody). */
  body: Buffer;
  /** The request's Content-Type, boundary included. */
  contentType: string;
  /**
   * Hex SHA-256 of `body`. Computed on first read and cached (a getter): parsing does not need it,
   * so a post that is only parsed never pays for it; the inbox reads it when it stores the body.
   */
  readonly sha256: string;
  authenticatedBy: AuthMethod[];
}

export interface Ingress {
  /** Verifies and parses one post; throws IngressError (4xx) for anything SendGrid should not retry. */
  receive(request: Request): Promise<ReceivedPost>;
  /** True when the ingress accepts unauthenticated posts (security.insecure, nothing configured). */
  readonly insecure: boolean;
}

/**
 * The Inbound Parse ingress: header checks (basic, bearer, signature headers, timestamp)
 * before the body is read; a small body (declared ≤ 1 MiB) is read at once and its signature checked on the
 * thread pool, a larger one is counted and signature-checked as it streams; it is parsed only once the
 * signature has verified. Its SHA-256 is computed on first read.
 */
export function createIngress(options: { security: IngressSecurity; limits?: IngressLimits }): Ingress {
  const authenticator = createAuthenticator(options.security);
  const limits = resolveLimits(options.limits);

  return {
    insecure: authenticator.insecure,
    async receive(request) {
      const { authenticatedBy, signature } = await authenticator.checkHeaders(request);

      const contentType = request.headers.get('content-type') ?? '';
      const boundary = formDataBoundary(contentType);
      const encoding = request.headers.get('content-encoding');
      if (encoding && encoding.trim().toLowerCase() !== 'identity') {
        throw new IngressError(415, 'unsupported_content_encoding', `unsupported Content-Encoding ${JSON.stringify(encoding)}`);
      }
      const declaredLength = parseContentLength(request.headers.get('content-length'));
      if (declaredLength !== null && declaredLength > limits.maxBodyBytes) throw bodyTooLarge(limits.maxBodyBytes);
      const maxBytes = limits.maxBodyBytes;
      let body: Buffer;
      let verified: boolean;
      if (declaredLength !== null && declaredLength <= ONE_READ_MAX_BYTES) {
        // Most mail is small: one read, which server adapters serve from the socket without a web stream
        // (@hono/node-server's fast path; the HTTP framing bounds it to the declared length), and the
        // signature checked over the whole body on the thread pool, off the event loop.
        const bytes = new Uint8Array(await request.arrayBuffer());
        if (bytes.byteLength === 0) throw new IngressError(400, 'empty_body', 'empty request body');
        ({ body } = await collectBody(bytes, { maxBytes }));
        verified = signature ? await signature.verifyBody(body) : true;
      } else {
        // Large or unknown length: counted and hashed chunk by chunk as it streams, into one buffer.
        if (!request.body) throw new IngressError(400, 'empty_body', 'empty request body');
        ({ body } = await collectBody(request.body, { maxBytes, declaredLength, onChunk: signature ? (chunk) => signature.update(chunk) : undefined }));
        verified = signature ? signature.verify() : true;
      }
      if (signature) {
        if (!verified) {
          throw new IngressError(403, 'signature_invalid', 'signature does not match the body under any configured public key');
        }
        authenticatedBy.unshift('signature');
      }
      const email = await parseFormBody(body, boundary, limits);
      return receivedPost(email, body, contentType, authenticatedBy);
    },
  };
}

function receivedPost(email: InboundEmail, body: Buffer, contentType: string, authenticatedBy: AuthMethod[]): ReceivedPost {
  let sha256: string | undefined;
  return {
    email,
    body,
    contentType,
    authenticatedBy,
    get sha256() {
      return (sha256 ??= createHash('sha256').update(body).digest('hex'));
    },
  };
}

/** Bodies up to this declared size are read in one call; larger ones stream into one preallocated buffer. */
const ONE_READ_MAX_BYTES = 1024 * 1024;

function parseContentLength(value: string | null): number | null {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return null;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : null;
}
