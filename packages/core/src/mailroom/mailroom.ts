import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono } from 'hono';
import {
  parseInboundBody,
  storedFormOf,
  type AcceptedPost,
  type IngressLimits,
  type IngressSecurity,
  type MimeDelivery,
} from '../ingress/index.js';
import { inboundHandler, toNodeHandler } from '../http/index.js';
import type { InboundStatus, Logger, Store } from '../inbox/index.js';
import {
  createWorker,
  eventLoopSaturation,
  type Processor,
  type Worker,
  type WorkerOptions,
} from '../runtime/index.js';
import { createRouter, RouteNameError, type ParamsOf, type RoutePattern, type Router } from '../routing/index.js';
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
import { createMailWiring, type MailWiring, type MailroomMailOptions } from './mail.js';
import { BackgroundWork } from './lifecycle.js';
import { emailProcessor, type RouteTarget } from './processing.js';
import { createSenderAuth, type MailroomSenderAuthOptions, type SenderAuth } from './sender-auth.js';
import { replyTokenMiddleware, type ReplyTokenRouteOptions, type RouteFields } from './reply-token.js';
import { webhooksApp, type MailroomWebhookProviders } from './webhooks.js';
import {
  type ContextExtension,
  type FallbackHandler,
  type Handler,
  type MailContext,
  type Middleware,
} from './context.js';
import { answerStored, httpLoggerFor, type ReceiveResult } from './respond.js';

// Inside, the Mailroom keeps its context extension's middleware and options erased; `Mailroom<E>` is the typed face.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- erased on purpose (E is contravariant in a middleware)
type ErasedExtension = any;

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
  /**
   * When a raw-mode post's MIME is parsed. `'on-receipt'` (default): before the 200, so a message that cannot be
   * parsed is refused with a 4xx and never stored. `'in-worker'`: a small raw post (≤
   * `limits.parseOffThreadAboveBytes`, header block ≤ 64 KiB) is verified, summarized from its envelope and headers,
   * stored and answered, and the worker parses it; one that cannot be parsed is stored and ends `failed` (kept,
   * visible, replayable). In P3 it answers 2.5–3× the raw posts per second of parsing first.
   */
  parseRaw?: 'on-receipt' | 'in-worker';
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

export type { RouteTarget } from './processing.js';

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
  ingest(post: AcceptedPost): Promise<ReceiveResult>;
  /**
   * Stores one message a raw-MIME ingress received (the relay endpoint, the SMTP receiver, a provider's raw
   * webhook: RFC 5322 bytes and their envelope) and starts processing it; resolves after the ingest committed,
   * so the ingress may acknowledge then. IngressError (4xx) for a message that cannot be taken (too large;
   * malformed, unless `parseRaw: 'in-worker'` leaves that to the worker); StoreUnavailableError while the store is down.
   */
  deliver(delivery: MimeDelivery): Promise<ReceiveResult>;
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
  /**
   * Every inbound webhook in one sub-app: SendGrid's under `/sendgrid` (as `app()`), and each provider configured
   * here under its own path (`/postmark/inbound`, `/mailgun/mime`, `/ses`, `/raw`; see `MailroomWebhookProviders`);
   * mount with `app.route('/webhooks', mailroom.webhooks({ postmark: { basic } }))`.
   */
  webhooks(providers?: MailroomWebhookProviders): Hono;
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
  const middleware: Array<Middleware<ErasedExtension>> = [];
  const extensions: Array<ContextExtension<ErasedExtension, object>> = options.context ? [options.context] : [];
  const mail = createMailWiring(store, logger, options.mail);
  const senderAuth = options.senderAuth
    ? createSenderAuth(store, checkedSenderAuth(options.senderAuth), {
        limits: options.limits,
        maxAttempts: options.worker?.maxAttempts ?? 8,
      })
    : null;
  const receiving = receivingCounter();
  const dispatcher = createEventDispatcher({ ...options.eventDispatcher, store, logger });
  const work = new BackgroundWork({
    store,
    worker: mailroomWorker(
      options,
      logger,
      emailProcessor({ store, logger, router, middleware, extensions, mail, senderAuth }),
      receiving,
      senderAuth,
    ),
    mail,
    dispatcher,
    autoStart: options.worker?.autoStart !== false,
    dispatcherWanted: Boolean(options.eventsSecurity),
  });
  const limitsOption = options.limits ? { limits: options.limits } : {};
  const parseRaw = options.parseRaw ?? 'on-receipt';
  const storeAndAnswer = (post: AcceptedPost) => answerStored(() => work.ingest(post), logger);
  const fetch = receiving.fetch(
    inboundHandler({
      security: options.security,
      ...(options.limits ? { limits: options.limits } : {}),
      logger: httpLoggerFor(logger),
      onAuthenticated: receiving.authenticated,
      ...(parseRaw === 'in-worker' ? { acceptUnparsed: true, onEmail: storeAndAnswer } : { onEmail: storeAndAnswer }),
    }),
  );
  const eventsFetch = eventsFetchOf(options, logger, () => work.eventsStored());

  const mailroom: Mailroom<E> = {
    store,
    router,
    route(...args: unknown[]) {
      // (name, pattern, handler, options?) has a function third; (pattern, handler, options?) does not.
      const named = typeof args[2] === 'function';
      const [name, pattern, handler, routeOptions] = (named ? args : [null, ...args]) as [
        string | null,
        RoutePattern,
        RouteTarget,
        RouteOptions?,
      ];
      const target = routeTarget(name ?? String(pattern), handler, routeOptions ?? {}, mail);
      if (name === null) router.add(pattern, target);
      else router.add(name, pattern, target);
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
      extensions.push(extension as ContextExtension<ErasedExtension, object>);
      return this as never;
    },
    ingest: (post) => work.ingest(post),
    // Another ingress authenticated the message before handing it over: it counts as being received while stored.
    deliver: (delivery) =>
      receiving.during(async () => work.ingest(await storedFormOf(delivery, { parse: parseRaw, ...limitsOption }))),
    fetch,
    eventsFetch,
    mailer: mail.mailer,
    replyAddresses: mail.replyAddresses,
    messageIds: mail.messageIds,
    events: {
      on(kind, handler) {
        dispatcher.on(kind, handler);
        work.wantDispatcher();
        return this;
      },
    },
    app: () => sendgridApp(fetch, eventsFetch),
    webhooks(providers = {}) {
      return webhooksApp(this, sendgridApp(fetch, eventsFetch), providers);
    },
    nodeHandler: () => toNodeHandler(fetch),
    get state() {
      return work.state;
    },
    start: () => work.start(),
    stop: () => work.stop(),
    drain: () => work.drain(),
    async replay(target, replayOptions = {}) {
      if (replayOptions.route && !router.has(replayOptions.route)) {
        throw new RouteNameError(`no route named "${replayOptions.route}"`);
      }
      const count = await store.inbox.replay(target, replayOptions);
      work.kick(typeof target === 'string' ? target : undefined);
      return count;
    },
  } as Mailroom<E>;
  return mailroom;
}

function checkedSenderAuth(senderAuth: MailroomSenderAuthOptions): MailroomSenderAuthOptions {
  if (senderAuth.dkim !== 'verify' && senderAuth.dkim !== 'sendgrid') {
    throw new MailroomConfigurationError(
      `senderAuth.dkim must be 'verify' or 'sendgrid', not ${JSON.stringify(senderAuth.dkim)}`,
    );
  }
  for (const name of ['timeoutMs', 'maxSignatures', 'dnsAttempts'] as const) {
    const value = senderAuth[name];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new MailroomConfigurationError(`senderAuth.${name} must be a positive integer, not ${String(value)}`);
    }
  }
  return senderAuth;
}

/**
 * Counts the authenticated posts being received right now (the worker yields to them, `yieldToWebhookAt`): from the
 * moment a post authenticated (headers for basic/bearer, the verified signature for signed posts) until it is
 * answered, so unauthenticated or forged posts, however slow, never hold the worker back.
 */
function receivingCounter() {
  const counted = new WeakSet<Request>();
  let receiving = 0;
  return {
    get count() {
      return receiving;
    },
    authenticated(request: Request) {
      counted.add(request);
      receiving++;
    },
    /** `work` (a delivery from another ingress, already authenticated) counts as one post being received. */
    async during<T>(work: () => Promise<T>): Promise<T> {
      receiving++;
      try {
        return await work();
      } finally {
        receiving--;
      }
    },
    fetch(inbound: (request: Request) => Promise<Response>) {
      return async (request: Request): Promise<Response> => {
        try {
          return await inbound(request);
        } finally {
          if (counted.delete(request)) receiving--;
        }
      };
    },
  };
}

function mailroomWorker(
  options: MailroomOptions<ErasedExtension>,
  logger: Logger,
  processor: Processor,
  receiving: { readonly count: number },
  senderAuth: SenderAuth | null,
): Worker {
  const settings = options.worker ?? {};
  const yieldAt = settings.yieldToWebhookAt ?? 8;
  // Posts queue in the socket rather than in `fetch` when the event loop is what is full (PGlite's queries run on
  // it), so a saturated loop with any post being received counts as busy too.
  const saturated = eventLoopSaturation();
  const limits = options.limits;
  return createWorker({
    store: options.store,
    processor,
    logger,
    ...(yieldAt > 0 ? { yieldWhile: () => receiving.count >= yieldAt || (receiving.count > 0 && saturated()) } : {}),
    ...(limits
      ? { parse: (body: Buffer, contentType: string) => parseInboundBody(body, contentType, { limits }) }
      : {}),
    ...(senderAuth ? { prepare: senderAuth.prepare } : {}),
    ...pick(settings, [
      'concurrency',
      'maxAttempts',
      'leaseMs',
      'pollMs',
      'backoff',
      'workerId',
      'handlerTimeoutMs',
      'maxTakeovers',
      'retention',
    ]),
  });
}

function eventsFetchOf(
  options: MailroomOptions<ErasedExtension>,
  logger: Logger,
  onStored: () => void,
): (request: Request) => Promise<Response> {
  if (options.eventsSecurity)
    return eventsHandler({ store: options.store, logger, ...options.eventsSecurity, onStored });
  return async () =>
    Response.json(
      {
        error: 'events_not_configured',
        reason: 'the Event Webhook is not enabled: createMailroom({ eventsSecurity })',
      },
      { status: 404 },
    );
}

/** A route's handler behind its own chain: its reply addresses, its reply token check, its `use` middleware. */
function routeTarget(
  label: string,
  handler: RouteTarget,
  routeOptions: RouteOptions<ErasedExtension>,
  mail: MailWiring,
): RouteTarget {
  const chain: Array<Middleware<ErasedExtension>> = [];
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
      throw new MailroomConfigurationError(
        `route ${label}: replyToken needs createMailroom({ mail: { replyAddresses } }) or the route's replyAddresses`,
      );
    }
    chain.push(replyTokenMiddleware(signer, routeOptions));
  }
  const use = routeOptions.use;
  if (use) chain.push(...(typeof use === 'function' ? [use] : use));
  return chain.length ? compose(chain, handler) : handler;
}

function sendgridApp(
  fetch: (request: Request) => Promise<Response>,
  eventsFetch: (request: Request) => Promise<Response>,
): Hono {
  const app = new Hono();
  app.all('/parse', (c) => fetch(c.req.raw)); // other methods: 405 from the handler
  app.all('/events', (c) => eventsFetch(c.req.raw));
  return app;
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
