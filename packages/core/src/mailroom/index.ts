/**
 * The Mailroom: the object an app declares routes on and mounts in its HTTP server. It composes the
 * ingress (verify + parse), the inbox (durable store), the router and the worker.
 *
 * **HTTP contract** (`app()`, `fetch`, `nodeHandler()` all answer the same way):
 * - 200 `{ id, duplicate }` only after the ingest transaction committed. A duplicate post answers 200
 *   naming the existing id; it is processed once.
 * - IngressError → its 4xx (`{ error: code, reason }`): missing auth 401, forged signature 403, too large 413, …
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
 * **Extending the context**: `createMailroom({ context: (ctx) => ({ reply: … }) })` or
 * `mailroom.extend((ctx) => ({ … }))` adds typed fields to every handler's `ctx`.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createMailroom, openStore } from '@mailroom/core';
 *
 * const mailroom = createMailroom({ store: await openStore(), security: { publicKeys: [process.env.SENDGRID_PARSE_KEY!] } });
 * mailroom.route('posts', 'post+{token}@blog.example.com', async (ctx) => {
 *   const author = await findAuthorByToken(ctx.tx, ctx.params.token);
 *   if (!author) return ctx.bounce('unknown posting address');
 *   await ctx.tx.insert(posts).values({ authorId: author.id, title: ctx.email.subject });
 * });
 * mailroom.fallback((ctx) => ctx.ignore('not for us'));
 *
 * const app = new Hono();
 * app.route('/webhooks/sendgrid', mailroom.app()); // SendGrid posts to /webhooks/sendgrid/parse
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
export { MailroomConfigurationError } from './errors.js';
export { requireAuthenticatedSender } from './sender.js';
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
