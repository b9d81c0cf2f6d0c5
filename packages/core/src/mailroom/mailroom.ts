import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono } from 'hono';
import type { InboundEmail } from '../message/index.js';
import { parseInboundBody, type IngressLimits, type IngressSecurity, type ReceivedPost } from '../ingress/index.js';
import { inboundHandler, toNodeHandler } from '../http/index.js';
import type { InboundStatus, Logger, Store } from '../inbox/index.js';
import { createWorker, eventLoopSaturation, type ProcessContext, type ProcessOutcome, type WorkerOptions } from '../runtime/index.js';
import { createRouter, recipientsOf, RouteNameError, type Params, type ParamsOf, type RoutePattern, type Router } from '../routing/index.js';
import type { Mailer, MessageIds, ReplyAddresses, ReplyAddressOptions } from '../outbound/index.js';
import {
  createEventDispatcher,
  eventsHandler,
  type EventDispatcherOptions,
  type EventHandler,
  type EventHandlerRegistry,
  type EventKind,
} from '../events/index.js';
import { compose } from './compose.js';
import { MailroomConfigurationError } from './errors.js';
import { createMailWiring, type MailroomMailOptions } from './mail.js';
import { createSenderAuth, type MailroomSenderAuthOptions } from './sender-auth.js';
import { replyTokenMiddleware, type ReplyTokenRouteOptions, type RouteFields } from './reply-token.js';
import {
  createContext,
  withFields,
  type ContextExtension,
  type FallbackHandler,
  type Handler,
  type MailContext,
  type Middleware,
} from './context.js';
import { answerStored, httpLoggerFor, type ReceiveResult } from './respond.js';

/** Worker settings; see `createWorker` in runtime/. */
export interface MailroomWorkerOptions {
  concurrency?: number;
  maxAttempts?: number;
  leaseMs?: number;
  pollMs?: number;
  backoff?: WorkerOptions['backoff'];
  workerId?: string;
  /**
   * Longest a handler may run before its attempt rolls back and is retried (default 60 s); one that blocked the
   * event loop past it is failed instead (see `WorkerOptions.handlerTimeoutMs`).
   */
  handlerTimeoutMs?: number;
  /** Takeovers after a worker stopped mid-attempt (lease expired) before the email is failed (default 1). */
  maxTakeovers?: number;
  /**
   * Incinerate stored bytes periodically while the worker runs, e.g. `{ days: 30 }`.
   * Runs hourly; off unless set. `mailroom incinerate` does the same from cron. Failed mail is kept unless named.
   */
  retention?: WorkerOptions['retention'];
  /**
   * Start the worker by itself (default true): at the first post received, if `start()` was not called.
   * Call `start()` once your routes are declared to also pick up mail left pending by an earlier run.
   */
  autoStart?: boolean;
  /**
   * Receiving comes first: while at least this many webhook posts are being received (or any is, and the event loop
   * was ≥ 90 % busy over the last 100 ms), the worker in this process starts no new email, except one per `pollMs`.
   * Only authenticated posts count: basic/bearer from their headers on, signed posts once their signature verified.
   * A burst is answered at the webhook's full speed and its (already stored) emails are processed in its gaps and
   * as it passes. Default 8; 0 never yields.
   */
  yieldToWebhookAt?: number;
}

export interface MailroomOptions<E extends object = {}> {
  /** From `openStore()` (or `createTestStore()` in tests). */
  store: Store;
  /** How SendGrid posts are authenticated (signature keys, basic, bearer, or explicit `insecure`). */
  security: IngressSecurity;
  limits?: IngressLimits;
  /** Default: the store's logger. */
  logger?: Logger;
  worker?: MailroomWorkerOptions;
  /** Adds fields to every handler context. */
  context?: ContextExtension<MailContext, E>;
  /**
   * Outbound mail: gives handlers `ctx.reply()`, `ctx.autoReply()` and `ctx.mailer`, and the Mailroom a
   * `mailer` and an outbox deliverer that runs with `start()`/`stop()`/`drain()`. Without it those throw
   * MailroomConfigurationError.
   */
  mail?: MailroomMailOptions;
  /**
   * The Event Webhook's own signature keys (it has a different key from Inbound Parse): enables
   * `POST /events` in `app()` and `eventsFetch`. Without it they answer 404.
   */
  eventsSecurity?: MailroomEventsSecurity;
  /** Settings of the event dispatcher behind `mailroom.events` (attempts, backoff, polling). */
  eventDispatcher?: Omit<EventDispatcherOptions, 'store' | 'logger'>;
  /**
   * Sender authentication: `{ dkim: 'verify' }` verifies the DKIM signatures of raw-mode emails before routing
   * (DNS with a timeout, a cap on signatures, DNS failures retried) and makes `email.authVerdict()` read that
   * instead of SendGrid's `dkim` field. Default: SendGrid's fields. See `MailroomSenderAuthOptions`.
   */
  senderAuth?: MailroomSenderAuthOptions;
}

/** How Event Webhook posts are authenticated. */
export interface MailroomEventsSecurity {
  /** Base64 DER SPKI keys of the Event Webhook(s); any may match (rotation, several webhooks). */
  publicKeys?: string[];
  /** Local development only: accept unsigned event posts. */
  insecure?: boolean;
  /** Optional freshness window for the signed timestamp, seconds. */
  maxTimestampAgeSeconds?: number;
  /** Largest body accepted (default 32 MiB). */
  maxBodyBytes?: number;
}

/**
 * Event Webhook handlers, run after the batch committed, each event in its own transaction, with retries.
 * Mail a handler queues with `mailroom.mailer.send(message, { tx, afterCommit })` goes out right after that
 * transaction commits.
 */
export interface MailroomEvents extends EventHandlerRegistry {
  /** Handle one event type (`'*'` = every event, after the typed handlers). */
  on<K extends EventKind | '*'>(kind: K, handler: EventHandler<K>): MailroomEvents;
}

/** Per-route options: the reply token check, and middleware for this route only. */
export interface RouteOptions<E = unknown, Param extends string = string> extends ReplyTokenRouteOptions<Param> {
  /** Runs after the Mailroom's `use()` middleware and the token check, before the handler. */
  use?: Middleware<E> | ReadonlyArray<Middleware<E>>;
  /**
   * This route's own signed reply addresses instead of `mail.replyAddresses` (`{ keys, domain, localPrefix }` or a
   * `createReplyAddresses()` result): for apps on their own reply domain sharing one Mailroom. They verify the
   * route's `replyToken`, and sign the Reply-To of `ctx.reply`/`ctx.autoReply` in its handler.
   */
  replyAddresses?: ReplyAddresses | ReplyAddressOptions;
}

/** The names a route's `replyToken` option may take: the pattern's params. */
export type ParamName<P> = keyof ParamsOf<P> & string;

/** What the router leads to: a route handler or the fallback. */
export type RouteTarget = (ctx: MailContext) => unknown;

export interface Mailroom<E extends object = {}> {
  readonly store: Store;
  /** The router the routes are declared on (for `match()` in tests and tools). */
  readonly router: Router<RouteTarget>;
  /**
   * Declares a route named after its pattern. Patterns are validated now (RoutePatternError).
   * `options.replyToken` names the param holding a signed reply token: the handler gets `ctx.replyToken`.
   */
  route<const P extends RoutePattern, const T extends ParamName<P> | undefined = undefined>(
    pattern: P,
    handler: Handler<ParamsOf<P>, E & RouteFields<T>>,
    options?: RouteOptions<E, ParamName<P>> & { replyToken?: T },
  ): this;
  /** Declares a named route (names are used by replay/reroute, logs and the `route` column). */
  route<const P extends RoutePattern, const T extends ParamName<P> | undefined = undefined>(
    name: string,
    pattern: P,
    handler: Handler<ParamsOf<P>, E & RouteFields<T>>,
    options?: RouteOptions<E, ParamName<P>> & { replyToken?: T },
  ): this;
  /** Runs for every email no route matched (instead of recording it `unrouted`). */
  fallback(handler: FallbackHandler<E>): this;
  /** Middleware around every handler, in registration order. */
  use(middleware: Middleware<E>): this;
  /** Adds fields to every context from now on; returns this Mailroom, typed with them. */
  extend<E2 extends object>(extension: ContextExtension<MailContext & E, E2>): Mailroom<E & E2>;
  /**
   * Stores one verified post (from the ingress) and starts processing it; resolves after the ingest
   * committed. Throws StoreUnavailableError when the store is down. `fetch` & co. call this for you.
   */
  ingest(post: ReceivedPost): Promise<ReceiveResult>;
  /** Web-standard handler: every POST is an Inbound Parse post, whatever its path. */
  readonly fetch: (request: Request) => Promise<Response>;
  /**
   * Web-standard Event Webhook handler (every POST is an event batch): verified with `eventsSecurity`,
   * stored deduplicated, 200 after commit, then dispatched to `events.on(…)` handlers. 404 when not configured.
   */
  readonly eventsFetch: (request: Request) => Promise<Response>;
  /**
   * A Hono sub-app answering `POST /parse` (Inbound Parse) and `POST /events` (Event Webhook);
   * mount with `app.route('/webhooks/sendgrid', mailroom.app())`.
   */
  app(): Hono;
  /** A `(req, res)` listener for node:http (and Express, Fastify's raw mode…), path-agnostic like `fetch`. */
  nodeHandler(): (req: IncomingMessage, res: ServerResponse) => void;
  /** Sends mail outside handlers (web UIs, jobs): queued in its own transaction, or in `send(…, { tx })`'s. */
  readonly mailer: Mailer;
  /** The signed reply addresses of `mail.replyAddresses` (null without). */
  readonly replyAddresses: ReplyAddresses | null;
  /** The Message-ID signer of `mail.messageIds` (null without). */
  readonly messageIds: MessageIds | null;
  /** Event Webhook handlers by event type: `mailroom.events.on('bounce', async (event, { tx }) => …)`. */
  readonly events: MailroomEvents;
  /**
   * The background work's state: `idle` before `start()` (with `autoStart`, the first post starts it), `running`,
   * `stopped` after `stop()` (shutting down: readiness answers 503 so a load balancer stops sending).
   */
  readonly state: 'idle' | 'running' | 'stopped';
  /** Starts the inbound worker, the outbox deliverer and the event dispatcher (polling, leases, retries). */
  start(): void;
  /** Stops them, waiting for work in progress. */
  stop(): Promise<void>;
  /**
   * Processes everything due now and resolves when done (tests, CLI): inbound emails, the outbox, events,
   * then the outbox again for mail the event handlers queued.
   */
  drain(): Promise<void>;
  /**
   * Puts emails back to pending (attempts reset): one id, or every email with a status. With `route`,
   * they go to that route (or `'fallback'`) whatever they match. Returns how many; unknown route → RouteNameError.
   */
  replay(target: string | { status: InboundStatus }, options?: { route?: string }): Promise<number>;
}

/**
 * Creates a Mailroom: the object an app declares its routes on and mounts in its HTTP server.
 * See `mailroom/index.ts` for the HTTP contract and an example.
 */
export function createMailroom<E extends object = {}>(options: MailroomOptions<E>): Mailroom<E> {
  const { store } = options;
  const logger = options.logger ?? store.logger;
  const router = createRouter<RouteTarget>();
  const middleware: Array<Middleware<any>> = [];
  const extensions: Array<ContextExtension<any, object>> = options.context ? [options.context] : [];
  const workerSettings = options.worker ?? {};
  const mail = createMailWiring(store, logger, options.mail);
  const dispatcher = createEventDispatcher({ ...options.eventDispatcher, store, logger });
  let dispatcherWanted = Boolean(options.eventsSecurity);
  const senderAuth = options.senderAuth
    ? createSenderAuth(store, checkedSenderAuth(options.senderAuth), { limits: options.limits, maxAttempts: workerSettings.maxAttempts ?? 8 })
    : null;

  async function processEmail({ record, email, attempt, tx, afterCommit }: ProcessContext): Promise<ProcessOutcome> {
    await senderAuth?.record(tx, record.id, email);
    let match;
    try {
      match = router.match(email, { forcedRoute: record.forcedRoute });
    } catch (error) {
      // A replay forced a route that no longer exists: a configuration problem retries cannot fix.
      if (error instanceof RouteNameError) return { status: 'unrouted', note: error.message };
      throw error;
    }
    if (!match) return { status: 'unrouted', note: unroutedNote(email) };
    const route = match.route.name;
    const ctx = createContext({
      record, email, attempt, tx, store,
      route, params: match.params, recipient: match.recipient, forced: match.forced,
      log: withFields(logger, { id: record.id, route }),
      afterCommit,
      mail: mail.fieldsFor,
    });
    for (const extension of extensions) addFields(ctx, await extension(ctx));
    await compose(middleware, match.route.target)(ctx);
    const outcome = ctx.outcome;
    return {
      status: outcome.status,
      route,
      recipient: match.recipient?.address ?? null,
      note: outcome.status === 'delivered' ? null : outcome.reason,
    };
  }

  let receiving = 0;
  const yieldAt = workerSettings.yieldToWebhookAt ?? 8;
  // Posts queue in the socket rather than in `fetch` when the event loop is what is full (PGlite's queries run on
  // it), so a saturated loop with any post being received counts as busy too.
  const saturated = eventLoopSaturation();
  const worker = createWorker({
    store,
    processor: processEmail,
    logger,
    ...(yieldAt > 0 ? { yieldWhile: () => receiving >= yieldAt || (receiving > 0 && saturated()) } : {}),
    ...(options.limits ? { parse: (body: Buffer, contentType: string) => parseInboundBody(body, contentType, { limits: options.limits }) } : {}),
    ...(senderAuth ? { prepare: senderAuth.prepare } : {}),
    ...pick(workerSettings, ['concurrency', 'maxAttempts', 'leaseMs', 'pollMs', 'backoff', 'workerId', 'handlerTimeoutMs', 'maxTakeovers', 'retention']),
  });
  let started = false;
  let stopped = false;

  async function ingest(post: ReceivedPost): Promise<ReceiveResult> {
    // With a slot free in this process's worker, the row is stored leased to it and processed from the email just
    // parsed: no claim, no re-read. Otherwise it is stored pending and claimed in turn.
    const reservation = started ? worker.reserve() : null;
    let result;
    try {
      result = await store.inbox.ingest(post, reservation ? { lease: reservation } : {});
    } catch (error) {
      if (reservation) worker.release(reservation);
      throw error;
    }
    const { id, duplicate, record } = result;
    autoStart();
    if (reservation && !duplicate) worker.take(reservation, record, post.email);
    else {
      if (reservation) worker.release(reservation);
      if (started) worker.kick(id, duplicate ? undefined : post.email); // no re-parse for the email just received
    }
    return { id, duplicate };
  }

  function autoStart(): void {
    if (!started && !stopped && workerSettings.autoStart !== false) mailroom.start(); // not after stop(): shutting down
  }

  const eventsFetch = options.eventsSecurity
    ? eventsHandler({
        store,
        logger,
        ...options.eventsSecurity,
        onStored: () => {
          autoStart();
          dispatcher.kick(); // a no-op until started
        },
      })
    : async () =>
        Response.json(
          { error: 'events_not_configured', reason: 'the Event Webhook is not enabled: createMailroom({ eventsSecurity })' },
          { status: 404 },
        );

  function declare(name: string | null, pattern: RoutePattern, handler: RouteTarget, routeOptions: RouteOptions<any> = {}): void {
    const chain: Array<Middleware<any>> = [];
    const own = routeOptions.replyAddresses ? mail.withReplyAddresses(routeOptions.replyAddresses) : null;
    if (own) {
      chain.push(async (ctx, next) => {
        const fields = own.fieldsFor(ctx);
        Object.assign(ctx, { reply: fields.reply, autoReply: fields.autoReply });
        await next();
      });
    }
    if (routeOptions.replyToken !== undefined) {
      const signer = own?.replyAddresses ?? mail.replyAddresses;
      if (!signer) {
        throw new MailroomConfigurationError(`route ${name ?? String(pattern)}: replyToken needs createMailroom({ mail: { replyAddresses } }) or the route's replyAddresses`);
      }
      chain.push(replyTokenMiddleware(signer, routeOptions));
    }
    const use = routeOptions.use;
    if (use) chain.push(...(typeof use === 'function' ? [use] : use));
    const target: RouteTarget = chain.length ? compose(chain, handler) : handler;
    if (name === null) router.add(pattern, target);
    else router.add(name, pattern, target);
  }

  // Posts being received right now that are known to be SendGrid's: the worker yields to them (yieldToWebhookAt).
  // A post counts from the moment it authenticated (headers for basic/bearer, the verified signature for signed
  // posts) until it is answered, so unauthenticated or forged posts, however slow, never hold the worker back.
  const counted = new WeakSet<Request>();
  const inbound = inboundHandler({
    security: options.security,
    ...(options.limits ? { limits: options.limits } : {}),
    logger: httpLoggerFor(logger),
    onAuthenticated: (request) => {
      counted.add(request);
      receiving++;
    },
    onEmail: (post) => answerStored(() => ingest(post), logger),
  });
  const fetch = async (request: Request): Promise<Response> => {
    try {
      return await inbound(request);
    } finally {
      if (counted.delete(request)) receiving--;
    }
  };

  const mailroom: Mailroom<E> = {
    store,
    router,
    route(...args: unknown[]) {
      // (name, pattern, handler, options?) has a function third; (pattern, handler, options?) does not.
      if (typeof args[2] === 'function') declare(args[0] as string, args[1] as RoutePattern, args[2] as RouteTarget, args[3] as RouteOptions);
      else declare(null, args[0] as RoutePattern, args[1] as RouteTarget, args[2] as RouteOptions);
      return this;
    },
    fallback(handler) {
      router.fallback(handler as RouteTarget);
      return this;
    },
    use(fn) {
      middleware.push(fn);
      return this;
    },
    extend(extension) {
      extensions.push(extension as ContextExtension<any, object>);
      return this as never;
    },
    ingest,
    fetch,
    eventsFetch,
    mailer: mail.mailer,
    replyAddresses: mail.replyAddresses,
    messageIds: mail.messageIds,
    events: {
      on(kind, handler) {
        dispatcher.on(kind, handler);
        if (!dispatcherWanted) {
          dispatcherWanted = true;
          if (started) dispatcher.start();
        }
        return this;
      },
    },
    app() {
      const app = new Hono();
      app.all('/parse', (c) => fetch(c.req.raw)); // other methods: 405 from the handler
      app.all('/events', (c) => eventsFetch(c.req.raw));
      return app;
    },
    nodeHandler() {
      return toNodeHandler(fetch);
    },
    get state() {
      return started ? 'running' : stopped ? 'stopped' : 'idle';
    },
    start() {
      if (started) return;
      started = true;
      stopped = false;
      worker.start();
      mail.deliverer?.start();
      if (dispatcherWanted) dispatcher.start();
    },
    async stop() {
      if (!started) return;
      started = false;
      stopped = true;
      // Handlers queue mail and mail causes events: stop in that order so nothing is left half-done.
      await worker.stop();
      await mail.deliverer?.stop();
      await dispatcher.stop();
    },
    async drain() {
      await worker.drain();
      await mail.deliverer?.drain();
      // Only a dispatcher with handlers (or the Event Webhook) claims events: another dispatcher may own them.
      if (dispatcherWanted) {
        await dispatcher.drain();
        await mail.deliverer?.drain();
      }
    },
    async replay(target, replayOptions = {}) {
      if (replayOptions.route && !router.has(replayOptions.route)) {
        throw new RouteNameError(`no route named "${replayOptions.route}"`);
      }
      const count = await store.inbox.replay(target, replayOptions);
      if (started) worker.kick(typeof target === 'string' ? target : undefined);
      return count;
    },
  } as Mailroom<E>;
  return mailroom;
}

function checkedSenderAuth(senderAuth: MailroomSenderAuthOptions): MailroomSenderAuthOptions {
  if (senderAuth.dkim !== 'verify' && senderAuth.dkim !== 'sendgrid') {
    throw new MailroomConfigurationError(`senderAuth.dkim must be 'verify' or 'sendgrid', not ${JSON.stringify(senderAuth.dkim)}`);
  }
  for (const name of ['timeoutMs', 'maxSignatures', 'dnsAttempts'] as const) {
    const value = senderAuth[name];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new MailroomConfigurationError(`senderAuth.${name} must be a positive integer, not ${String(value)}`);
    }
  }
  return senderAuth;
}

function unroutedNote(email: InboundEmail): string {
  const candidates = recipientsOf(email).map((r) => r.address);
  return candidates.length ? `no route matched ${candidates.slice(0, 5).join(', ')}` : 'no recipients';
}

function addFields(ctx: MailContext<Params>, extra: object): void {
  for (const key of Object.keys(extra)) {
    if (key in ctx) throw new Error(`context extension cannot replace ctx.${key}`);
  }
  Object.assign(ctx, extra);
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
