import { createHash } from 'node:crypto';
import type { InboundEmail, UnparsedEmail } from '../message/index.js';
import { bodyTooLarge, collectBody } from './body.js';
import { IngressError } from './errors.js';
import { resolveLimits, type IngressLimits, type ResolvedLimits } from './limits.js';
import { formDataBoundary } from './multipart.js';
import { BodyWatch, InFlightBudget } from './pace.js';
import { parseFormBody } from './parse.js';
import { summarizeUnparsed } from './unparsed.js';
import { createAuthenticator, type AuthMethod, type IngressSecurity, type SignatureCheck } from './verify/index.js';

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

/**
 * A verified raw-mode post accepted before its MIME is parsed (`Ingress.accept`): the envelope and header summary
 * are enough to store and dedupe it; whoever processes it parses `body` (`parseInboundBody`).
 */
export interface UnparsedPost extends Omit<ReceivedPost, 'email'> {
  email: null;
  unparsed: UnparsedEmail;
}

/** What `Ingress.accept` hands over: parsed (parsed mode, a large body, an unusual header block) or not yet. */
export type AcceptedPost = ReceivedPost | UnparsedPost;

export interface ReceiveOptions {
  /**
   * Called once the post is known to come from SendGrid: after the header checks for basic, bearer and insecure
   * mode, after the body's signature verified for signed posts (before parsing). Never for a rejected post.
   */
  onAuthenticated?: () => void;
}

export interface Ingress {
  /**
   * Verifies and parses one post; throws IngressError for anything SendGrid should not retry (4xx), or 503 when
   * too many body bytes are in flight (maxInFlightBytes).
   */
  receive(request: Request, options?: ReceiveOptions): Promise<ReceivedPost>;
  /**
   * Verifies one post like `receive`, but a small raw-mode post is only summarized (envelope and top-level
   * headers), not parsed: for storing it now and parsing it in the worker. Anything else is parsed as by `receive`.
   */
  accept(request: Request, options?: ReceiveOptions): Promise<AcceptedPost>;
  /** True when the ingress accepts unauthenticated posts (security.insecure, nothing configured). */
  readonly insecure: boolean;
  /** Body bytes being received right now over all posts (bounded by `limits.maxInFlightBytes`). */
  readonly inFlightBytes: number;
}

/**
 * The Inbound Parse ingress: header checks (basic, bearer, signature headers, timestamp) before the body is read;
 * a small body (declared ≤ 1 MiB) is read at once and its signature checked on the thread pool, a larger one is
 * counted and signature-checked as it streams; it is parsed only once the signature has verified. Every body is
 * read under a deadline and a minimum rate (408) and counts against the in-flight cap (503) until parsed.
 * Its SHA-256 is computed on first read.
 */
export function createIngress(options: { security: IngressSecurity; limits?: IngressLimits }): Ingress {
  const authenticator = createAuthenticator(options.security);
  const limits = resolveLimits(options.limits);
  const budget = new InFlightBudget(limits.maxInFlightBytes);

  /** Headers checked, body read under the pace rules and verified; `then` reads it while its bytes still count. */
  async function receiveVerified<T>(
    request: Request,
    receiveOptions: ReceiveOptions,
    then: (post: { body: Buffer; boundary: string; contentType: string; authenticatedBy: AuthMethod[] }) => Promise<T>,
  ): Promise<T> {
    const { authenticatedBy, signature } = await unread(authenticator.checkHeaders(request));
    if (!signature) receiveOptions.onAuthenticated?.();
    const contentType = request.headers.get('content-type') ?? '';
    const { boundary, declaredLength } = unreadSync(() => checkRequestHeaders(request, contentType, limits));
    const lease = budget.lease();
    try {
      const body = await unread(readBody(request, declaredLength, limits, lease, signature));
      if (signature) {
        checkSignedFraming(body, boundary);
        if (!(await verifySignature(signature, body, declaredLength))) {
          throw new IngressError(
            403,
            'signature_invalid',
            'signature does not match the body under any configured public key',
          );
        }
        authenticatedBy.unshift('signature');
        receiveOptions.onAuthenticated?.();
      }
      return await then({ body, boundary, contentType, authenticatedBy });
    } finally {
      lease.release();
    }
  }

  return {
    insecure: authenticator.insecure,
    get inFlightBytes() {
      return budget.used;
    },
    receive(request, receiveOptions = {}) {
      return receiveVerified(request, receiveOptions, async ({ body, boundary, contentType, authenticatedBy }) => {
        const { email, bodySha256 } = await parseFormBody(body, boundary, limits);
        return receivedPost(email, body, contentType, authenticatedBy, bodySha256);
      });
    },
    accept(request, receiveOptions = {}) {
      return receiveVerified(request, receiveOptions, async ({ body, boundary, contentType, authenticatedBy }) => {
        const unparsed = summarizeUnparsed(body, boundary, limits);
        if (unparsed) return unparsedPost(unparsed, body, contentType, authenticatedBy);
        const { email, bodySha256 } = await parseFormBody(body, boundary, limits);
        return receivedPost(email, body, contentType, authenticatedBy, bodySha256);
      });
    },
  };
}

/**
 * A request body read under the ingress' rules, for the provider ingresses beside SendGrid's: identity encoding
 * only (415), a declared length within `maxBodyBytes` (413, body unread), the deadline and minimum rate (408), and
 * the shared in-flight cap (503 + Retry-After). `use` runs while the bytes still count against that cap.
 */
export function createBodyReader(limits?: IngressLimits) {
  const resolved = resolveLimits(limits);
  const budget = new InFlightBudget(resolved.maxInFlightBytes);
  return async function readLimitedBody<T>(request: Request, use: (body: Buffer) => Promise<T>): Promise<T> {
    const declaredLength = unreadSync(() => checkLength(request, resolved));
    const lease = budget.lease();
    try {
      return await use(await unread(readBody(request, declaredLength, resolved, lease, null)));
    } finally {
      lease.release();
    }
  };
}

/** Content-Encoding identity and a declared length within maxBodyBytes. */
function checkLength(request: Request, limits: ResolvedLimits): number | null {
  const encoding = request.headers.get('content-encoding');
  if (encoding && encoding.trim().toLowerCase() !== 'identity') {
    throw new IngressError(
      415,
      'unsupported_content_encoding',
      `unsupported Content-Encoding ${JSON.stringify(encoding)}`,
    );
  }
  const declaredLength = parseContentLength(request.headers.get('content-length'));
  if (declaredLength !== null && declaredLength > limits.maxBodyBytes) throw bodyTooLarge(limits.maxBodyBytes);
  return declaredLength;
}

/** Content-Type (multipart boundary), Content-Encoding and a declared length within maxBodyBytes. */
function checkRequestHeaders(request: Request, contentType: string, limits: ResolvedLimits) {
  const boundary = formDataBoundary(contentType);
  return { boundary, declaredLength: checkLength(request, limits) };
}

/**
 * Reads the body under the pace rules and the in-flight cap. A small declared body is read in one call, which
 * server adapters serve from the socket without a web stream (@hono/node-server's fast path; the HTTP framing
 * bounds it to the declared length): its whole declared length counts at once and must arrive by the deadline
 * the minimum rate gives that length. A larger or unknown-length body streams, counted and hashed chunk by chunk.
 */
async function readBody(
  request: Request,
  declaredLength: number | null,
  limits: ResolvedLimits,
  lease: { take(bytes: number): void },
  signature: SignatureCheck | null,
): Promise<Buffer> {
  const maxBytes = limits.maxBodyBytes;
  const oneRead = declaredLength !== null && declaredLength <= ONE_READ_MAX_BYTES;
  if (oneRead) lease.take(declaredLength);
  const watch = new BodyWatch(limits, oneRead ? { blindLength: declaredLength } : {});
  try {
    if (oneRead) {
      const bytes = new Uint8Array(await watch.race(request.arrayBuffer().catch(incomplete)));
      if (bytes.byteLength === 0) throw new IngressError(400, 'empty_body', 'empty request body');
      return (await collectBody(bytes, { maxBytes })).body;
    }
    if (!request.body) throw new IngressError(400, 'empty_body', 'empty request body');
    const onChunk = signature ? (chunk: Uint8Array) => signature.update(chunk) : undefined;
    return (await collectBody(request.body, { maxBytes, declaredLength, onChunk, watch, lease }).catch(incomplete))
      .body;
  } finally {
    watch.stop();
  }
}

/** The body stream failing (the client went away mid-body) is the sender's doing, not a server fault. */
function incomplete(error: unknown): never {
  if (error instanceof IngressError) throw error;
  throw new IngressError(
    400,
    'body_incomplete',
    `the request body ended early: ${(error as Error)?.message ?? String(error)}`,
    { cause: error },
  );
}

/** A one-read body is checked whole on the thread pool; a streamed one was hashed as it arrived. */
function verifySignature(
  signature: SignatureCheck,
  body: Buffer,
  declaredLength: number | null,
): Promise<boolean> | boolean {
  return declaredLength !== null && declaredLength <= ONE_READ_MAX_BYTES
    ? signature.verifyBody(body)
    : signature.verify();
}

/**
 * SendGrid signs `timestamp || body` with no separator, so a signed message can be split differently: the
 * timestamp's last digits moved to the body's front (read as multipart preamble, which drops the first part)
 * still verify. The timestamp header is digits only (checked with the headers); a signed body must begin with
 * its delimiter line, which begins with "-": so the split is the only one there is. SendGrid's bodies always do.
 */
function checkSignedFraming(body: Buffer, boundary: string): void {
  const delimiter = `--${boundary}`;
  let at = delimiter.length;
  const starts = body.length >= at && body.toString('latin1', 0, at) === delimiter;
  while (starts && (body[at] === 0x20 || body[at] === 0x09)) at++; // transport padding
  if (!starts || body[at] !== 0x0d || body[at + 1] !== 0x0a) {
    throw new IngressError(
      400,
      'signed_body_framing',
      'a signed body must begin with its multipart delimiter line ("--" + boundary); this one has a preamble or another boundary',
    );
  }
}

/** Marks a rejection raised before the body was read in full: the HTTP layer closes the connection after it. */
async function unread<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof IngressError) error.bodyUnread = true;
    throw error;
  }
}

function unreadSync<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof IngressError) error.bodyUnread = true;
    throw error;
  }
}

export function receivedPost(
  email: InboundEmail,
  body: Buffer,
  contentType: string,
  authenticatedBy: AuthMethod[],
  known?: string,
): ReceivedPost {
  let sha256 = known;
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

export function unparsedPost(
  unparsed: UnparsedEmail,
  body: Buffer,
  contentType: string,
  authenticatedBy: AuthMethod[],
): UnparsedPost {
  let sha256: string | undefined;
  return {
    email: null,
    unparsed,
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
