import { sql } from 'drizzle-orm';
import {
  describeError,
  isUnavailableError,
  type Logger,
  type Queryable,
  type Store,
  type Transaction,
} from '../inbox/index.js';
import { createLeaseQueue, leaseTuning, requeueFailed, withTimeout, type LeaseSpec } from '../queue/index.js';
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

// Handlers are kept per kind, each erased to one type (a handler's event type is contravariant in its kind).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- erased on purpose; on(kind, handler) is the typed face
type ErasedKind = any;

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
    throw Object.assign(new Error(`stored event ${row.id} cannot be parsed: ${detail}`, { cause }), {
      permanent: true,
    });
  }
}

/** The events as a lease queue: pending → processing (leased) → done, or back to pending, or failed; in the order they came and happened. */
const EVENT_LEASES = {
  table: events,
  key: events.id,
  waiting: 'pending',
  leased: 'processing',
  failed: 'failed',
  tieBreak: [events.receivedAt, events.timestamp],
} satisfies LeaseSpec;

/** Puts a failed event back in the queue now, attempts reset (after a fix); false when there is no such failed event. */
export async function requeueEvent(db: Queryable, id: string): Promise<boolean> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
  return requeueFailed(db, EVENT_LEASES, id, { processedAt: null });
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
  const logger = options.logger ?? store.logger;
  const queue = createLeaseQueue({
    ...EVENT_LEASES,
    ...leaseTuning(options),
    db: store.db,
    failedColumns: () => ({ processedAt: sql`now()`, nextAttemptAt: sql`now()` }),
    describeError,
    isOutage: isUnavailableError,
  });
  const handlerTimeoutMs = Math.max(1, Math.min(options.handlerTimeoutMs ?? 60_000, queue.leaseMs));
  const handlers = new Map<string, Array<EventHandler<ErasedKind>>>();

  /** Runs the event's handlers in its transaction (nothing, when another dispatcher took the event over). */
  async function run(row: EventRow, hooks: Array<() => unknown>): Promise<void> {
    const stored = storedEvent(row);
    const list = [...(handlers.get(stored.event.kind) ?? []), ...(handlers.get('*') ?? [])];
    await store.transaction(async (tx) => {
      if (!(await queue.holds(row, tx))) return; // another dispatcher took it over
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
      await queue.finish([row], { status: 'done', processedAt: sql`now()`, lastError: null }, tx);
    });
  }

  /** One event, poison-pill safe (a database outage ends the round; the lease brings the event back later). */
  async function handle(row: EventRow): Promise<void> {
    const hooks: Array<() => unknown> = [];
    const failure = await queue.attempt(row, () => run(row, hooks));
    if (failure) {
      const { decision, lastError } = failure;
      logger[decision.final ? 'error' : 'warn'](decision.final ? 'event_failed' : 'event_retry', {
        id: row.id,
        event: row.event,
        attempt: row.attempts,
        error: lastError,
      });
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

  const loop = queue.loop({
    pollMs: options.pollMs ?? 1000,
    claimLimit: options.claimLimit ?? 500,
    handle: async (rows) => {
      for (const row of rows) await handle(row);
    },
    onError: (error) => logger.error('event_dispatcher_error', { error: describeError(error) }),
  });

  const dispatcher: EventDispatcher = {
    on(kind, handler) {
      const list = handlers.get(kind) ?? [];
      list.push(handler as EventHandler<ErasedKind>);
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
