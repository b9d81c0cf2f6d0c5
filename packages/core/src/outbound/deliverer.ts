import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import { describeError, isUnavailableError, type Logger, type Store } from '../inbox/index.js';
import { prepareOutbound, type OutboundRow } from './outbox.js';
import { createPollLoop, defaultWorkerId, retryDelayMs } from './poll-loop.js';
import { outboundMessages } from './schema.js';
import { TransportError, type Transport } from './transport.js';

export interface OutboxDelivererOptions {
  store: Store;
  /** Default `outboxOnlyTransport()`-like behaviour is NOT implied: pass one explicitly. */
  transport: Transport;
  workerId?: string;
  /** Rows claimed per round (default 200). */
  claimLimit?: number;
  /** How long a claim holds before another deliverer may take it over (default 5 min). */
  leaseMs?: number;
  /** Polling interval besides kick() (default 1000 ms). */
  pollMs?: number;
  /** Attempts before `failed` (default 8). */
  maxAttempts?: number;
  /** Delay before attempt n+1: min(maxMs, baseMs·2^(n-1)) jittered to 50–100 %, at least Retry-After (default 30 s … 1 h). */
  backoff?: { baseMs?: number; maxMs?: number };
  logger?: Logger;
}

export interface OutboxDeliverer {
  readonly workerId: string;
  start(): void;
  stop(): Promise<void>;
  /** Deliver now (right after a commit). */
  kick(): void;
  /** Deliver everything due now, until nothing is left (tests, CLI). */
  drain(): Promise<void>;
}

/**
 * Sends queued outbox rows: claims due rows (`FOR UPDATE SKIP LOCKED`, so several deliverers share
 * the queue), groups rows with the same batchKey and content into one transport call, records the
 * provider id, and retries failures independently with backoff.
 */
export function createOutboxDeliverer(options: OutboxDelivererOptions): OutboxDeliverer {
  const { store, transport } = options;
  const workerId = options.workerId ?? defaultWorkerId();
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const backoff = { baseMs: options.backoff?.baseMs ?? 30_000, maxMs: options.backoff?.maxMs ?? 3_600_000 };
  const claimLimit = options.claimLimit ?? 200;
  const logger = options.logger ?? store.logger;

  async function claim(): Promise<OutboundRow[]> {
    return store.transaction(async (tx) => {
      const due = await tx
        .select({ id: outboundMessages.id })
        .from(outboundMessages)
        .where(
          or(
            and(eq(outboundMessages.status, 'queued'), lte(outboundMessages.nextAttemptAt, sql`now()`)),
            and(eq(outboundMessages.status, 'sending'), lt(outboundMessages.leaseUntil, sql`now()`)),
          ),
        )
        .orderBy(asc(outboundMessages.nextAttemptAt), asc(outboundMessages.createdAt))
        .limit(claimLimit)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      return tx
        .update(outboundMessages)
        .set({
          status: 'sending',
          leaseOwner: workerId,
          leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
          attempts: sql`${outboundMessages.attempts} + 1`,
        })
        .where(inArray(outboundMessages.id, due.map((d) => d.id)))
        .returning();
    });
  }

  function groups(rows: OutboundRow[]): OutboundRow[][] {
    const byKey = new Map<string, OutboundRow[]>();
    const out: OutboundRow[][] = [];
    for (const row of rows) {
      if (!row.batchKey || transport.maxBatchSize <= 1) {
        out.push([row]);
        continue;
      }
      // Same batchKey but different content must not share a request (the first row's content would win).
      const key = `${row.batchKey}\u0000${contentFingerprint(row)}`;
      const list = byKey.get(key) ?? [];
      list.push(row);
      byKey.set(key, list);
    }
    for (const list of byKey.values()) {
      for (let i = 0; i < list.length; i += transport.maxBatchSize) out.push(list.slice(i, i + transport.maxBatchSize));
    }
    return out;
  }

  async function deliverGroup(rows: OutboundRow[]): Promise<void> {
    const ids = rows.map((r) => r.id);
    try {
      const prepared = await Promise.all(rows.map((row) => prepareOutbound(store.blobs, row)));
      const { providerMessageId } = await transport.deliver(prepared);
      const updated = await store.transaction((tx) =>
        tx
          .update(outboundMessages)
          .set({ status: 'sent', sentAt: sql`now()`, providerMessageId, transport: transport.name, leaseOwner: null, leaseUntil: null, lastError: null })
          .where(and(inArray(outboundMessages.id, ids), eq(outboundMessages.leaseOwner, workerId)))
          .returning({ id: outboundMessages.id }),
      );
      if (updated.length < ids.length) logger.warn('outbound_lease_lost', { ids, workerId });
      logger.info('outbound_sent', { ids, transport: transport.name, providerMessageId });
    } catch (error) {
      if (isUnavailableError(error)) throw error;
      await recordFailure(rows, error);
    }
  }

  async function recordFailure(rows: OutboundRow[], error: unknown): Promise<void> {
    const retryable = error instanceof TransportError ? error.retryable : true;
    const retryAfterMs = error instanceof TransportError ? (error.retryAfterMs ?? 0) : 0;
    const message = describeError(error);
    await store.transaction(async (tx) => {
      for (const row of rows) {
        const final = !retryable || row.attempts >= maxAttempts;
        const delay = Math.max(retryAfterMs, retryDelayMs(row.attempts, backoff));
        await tx
          .update(outboundMessages)
          .set({
            status: final ? 'failed' : 'queued',
            lastError: message,
            leaseOwner: null,
            leaseUntil: null,
            nextAttemptAt: final ? sql`now()` : sql`now() + ${`${Math.round(delay)} milliseconds`}::interval`,
          })
          .where(and(eq(outboundMessages.id, row.id), eq(outboundMessages.leaseOwner, workerId)));
        logger[final ? 'error' : 'warn'](final ? 'outbound_failed' : 'outbound_retry', {
          id: row.id,
          attempt: row.attempts,
          error: message,
          ...(final ? {} : { delayMs: Math.round(delay) }),
        });
      }
    });
  }

  async function round(): Promise<number> {
    const rows = await claim();
    for (const group of groups(rows)) await deliverGroup(group);
    return rows.length;
  }

  const loop = createPollLoop({
    round,
    pollMs: options.pollMs ?? 1000,
    onError: (error) => logger.error('outbound_deliverer_error', { error: describeError(error) }),
  });
  return { workerId, ...loop };
}

function contentFingerprint(row: OutboundRow): string {
  return createHash('sha256')
    .update(JSON.stringify([row.from, row.replyTo, row.subject, row.text, row.html, row.attachments, row.categories]))
    .digest('base64url');
}
