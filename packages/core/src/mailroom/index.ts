/**
 * The Mailroom: the object an app declares routes on and mounts in its HTTP server. It composes the
 * ingress (verify + parse), the inbox (durable store), the router, the worker, outbound mail and the Event Webhook.
 *
 * **HTTP contract** (`app()`, `fetch`, `nodeHandler()` all answer the same way):
 * - 200 `{ id, duplicate }` only after the ingest transaction committed. A duplicate post answers 200
 *   naming the existing id; it is processed once.
 * - IngressError → its 4xx (`{ error: code, reason }`): missing auth 401, forged signature 403, body too slow
 *   408, too large 413, a signed body with a preamble 400, …; or 503 `receiver_busy` + Retry-After past
 *   `limits.maxInFlightBytes`. A rejection before the body was read in full closes the connection.
 * - StoreUnavailableError or a database timeout → 503 (SendGrid retries; dedupe makes that safe).
 * - Any other fault → 500. Anything but POST → 405.
 *
 * **Processing** starts right after the commit, in the same process (`worker.kick(id)`); the worker also
 * polls for due and retried emails once started. For each email the router picks ONE route (see
 * `routing/`); no match and no fallback → status `unrouted` (stored, visible, replayable, not retried).
 * The handler runs inside the transaction that records the outcome: `delivered` when it returns,
 * `bounced`/`ignored` after `ctx.bounce(reason)`/`ctx.ignore(reason)`, and a throw rolls its writes back
 * and retries with backoff up to `worker.maxAttempts`, then `failed` (replayable).
 *
 * **Replying** (with `mail`): `ctx.reply(content, { scope })` queues a threaded reply in the handler's
 * transaction (In-Reply-To/References, `Re:` once, a Message-ID signed with the scope, a signed Reply-To);
 * `ctx.autoReply(…)` refuses anything `email.classify()` does not call human and rate-limits per recipient;
 * `ctx.mailer` queues other mail in the same transaction; `mailroom.mailer` is for code outside handlers
 * (apps take it as their mailer), `mailroom.messageIds`/`replyAddresses` are the configured signers.
 * Nothing queued by a handler that throws is sent. The Mailroom's outbox deliverer (default transport:
 * outbox only, nothing leaves; `mail.deliverer.claimLimit` rows per round) is the only one an app needs,
 * and runs with `start()`/`stop()`/`drain()`.
 *
 * **Reply tokens**: `route(name, 'reply+{token}@replies.example.com', handler, { replyToken: 'token' })`
 * verifies the token (signature, expiry, issued to this sender) before the handler, which gets
 * `ctx.replyToken` ({ scope, recipient, … }); a failing token bounces the email with the reason. Apps sharing one
 * Mailroom, each on its own reply domain, give their routes `{ replyAddresses: { keys, domain } }`: that signer
 * verifies the route's token and signs the Reply-To of `ctx.reply`/`ctx.autoReply` in its handler.
 *
 * **Event Webhook** (with `eventsSecurity`): `app()` also answers `POST /events` (`eventsFetch` elsewhere):
 * verified, stored deduplicated and linked to the outbox message, then `mailroom.events.on('bounce', …)`
 * (an `EventHandlerRegistry`: apps' `registerEventHandlers(mailroom.events)`). Mail a handler queues with
 * `mailroom.mailer.send(message, { tx, afterCommit })` goes out once the event's transaction committed.
 *
 * **Configuration from the environment**: `createMailroom({ store, ...securityFromEnv(process.env), mail })` reads
 * `SENDGRID_PARSE_PUBLIC_KEY` (comma-separated keys), `SENDGRID_PARSE_BASIC` (`user:pass[,user2:pass2]`),
 * `MAILROOM_INSECURE=1` (no authentication, local development only: the endpoint logs a warning),
 * `SENDGRID_PARSE_MAX_AGE_SECONDS` (signed timestamp window) and `SENDGRID_EVENTS_PUBLIC_KEY`; with none of the
 * first three it throws MailroomConfigurationError.
 *
 * **Per-route middleware**: `{ use: requireAuthenticatedSender() }` as the route's options (or `mailroom.use`).
 * **Sender authentication**: `createMailroom({ senderAuth: { dkim: 'verify' } })` verifies the DKIM signatures of
 * raw-mode emails before routing (DNS budget 5 s per email, 5 signatures, DNS failures retried on 3 attempts, then
 * `temperror`) and `email.authVerdict()` reads that instead of SendGrid's `dkim` field; the result is stored, so a
 * replay has the same verdict. Parsed mode keeps SendGrid's field (`verdict.dkimSource` says which).
 * **Extending the context**: `createMailroom({ context: (ctx) => ({ … }) })` or
 * `mailroom.extend((ctx) => ({ … }))` adds typed fields to every handler's `ctx`.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createMailroom, openStore, requireAuthenticatedSender, sendgridTransport } from '@mailroom/core';
 *
 * const keys = [{ id: '2026-11', secret: process.env.MAILROOM_SECRET! }];
 * const mailroom = createMailroom({
 *   store: await openStore(),
 *   security: { publicKeys: [process.env.SENDGRID_PARSE_KEY!] },
 *   eventsSecurity: { publicKeys: [process.env.SENDGRID_EVENTS_KEY!] },
 *   mail: {
 *     from: 'Support <help@example.com>',
 *     transport: sendgridTransport({ apiKey: process.env.SENDGRID_API_KEY! }),
 *     replyAddresses: { keys, domain: 'replies.example.com' },
 *     messageIds: { keys, domain: 'mail.example.com' },
 *   },
 * });
 * mailroom.route('support', 'help@example.com', async (ctx) => {
 *   const ticket = await openTicket(ctx.tx, ctx.email);
 *   await ctx.autoReply({ text: `Ticket ${ticket.id} opened.` }, { scope: `t:${ticket.id}` });
 * });
 * mailroom.route('ticket-reply', 'reply+{token}@replies.example.com', async (ctx) => {
 *   await addMessage(ctx.tx, ctx.replyToken.scope, ctx.email.reply().text);
 * }, { replyToken: 'token' });
 * mailroom.route('close', 'close+{ticket}@example.com', closeTicket, { use: requireAuthenticatedSender() });
 * mailroom.events.on('bounce', async (event, { tx, outboundMessageId }) => markUndeliverable(tx, event.email));
 *
 * const app = new Hono();
 * app.route('/webhooks/sendgrid', mailroom.app()); // POST /webhooks/sendgrid/parse and /webhooks/sendgrid/events
 * // or every provider under one mount: /webhooks/sendgrid/parse, /webhooks/postmark/inbound, /webhooks/raw, …
 * // app.route('/webhooks', mailroom.webhooks({ postmark: { basic }, relay: { secrets: [relaySecret] } }));
 * mailroom.start();
 * ```
 */
export { createMailroom } from './mailroom.js';
export type {
  Mailroom,
  MailroomOptions,
  MailroomWorkerOptions,
  MailroomEventsSecurity,
  MailroomEvents,
  RouteOptions,
  ParamName,
  RouteTarget,
} from './mailroom.js';
export type { MailroomMailOptions, MailFields } from './mail.js';
export type { VerifiedReplyToken, ReplyTokenRouteOptions, RouteFields } from './reply-token.js';
export { MailroomConfigurationError, isConfigurationError } from './errors.js';
export { securityFromEnv } from './env.js';
export type { EnvSecurity, SecurityFromEnvOptions } from './env.js';
export { requireAuthenticatedSender } from './sender.js';
export { DkimLookupError } from './sender-auth.js';
export type { MailroomSenderAuthOptions } from './sender-auth.js';
export type { MailroomWebhookProviders } from './webhooks.js';
export type { RequireAuthenticatedSenderOptions } from './sender.js';
export type {
  MailContext,
  RouteContext,
  FallbackContext,
  Handler,
  FallbackHandler,
  Middleware,
  ContextExtension,
  HandlerOutcome,
} from './context.js';
export type { ReceiveResult } from './respond.js';
