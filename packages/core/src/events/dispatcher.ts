import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { describeError, isUnavailableError, type Logger, type Queryable, type Store, type Transaction } from '../inbox/index.js';
import { attemptsUsedUp, claimable, createPollLoop, decideRetry, defaultWorkerId, leaseTo, withTimeout } from '../outbound/index.js';
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
  /**
   * Longest an event's handlers may run (default 60 s, never longer than the lease): a handler that never settles
   * rolls back and is retried like a throw, instead of stalling every event behind it.
   */
  handlerTimeoutMs?: number;
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

type EventRow = typeof events.$inferSelect;

/** The stored payload as a typed event; one that cannot be read now never can (permanent: set aside at once). */
function storedEvent(row: EventRow) {
  try {
    return toStoredEvent(row);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw Object.assign(new Error(`stored event ${row.id} cannot be parsed: ${detail}`, { cause }), { permanent: true });
  }
}

/** Puts a failed event back in the queue now, attempts reset (after a fix); false when there is no such failed event. */
export async function requeueEvent(db: Queryable, id: string): Promise<boolean> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
  const updated = await db
    .update(events)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: sql`now()`, lastError: null, leaseOwner: null, leaseUntil: null, processedAt: null })
    .where(and(eq(events.id, id), eq(events.status, 'failed')))
    .returning({ id: events.id });
  return updated.length > 0;
}

/**
 * Runs handlers for stored Event Webhook events, each event in its own transaction, with retries.
 * Events without a handler are marked done. A poison pill never wedges the queue: an event that keeps failing
 * (a throw, a handler past `handlerTimeoutMs`, a stored payload that cannot be parsed, attempts used up by
 * dispatchers that died) ends `failed` with its reason (`requeueEvent` puts it back), and backoff moves a
 * retried event behind the others.
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
  const policy = { maxAttempts, backoff };
  const handlerTimeoutMs = Math.max(1, Math.min(options.handlerTimeoutMs ?? 60_000, leaseMs));
  const logger = options.logger ?? store.logger;
  const handlers = new Map<string, Array<EventHandler<any>>>();

  async function claim() {
    return store.transaction(async (tx) => {
      const due = await tx
        .select({ id: events.id })
        .from(events)
        .where(claimable(events, 'pending', 'processing'))
        .orderBy(asc(events.nextAttemptAt), asc(events.receivedAt))
        .limit(options.claimLimit ?? 500)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      return tx
        .update(events)
        .set({ status: 'processing', ...leaseTo(events, workerId, leaseMs) })
        .where(inArray(events.id, due.map((d) => d.id)))
        .returning();
    });
  }

  /** Runs the event's handlers in its transaction (nothing, when another dispatcher took the event over). */
  async function run(row: EventRow, hooks: Array<() => unknown>): Promise<void> {
    const stored = storedEvent(row);
    const list = [...(handlers.get(stored.event.kind) ?? []), ...(handlers.get('*') ?? [])];
    await store.transaction(async (tx) => {
      const [lease] = await tx
        .select({ owner: events.leaseOwner })
        .from(events)
        .where(and(eq(events.id, row.id), eq(events.status, 'processing')))
        .for('update');
      if (lease?.owner !== workerId) return; // another dispatcher took it over
      const ctx: EventHandlerContext = {
        tx,
        attempt: row.attempts,
        id: row.id,
        outboundMessageId: row.outboundMessageId,
        log: logger,
        afterCommit: (fn) => void hooks.push(fn),
      };
      const all = async () => {
        for (const handler of list) await handler(stored.event as never, ctx);
      };
      // A throw (sync or async) or a handler that never settles rolls the transaction back.
      await withTimeout(all(), handlerTimeoutMs, `event handlers for ${row.event}`);
      await tx
        .update(events)
        .set({ status: 'done', processedAt: sql`now()`, leaseOwner: null, leaseUntil: null, lastError: null })
        .where(eq(events.id, row.id));
    });
  }

  async function handle(row: EventRow): Promise<void> {
    const hooks: Array<() => unknown> = [];
    try {
      const usedUp = attemptsUsedUp(row.attempts, maxAttempts);
      if (usedUp) throw Object.assign(new Error(usedUp), { permanent: true });
      await run(row, hooks);
    } catch (error) {
      // A database outage ends the round; the lease brings the event back later.
      if (isUnavailableError(error)) throw error;
      await recordFailure(row, error);
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

  async function recordFailure(row: EventRow, error: unknown): Promise<void> {
    const decision = decideRetry(row.attempts, error, policy);
    await store.transaction((tx) =>
      tx
        .update(events)
        .set({
          status: decision.final ? 'failed' : 'pending',
          lastError: describeError(error),
          leaseOwner: null,
          leaseUntil: null,
          ...(decision.final ? { processedAt: sql`now()` } : {}),
          nextAttemptAt: sql`now() + ${`${decision.final ? 0 : decision.delayMs} milliseconds`}::interval`,
        })
        .where(and(eq(events.id, row.id), eq(events.leaseOwner, workerId))),
    );
    logger[decision.final ? 'error' : 'warn'](decision.final ? 'event_failed' : 'event_retry', { id: row.id, event: row.event, attempt: row.attempts, error: describeError(error) });
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
