/**
 * Ingress: verify and parse SendGrid Inbound Parse posts into `InboundEmail`.
 * Both modes (parsed fields and raw MIME), lossless charsets, streaming signature check,
 * basic/bearer auth, size and structure limits. Every rejection is an IngressError (4xx).
 *
 * @example
 * ```ts
 * import { createIngress, IngressError } from '@mailroom/core';
 *
 * const ingress = createIngress({ security: { publicKeys: [process.env.SENDGRID_PARSE_KEY!] } });
 * async function handle(request: Request): Promise<Response> {
 *   try {
 *     const { email, body, sha256 } = await ingress.receive(request);
 *     // store body + sha256 first, process email later
 *     return new Response(null, { status: 204 });
 *   } catch (error) {
 *     if (error instanceof IngressError) return new Response(error.message, { status: error.status });
 *     throw error; // a server fault: 5xx makes SendGrid retry
 *   }
 * }
 * ```
 */
export { createIngress } from './ingress.js';
export type { Ingress, ReceivedPost } from './ingress.js';
export { parseInboundBody } from './parse.js';
export { IngressError, IngressConfigurationError } from './errors.js';
export type { IngressErrorStatus } from './errors.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { IngressLimits } from './limits.js';
export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySendGridSignature,
  createSignatureCheck,
  parseSendGridPublicKey,
} from './verify/index.js';
export type { IngressSecurity, AuthMethod, SignatureCheck, BasicCredential } from './verify/index.js';
export { decodeCharset } from './charsets.js';
export { parseDkim } from './form-fields.js';
