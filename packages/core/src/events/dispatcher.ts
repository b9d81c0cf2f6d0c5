import { and, asc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import { describeError, type Logger, type Store, type Transaction } from '../inbox/index.js';
import { createPollLoop, defaultWorkerId, retryDelayMs } from '../outbound/index.js';
import { events } from './schema.js';
import { toStoredEvent } from './store.js';
import type { EventKind, EventOfKind } from './types.js';

export interface EventHandlerContext {
  /** The transaction that also marks the event done: writes commit with it, roll back on throw. */
  tx: Transaction;
  /** 1-based. */
  attempt: number;
  /** Row id in `mailroom.events`. */
  id: string;
  /** The outbox message the event belongs to, when linked. */
  outboundMessageId: string | null;
  log: Logger;
  /**
   * Runs `fn` after the event's transaction committed (never if a handler throws); errors are logged.
   * Mail queued in `tx` passes it on: `mailer.send(message, { tx, afterCommit })` wakes the deliverer.
   */
  afterCommit(fn: () => unknown): void;
}

export type EventHandler<K extends EventKind | '*'> = (
  event: K extends EventKind ? EventOfKind<K> : EventOfKind<EventKind>,
  ctx: EventHandlerContext,
) => unknown;

export interface EventDispatcherOptions {
  store: Store;
  workerId?: string;
  leaseMs?: number;
  pollMs?: number;
  claimLimit?: number;
  /** Attempts before `failed` (default 8). */
  maxAttempts?: number;
  /** Delay before attempt n+1: min(maxMs, baseMs·2^(n-1)) jittered to 50–100 % (default 30 s … 1 h). */
  backoff?: { baseMs?: number; maxMs?: number };
  logger?: Logger;
}

/**
 * Where Event Webhook handlers are registered: an EventDispatcher, or a Mailroom's `mailroom.events`.
 * Apps take this narrow type so either fits.
 */
export interface EventHandlerRegistry {
  /** Handle one event type (`'*'` = every event, after the typed handlers). */
  on<K extends EventKind | '*'>(kind: K, handler: EventHandler<K>): EventHandlerRegistry;
}

export interface EventDispatcher extends EventHandlerRegistry {
  on<K extends EventKind | '*'>(kind: K, handler: EventHandler<K>): EventDispatcher;
  start(): void;
  stop(): Promise<void>;
  kick(): void;
  /** Process everything due now (tests, CLI). */
  drain(): Promise<void>;
}

/**
 * Runs handlers for stored Event Webhook events, each event in its own transaction, with retries.
 * Events without a handler are marked done.
 *
 * @example
 * ```ts
 * const dispatcher = createEventDispatcher({ store })
 *   .on('bounce', async (event, { tx, outboundMessageId }) => markUndeliverable(tx, event.email, event.reason));
 * dispatcher.start();
 * ```
 */
export function createEventDispatcher(options: EventDispatcherOptions): EventDispatcher {
  const { store } = options;
  const workerId = options.workerId ?? defaultWorkerId();
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const backoff = { baseMs: options.backoff?.baseMs ?? 30_000, maxMs: options.backoff?.maxMs ?? 3_600_000 };
  const logger = options.logger ?? store.logger;
  const handlers = new Map<string, Array<EventHandler<any>>>();

  async function claim() {
    return store.transaction(async (tx) => {
      const due = await tx
        .select({ id: events.id })
        .from(events)
        .where(
          or(
            and(eq(events.status, 'pending'), lte(events.nextAttemptAt, sql`now()`)),
            and(eq(events.status, 'processing'), lt(events.leaseUntil, sql`now()`)),
          ),
        )
        .orderBy(asc(events.nextAttemptAt), asc(events.receivedAt))
        .limit(options.claimLimit ?? 500)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      return tx
        .update(events)
        .set({
          status: 'processing',
          leaseOwner: workerId,
          leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
          attempts: sql`${events.attempts} + 1`,
        })
        .where(inArray(events.id, due.map((d) => d.id)))
        .returning();
    });
  }

  async function handle(row: typeof events.$inferSelect): Promise<void> {
    const stored = toStoredEvent(row);
    const list = [...(handlers.get(stored.event.kind) ?? []), ...(handlers.get('*') ?? [])];
    const hooks: Array<() => unknown> = [];
    try {
      await store.transaction(async (tx) => {
        const [lease] = await tx
          .select({ owner: events.leaseOwner })
          .from(events)
          .where(and(eq(events.id, row.id), eq(events.status, 'processing')))
          .for('update');
        if (lease?.owner !== workerId) return; // another deliverer took it over
        const ctx: EventHandlerContext = {
          tx,
          attempt: row.attempts,
          id: row.id,
          outboundMessageId: row.outboundMessageId,
          log: logger,
          afterCommit: (fn) => void hooks.push(fn),
        };
        for (const handler of list) await handler(stored.event as never, ctx);
        await tx
          .update(events)
          .set({ status: 'done', processedAt: sql`now()`, leaseOwner: null, leaseUntil: null, lastError: null })
          .where(eq(events.id, row.id));
      });
    } catch (error) {
      const final = row.attempts >= maxAttempts;
      const delay = retryDelayMs(row.attempts, backoff);
      await store.transaction((tx) =>
        tx
          .update(events)
          .set({
            status: final ? 'failed' : 'pending',
            lastError: describeError(error),
            leaseOwner: null,
            leaseUntil: null,
            nextAttemptAt: sql`now() + ${`${Math.round(final ? 0 : delay)} milliseconds`}::interval`,
          })
          .where(and(eq(events.id, row.id), eq(events.leaseOwner, workerId))),
      );
      logger[final ? 'error' : 'warn'](final ? 'event_failed' : 'event_retry', { id: row.id, event: row.event, attempt: row.attempts, error: describeError(error) });
      return;
    }
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        logger.error('event_after_commit_failed', { id: row.id, error: describeError(error) });
      }
    }
  }

  async function round(): Promise<number> {
    const rows = await claim();
    for (const row of rows) await handle(row);
    return rows.length;
  }

  const loop = createPollLoop({
    round,
    pollMs: options.pollMs ?? 1000,
    onError: (error) => logger.error('event_dispatcher_error', { error: describeError(error) }),
  });

  const dispatcher: EventDispatcher = {
    on(kind, handler) {
      const list = handlers.get(kind) ?? [];
      list.push(handler as EventHandler<any>);
      handlers.set(kind, list);
      return dispatcher;
    },
    start: loop.start,
    stop: loop.stop,
    kick: loop.kick,
    drain: loop.drain,
  };
  return dispatcher;
}
