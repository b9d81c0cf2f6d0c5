/**
 * Postmark's inbound webhook: `createPostmarkReceiver(mailroom, { basic })` reads one post; `postmarkInbound` from
 * `@mailroom/core/http` mounts it as a Hono sub-app answering `POST /inbound`.
 * Postmark posts each message as JSON; with the inbound stream's "Include raw email content in JSON payload"
 * setting on, `RawEmail` holds the message as received, which is what Mailroom stores (`mailroom.deliver`).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { postmarkInbound } from '@mailroom/core/http';
 *
 * const app = new Hono();
 * // Postmark's webhook URL: https://inbound:<password>@mail.example.com/webhooks/postmark/inbound
 * app.route('/webhooks/postmark', postmarkInbound(mailroom, { basic: [{ username: 'inbound', password }] }));
 * ```
 *
 * Behaviour worth knowing:
 * - Authentication is HTTP basic (Postmark sends the credentials written in the webhook URL), constant-time,
 *   any of several credentials (rotation); none configured is an IngressConfigurationError. A wrong or missing
 *   one is a 401 with the body unread and the connection closed. Serve it over HTTPS only.
 * - The body must be `application/json` (415), UTF-8 JSON (400 `invalid_json`), one object (400). Without
 *   `RawEmail` it is a 422 `raw_email_required` saying to enable the setting: Mailroom does not rebuild MIME from
 *   Postmark's parsed fields (headers re-encoded, attachments re-wrapped, DKIM broken).
 * - `RawEmail` is a JSON string, so the message is its UTF-8 encoding: exact for 7-bit and UTF-8 mail; a message
 *   with raw 8-bit bytes in another charset arrives as Postmark decoded it.
 * - Envelope: `to` is `[OriginalRecipient]` (the address the message was delivered to, e.g. your inbound address
 *   or a forwarding domain's) when present, else the addresses of `ToFull`, `CcFull` and `BccFull`. Postmark's
 *   `From` is the From header, not the SMTP sender: `from` is the message's `Return-Path` (the receiving MTA's
 *   record of MAIL FROM), else null.
 * - `email.providerData`: `MessageID`, `MessageStream`, `MailboxHash`, `OriginalRecipient`, `Tag`, and the
 *   SpamAssassin headers Postmark lists in `Headers` (`X-Spam-Score`, `X-Spam-Status`, `X-Spam-Tests`), each read
 *   only when it occurs once (a sender can write the same names into the message). Score and status are also
 *   `email.spam` (score, report).
 * - Retries: Postmark retries any answer but 200 (10 times, from 1 minute up to hours apart) and stops at a 403,
 *   which this endpoint never sends. A retry is the same message, so it is stored once (Message-ID, or the
 *   message's digest without one); Postmark's own `MessageID` is not needed for that.
 * - Size: the JSON carries the parsed attachments (base64) and `RawEmail` (the same bytes again), so a post is
 *   about 2.7 × the message; `limits.maxBodyBytes` defaults to 100 MiB here (Postmark takes messages with up to
 *   35 MB of attachments). The stored message itself is held to the Mailroom's limits.
 * - A post over `limits.parseOffThreadAboveBytes` (256 KiB) is parsed on a parse thread within `limits.parseTimeoutMs`
 *   (422 `parse_timeout`): the UTF-8 decode and JSON.parse of a 90 MB post stall the event loop ~1 s, on the thread
 *   ~20-100 ms (`RawEmail` comes back as bytes; the parsed bodies and attachments never leave the thread). A payload
 *   of more than 100,000 objects, arrays and values (a genuine one has a few hundred) is a 400 `invalid_payload`
 *   before it is parsed, since building that many values stalls whatever the size (4 MB of tiny objects: ~110 ms).
 */
export { createPostmarkReceiver, POSTMARK_MAX_BODY_BYTES } from './postmark.js';
export type { PostmarkInboundOptions } from './postmark.js';
