/**
 * `@mailroom/core/testing`: build the exact requests SendGrid's Inbound Parse sends, in both
 * modes, with any charset, attachments, signatures and auth; plus captured fixtures.
 *
 * @example
 * ```ts
 * import { inboundRequest, TEST_KEY_PAIR } from '@mailroom/core/testing';
 *
 * const request = inboundRequest(
 *   { from: 'Bob <bob@example.com>', subject: 'Order 42', attachments: [{ filename: 'a.txt', content: 'hi' }] },
 *   { sign: TEST_KEY_PAIR },
 * );
 * const response = await app.fetch(request);
 * ```
 *
 * `createTestMailroom({ mail })` runs a Mailroom on a test store behind a real HTTP server, with a transport
 * that captures what the outbox delivers: `t.post(description)` posts signed and drains, `t.sent` holds the mail.
 */
export {
  buildInboundPost,
  inboundFormParts,
  DEFAULT_FROM,
  DEFAULT_TO,
  DEFAULT_SUBJECT,
  DEFAULT_TEXT,
  DEFAULT_DATE,
  DEFAULT_SENDER_IP,
  DEFAULT_SPAM_SCORE,
} from './post.js';
export type { InboundDescription, AttachmentDescription, BuiltPost, CharsetField } from './post.js';
export { inboundRequest, httpRequestBytes, signatureHeaders, DEFAULT_INBOUND_URL } from './request.js';
export type { InboundRequestOptions, PostSource } from './request.js';
export { eventWebhookRequest, DEFAULT_EVENTS_URL } from './events.js';
export { rejectionOf } from './rejection.js';
export type { EventWebhookRequestOptions } from './events.js';
export { generateTestKeyPair, signBody, TEST_KEY_PAIR } from './keys.js';
export type { TestKeyPair } from './keys.js';
export { multipartBody, multipartContentType, SENDGRID_BOUNDARY } from './multipart.js';
export type { FormPart } from './multipart.js';
export { encodeInCharset, encodedWords } from './charsets.js';
export * as fixtures from './fixtures.js';
export { createTestStore, createTestDatabase } from './store.js';
export { startTcpProxy, createProxiedTestDatabase, createProxiedTestStore } from './tcp-proxy.js';
export type { TcpProxy, ProxiedTestDatabase, ProxiedTestStore } from './tcp-proxy.js';
export type { TestStore, TestStoreOptions } from './store.js';
export { createTestMailroom } from './mailroom.js';
export type { TestMailroom, TestMailroomOptions } from './mailroom.js';
export { postmarkInboundRequest, postmarkInboundPayload, DEFAULT_POSTMARK_URL } from './postmark.js';
export type { PostmarkInboundRequestOptions } from './postmark.js';
export { mailgunMimeRequest, mailgunSignature, DEFAULT_MAILGUN_URL } from './mailgun.js';
export type { MailgunMimeRequestOptions } from './mailgun.js';
export { relayRequest, DEFAULT_RELAY_URL } from './relay.js';
export type { RelayRequestOptions } from './relay.js';
export {
  sesNotificationRequest,
  sesNotificationPayload,
  snsSubscriptionRequest,
  createSnsTestSigner,
  DEFAULT_SES_URL,
  DEFAULT_SNS_TOPIC_ARN,
  DEFAULT_SNS_SIGNING_CERT_URL,
} from './ses.js';
export type { SnsTestSigner, SesNotificationRequestOptions, SnsSubscriptionRequestOptions } from './ses.js';
export { publishedSnsTestSigner } from './sns-test-key.js';
