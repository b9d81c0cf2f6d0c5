import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono } from 'hono';
import type { InboundEmail } from '../message/index.js';
import type { IngressLimits, IngressSecurity, ReceivedPost } from '../ingress/index.js';
import { inboundHandler, toNodeHandler } from '../http/index.js';
import type { InboundStatus, Logger, Store } from '../inbox/index.js';
import { createWorker, type ProcessContext, type ProcessOutcome, type WorkerOptions } from '../runtime/index.js';
import { createRouter, recipientsOf, RouteNameError, type Params, type ParamsOf, type RoutePattern, type Router } from '../routing/index.js';
import { compose } from './compose.js';
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
   * Start the worker by itself (default true): at the first post received, if `start()` was not called.
   * Call `start()` once your routes are declared to also pick up mail left pending by an earlier run.
   */
  autoStart?: boolean;
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
  /** Adds fields to every handler context (the outbound mailer adds `reply`/`mailer` this way). */
  context?: ContextExtension<MailContext, E>;
}

/** What the router leads to: a route handler or the fallback. */
export type RouteTarget = (ctx: MailContext) => unknown;

export interface Mailroom<E extends object = {}> {
  readonly store: Store;
  /** The router the routes are declared on (for `match()` in tests and tools). */
  readonly router: Router<RouteTarget>;
  /** Declares a route named after its pattern. Patterns are validated now (RoutePatternError). */
  route<const P extends RoutePattern>(pattern: P, handler: Handler<ParamsOf<P>, E>): this;
  /** Declares a named route (names are used by replay/reroute, logs and the `route` column). */
  route<const P extends RoutePattern>(name: string, pattern: P, handler: Handler<ParamsOf<P>, E>): this;
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
  /** A Hono sub-app answering `POST /parse`; mount with `app.route('/webhooks/sendgrid', mailroom.app())`. */
  app(): Hono;
  /** A `(req, res)` listener for node:http (and Express, Fastify's raw mode…), path-agnostic like `fetch`. */
  nodeHandler(): (req: IncomingMessage, res: ServerResponse) => void;
  /** Starts the worker (polling, leases, retries). */
  start(): void;
  /** Stops the worker, waiting for emails being processed. */
  stop(): Promise<void>;
  /** Processes everything due now and resolves when done (tests, CLI). */
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

  async function processEmail({ record, email, attempt, tx, afterCommit }: ProcessContext): Promise<ProcessOutcome> {
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

  const worker = createWorker({
    store,
    processor: processEmail,
    logger,
    ...pick(workerSettings, ['concurrency', 'maxAttempts', 'leaseMs', 'pollMs', 'backoff', 'workerId']),
  });
  let started = false;

  async function ingest(post: ReceivedPost): Promise<ReceiveResult> {
    const { id, duplicate } = await store.inbox.ingest(post);
    if (!started && workerSettings.autoStart !== false) mailroom.start();
    if (started) worker.kick(id);
    return { id, duplicate };
  }

  const fetch = inboundHandler({
    security: options.security,
    ...(options.limits ? { limits: options.limits } : {}),
    logger: httpLoggerFor(logger),
    onEmail: (post) => answerStored(() => ingest(post), logger),
  });

  const mailroom: Mailroom<E> = {
    store,
    router,
    route(...args: [RoutePattern, RouteTarget] | [string, RoutePattern, RouteTarget]) {
      if (args.length === 3) router.add(args[0], args[1], args[2]);
      else router.add(args[0], args[1]);
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
    app() {
      const app = new Hono();
      app.all('/parse', (c) => fetch(c.req.raw)); // other methods: 405 from the handler
      return app;
    },
    nodeHandler() {
      return toNodeHandler(fetch);
    },
    start() {
      if (started) return;
      started = true;
      worker.start();
    },
    async stop() {
      if (!started) return;
      started = false;
      await worker.stop();
    },
    drain: () => worker.drain(),
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
