// What the package root offers of ingress/ (index.ts adds what only other folders use).
export { createIngress, createBodyReader } from './ingress.js';
export type { AcceptedPost, Ingress, ReceivedPost, ReceiveOptions, UnparsedPost } from './ingress.js';
export { parseInboundBody } from './parse.js';
export { storedFormOf } from './delivery.js';
export type { MimeDelivery } from './delivery.js';
export { rawMessageOf, formPartsOf } from './raw-message.js';
export type { FormPart } from './multipart.js';
export { decodeCharset } from './charsets.js';
export { IngressError, IngressConfigurationError } from './errors.js';
export type { IngressErrorStatus } from './errors.js';
export { DEFAULT_LIMITS } from './limits.js';
export { createRelayReceiver, relaySecretProblem, type RelayIngressOptions } from './relay/index.js';
export type { IngressLimits } from './limits.js';
export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySendGridSignature,
  createSignatureCheck,
  parseSendGridPublicKey,
  PUBLISHED_TEST_PUBLIC_KEY,
} from './verify/index.js';
export type { IngressSecurity, AuthMethod, SignatureCheck, BasicCredential } from './verify/index.js';
export { createPostmarkReceiver, POSTMARK_MAX_BODY_BYTES, type PostmarkInboundOptions } from './postmark/index.js';
export { createMailgunReceiver, type MailgunInboundOptions } from './mailgun/index.js';
export type { DeliveryTarget, WebhookLogger, WebhookReceipt, WebhookReceiver } from './webhook/index.js';
export {
  createSesReceiver,
  SES_MAX_BODY_BYTES,
  type SesInboundOptions,
  type ReadS3Object,
  type S3ObjectLocation,
  type FetchCertificate,
} from './ses/index.js';
export * from './smtp/index.js';
