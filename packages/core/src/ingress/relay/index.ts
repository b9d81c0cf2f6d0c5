/**
 * The relay ingress: a raw-MIME endpoint for your own MTA (Postfix `pipe`, Exim, qmail, sendmail through
 * `mailroom relay`) and for anything that can `fetch` (a Cloudflare Email Worker). Each `POST` carries one message
 * and is stored through `mailroom.deliver()` (provider `relay`), answered only after the commit. `createRelayReceiver`
 * reads one request; `relayIngress` from `@mailroom/core/http` mounts it as a Hono sub-app answering `POST /`.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { relayIngress } from '@mailroom/core/http';
 *
 * const app = new Hono();
 * app.route('/webhooks/raw', relayIngress(mailroom, { secrets: [process.env.MAILROOM_RELAY_SECRET!] }));
 * // curl -H "Authorization: Bearer $MAILROOM_RELAY_SECRET" -H 'Content-Type: message/rfc822' \
 * //   -H 'X-Mailroom-Envelope-To: help@support.example.com' --data-binary @message.eml https://…/webhooks/raw
 * ```
 *
 * The request:
 * - `Authorization: Bearer <secret>`: compared in constant time with each configured secret (32+ characters;
 *   several during a rotation). Missing or wrong: 401 with `WWW-Authenticate: Bearer`, the body unread and the
 *   connection closed.
 * - `Content-Type: message/rfc822` (else 415) and the message's bytes as the body, read under the ingress' limits:
 *   413 too large, 408 too slow, 503 + Retry-After past the in-flight cap, 415 for a Content-Encoding.
 * - `X-Mailroom-Envelope-From` (MAIL FROM; empty or `<>` is the null sender) and `X-Mailroom-Envelope-To` (RCPT TO,
 *   comma-separated, at most 500 addresses of 320 characters, no control characters; else 400 `malformed_envelope`).
 *   Without `X-Mailroom-Envelope-To` the envelope has no recipients and routing reads the message's To, Cc,
 *   X-Original-To, X-Forwarded-To and Delivered-To (`routing/recipients.ts`), so a Bcc recipient is only
 *   reached through the envelope.
 *
 * The answers, as the SendGrid endpoint's: 200 `{ id, duplicate }` once stored (a message stored before, by its
 * Message-ID, is `duplicate: true` and processed once); 4xx `{ error, reason }` for a message that will never be
 * taken (400 malformed, 413, 415, 422 `parse_timeout`); 503 + Retry-After while the database is down (retry: nothing
 * was stored); 500 `{ error: 'internal' }` for a fault of ours (logged).
 */
export { createRelayReceiver, RELAY_CONTENT_TYPE } from './relay.js';
export type { RelayIngressOptions } from './relay.js';
export { relayEnvelopeHeaders } from './envelope.js';
export { relaySecretProblem } from './secrets.js';
