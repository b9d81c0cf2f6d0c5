/**
 * Amazon SES receipt rules through SNS: `createSesReceiver(mailroom, { topicArns })` reads and verifies one request;
 * `sesInbound` from `@mailroom/core/http` mounts it as a Hono sub-app answering `POST /`, the endpoint of an HTTPS subscription to the SNS topic a receipt rule publishes to. A rule's SNS action puts the
 * message in the notification (up to 150 KB); its S3 action stores it in a bucket and the notification names it,
 * read through `readS3Object`. Mailroom stores the message as received (`mailroom.deliver`, provider `ses`).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
 * import { sesInbound } from '@mailroom/core/http';
 *
 * const s3 = new S3Client({});
 * const app = new Hono();
 * // SNS subscription endpoint: https://mail.example.com/webhooks/ses
 * app.route(
 *   '/webhooks/ses',
 *   sesInbound(mailroom, {
 *     topicArns: ['arn:aws:sns:us-east-1:123456789012:inbound-mail'],
 *     readS3Object: async ({ bucket, key }) => {
 *       const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
 *       return object.Body!.transformToByteArray();
 *     },
 *   }),
 * );
 * ```
 *
 * Behaviour worth knowing:
 * - Every message is verified as AWS describes: SignatureVersion 1 (RSA-SHA1) or 2 (RSA-SHA256) over SNS's string
 *   to sign, under the certificate at SigningCertURL, which must be `https://sns.<region>.amazonaws.com/….pem`
 *   (`.com.cn` in China; no userinfo, port, query): another URL is a 403 `signing_cert_url_refused` and is never
 *   fetched. Certificates are fetched with `fetchCertificate` (default: `fetch`, 5 s, 64 KiB, no redirects), parsed
 *   with `X509Certificate` (RSA only), checked against their validity dates on every use and cached by URL (100,
 *   24 h at most, least recently used forgotten first; at most 16 fetches at once, more are a 503).
 * - Cheap checks come first so a forgery costs no fetch: Content-Type text/plain or application/json (415),
 *   `x-amz-sns-message-type` (400) and `x-amz-sns-topic-arn` (403) before the body is read; then the body (under
 *   `limits`, 1 MiB by default) as JSON (at most 10,000 objects, arrays and values outside strings, counted before
 *   JSON.parse: 400 `invalid_sns_message`), the signed `TopicArn` in `topicArns` (403 `topic_not_allowed`), the
 *   signed `Timestamp` at most `maxMessageAgeSeconds` (3600) old and at most 5 minutes ahead (401
 *   `timestamp_stale`), the certificate URL, the signature (403 `signature_invalid`). Missing signature fields are
 *   a 401 `signature_missing` (also when raw message delivery is on: turn it off, the signature is on the envelope).
 * - `SubscriptionConfirmation`: once verified, `SubscribeURL` (on an SNS host too) is fetched with
 *   `confirmSubscription` (default: GET, 10 s); a failure is logged and answered 503 so SNS resends it.
 *   `UnsubscribeConfirmation` is logged (`logger.warn`) and answered 200.
 * - `Notification`: the SES JSON in `Message` must be `notificationType: "Received"` (422 otherwise; SES's setup
 *   notification is answered 200 `{ ignored }`). SNS action: `content` decoded per `encoding` (`UTF8`, or `BASE64`,
 *   which keeps 8-bit bytes exact: prefer it). S3 action: `readS3Object({ bucket, key })`, or a 422
 *   `s3_reader_required` without one. Any other action carries no message (422). The envelope is `mail.source`
 *   and `receipt.recipients` (the recipients the rule matched). SES's SPF verdict is `email.auth.spf`; all five
 *   verdicts (spam, virus, spf, dkim, dmarc) are `email.spam.report` (no score). DKIM: Mailroom checks it itself.
 * - Answers: 200 `{ id, duplicate }` once stored; SNS retries 5xx only (by default 3 times, 20 s apart; a delivery
 *   policy can stretch that to an hour), so 503 while the database is down gets the message again, stored once.
 *   A 4xx is final for SNS: an S3 message refused stays in its bucket.
 */
export { createSesReceiver, SES_MAX_BODY_BYTES } from './ses.js';
export type { SesInboundOptions } from './ses.js';
export type { ReadS3Object, S3ObjectLocation } from './notification.js';
export type { FetchCertificate } from './certificates.js';
export { snsStringToSign } from './sns.js';
