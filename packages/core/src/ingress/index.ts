/**
 * Ingress: verify and parse SendGrid Inbound Parse posts into `InboundEmail`.
 * Both modes (parsed fields and raw MIME), lossless charsets, streaming signature check,
 * basic/bearer auth, size and structure limits. Every rejection is an IngressError (4xx).
 *
 * @example
 * ```ts
 * import { IngressError } from '@mailroom/core';
 * import { createIngress } from '@mailroom/core/ingress';
 *
 * const ingress = createIngress({ security: { publicKeys: [process.env.SENDGRID_PARSE_KEY!] } });
 * async function handle(request: Request): Promise<Response> {
 *   try {
 *     const post = await ingress.receive(request);
 *     // store post.body first (post.sha256 hashes it on first read), process post.email later
 *     return new Response(null, { status: 204 });
 *   } catch (error) {
 *     if (error instanceof IngressError) return new Response(error.message, { status: error.status });
 *     throw error; // a server fault: 5xx makes SendGrid retry
 *   }
 * }
 * ```
 *
 * Behaviour worth knowing:
 * - Header-only checks (basic, bearer, signature headers, timestamp window) run before the body
 *   is read: bad credentials are a 401 with the body unread (`IngressError.bodyUnread`; the http layer then
 *   closes the connection). The body is counted and signature-checked chunk by chunk, and parsed only
 *   after the signature verified, so nothing unverified is ever parsed or returned.
 * - Every body arrives under `limits.bodyTimeoutMs` (60 s) and, after `bodyRateGraceMs` (5 s), at least
 *   `minBodyBytesPerSecond` (16 KiB/s) on average, else 408; all bodies being received share
 *   `maxInFlightBytes` (4 × maxBodyBytes, at least 64 MiB), past which a post is answered 503 + Retry-After (SendGrid retries).
 *   A declared length allocates nothing until 1 MiB of the body has arrived.
 * - Signed posts: the timestamp header is digits only and the body must begin with its `--boundary` line.
 *   SendGrid signs `timestamp || body` without a separator; together the two rules leave exactly one way to
 *   split those bytes, so moving a timestamp digit into the body (or body bytes into the timestamp) is refused.
 * - `receive(request, { onAuthenticated })` reports the moment a post is known to be SendGrid's (headers for
 *   basic/bearer/insecure, the verified signature for signed posts): the Mailroom's worker yields only to those.
 * - `dkim` and `SPF` are read with a strict grammar (`{@domain : result}` groups; one RFC 7208 word); anything
 *   else, or the field sent twice, is no result, so free text never becomes a passing domain.
 * - A body over `limits.parseOffThreadAboveBytes` (256 KiB) is parsed on a worker thread (one pool per process,
 *   cores − 1 threads, started on demand), within `limits.parseTimeoutMs` (30 s; past it: 422 `parse_timeout`):
 *   the event loop that answers webhooks only receives the finished email (no large or
 *   hostile message stalls it; see `npm run bench -- --worst`).
 * - Nothing is hashed while parsing: `ReceivedPost.sha256` (the body) and `Attachment.sha256` are
 *   computed on first read and cached, so the cost lands where a digest is used (the inbox's
 *   ingest reads both for its dedupe key and body checksum).
 * - All configured mechanisms must pass. `basic` and `bearer` together are a configuration error
 *   (both need the Authorization header). `insecure` only allows having no mechanism at all.
 * - Multipart framing works on the buffered bytes (views, no copies) because busboy 1.6 decodes
 *   and truncates non-file fields; part headers are read with jshttp's content-type / content-disposition
 *   (quoted file names as UTF-8, RFC 2231 `filename*` in its own charset; a malformed name never drops the file).
 * - Parsed mode: an unreadable `charsets`, `attachment-info` or `content-ids` field is ignored
 *   (UTF-8 / no metadata) rather than losing the mail; an unreadable `envelope` is a 400.
 *   `us-ascii` and `iso-8859-1` decode as windows-1252; unknown labels as UTF-8.
 * - A bearer callback that throws is a server fault (propagates, so SendGrid retries).
 */
export * from './public.js';
export { parseDkim } from './form-fields.js';
export { jsonResponse, rejectionResponse } from './rejection.js';
export { readProviderCapture, mediaTypeOf, type CapturedProvider, type ProviderCapture } from './capture.js';
export { RELAY_CONTENT_TYPE, relayEnvelopeHeaders } from './relay/index.js';
