/**
 * Mailgun's routes: `createMailgunReceiver(mailroom, { signingKey })` reads and verifies one post; `mailgunInbound`
 * from `@mailroom/core/http` mounts it as a Hono sub-app answering `POST /mime`. A route
 * whose action is `forward("https://mail.example.com/webhooks/mailgun/mime")` (a URL ending in `mime`) makes Mailgun
 * post the message as received, in the `body-mime` field; Mailroom stores it (`mailroom.deliver`).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { mailgunInbound } from '@mailroom/core/http';
 *
 * const app = new Hono();
 * app.route('/webhooks/mailgun', mailgunInbound(mailroom, { signingKey: process.env.MAILGUN_WEBHOOK_SIGNING_KEY! }));
 * ```
 *
 * Behaviour worth knowing:
 * - Authentication is Mailgun's signature: hex HMAC-SHA256 of `timestamp + token` under the HTTP webhook signing
 *   key (several keys for rotation), compared in constant time. The three fields travel in the body, so the body is
 *   read (under `limits`) before it can be checked; `body-mime` is looked at only after it verified. Missing fields
 *   401, a wrong signature 403, a timestamp further than `maxSkewSeconds` (900) from now 401 `timestamp_stale`.
 * - The signature does not cover the message, so a token is spent by the post that used it: a later post with
 *   the same token is refused (403 `token_replayed`), whatever its body. Spent tokens are remembered in memory for
 *   the skew window (after it the timestamp refuses them anyway), at most `maxRememberedTokens` (100,000, the
 *   oldest forgotten first). Each process remembers its own: with several processes behind a load balancer a
 *   token can be replayed once per process, still only within the window; put a shared store in front if that
 *   matters to you.
 * - A token is spent once its post was answered for good (stored, or refused with a 4xx); an answer asking for a
 *   retry (503 while the database is down, 500) gives it back, because Mailgun's retry resends the same signed
 *   fields. Mailgun retries after 10 min, then 15, 30 min, 1, 2 and 4 h: past the skew window its retries are
 *   refused as stale, so raise `maxSkewSeconds` if you want outages longer than ~15 minutes bridged.
 * - Bodies: `multipart/form-data` or `application/x-www-form-urlencoded` (415 otherwise), decoded byte for byte.
 *   No `body-mime` (the route forwards to a URL not ending in `mime`, so Mailgun posted its parsed fields) is a
 *   422 saying so. Envelope: `to` from `recipient` (comma-separated), `from` from `sender`.
 * - Mailgun retries every answer but 200 and 406 for 8 hours; this endpoint never sends a 406, so a refusal of a
 *   genuine post (too large, say) is retried and can succeed once the limit is raised.
 * - `email.providerData`: `recipient`, `sender`, `timestamp` and `token` as posted. Mailgun's spam and SPF/DKIM
 *   marks (`X-Mailgun-Sflag`, `X-Mailgun-Sscore`, …) are headers inside the message, which a sender can write too:
 *   they stay in `email.headers` and are no `email.spam` or `email.auth`.
 */
export { createMailgunReceiver } from './mailgun.js';
export type { MailgunInboundOptions } from './mailgun.js';
