import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describeError, isUnavailableError, type Logger, type Store } from '../inbox/index.js';
import { isPermanentFailure } from '../message/index.js';
import { prepareOutbound, type OutboundRow } from './outbox.js';
import { createLeaseQueue, leaseTuning, withTimeout, type LeaseSpec, type LeaseQueue } from '../queue/index.js';
import { outboundMessages } from './schema.js';
import type { PreparedMessage } from './message.js';
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

/** The outbox as a lease queue: queued → sending (leased) → sent, or back to queued, or failed. */
const OUTBOX_LEASES = {
  table: outboundMessages,
  key: outboundMessages.id,
  waiting: 'queued',
  leased: 'sending',
  failed: 'failed',
  tieBreak: [outboundMessages.createdAt],
} satisfies LeaseSpec;

/**
 * Sends queued outbox rows: claims due rows (`FOR UPDATE SKIP LOCKED`, so several deliverers share
 * the queue), groups rows with the same batchKey and content into one transport call, records the
 * provider id, and retries failures independently with backoff. Poison pills stay alone: a row that cannot be
 * prepared fails by itself, a batch the transport refuses for good is narrowed down to the rows at fault, a row
 * claimed again after its attempts all ended with the deliverer gone is set aside, and a transport call that
 * never settles gives up after `leaseMs`.
 */
export function createOutboxDeliverer(options: OutboxDelivererOptions): OutboxDeliverer {
  const { store, transport } = options;
  const logger = options.logger ?? store.logger;
  const queue = createLeaseQueue({
    ...OUTBOX_LEASES,
    ...leaseTuning(options),
    db: store.db,
    failedColumns: () => ({ nextAttemptAt: sql`now()` }),
    describeError,
  });
  const delivery = new Delivery(store, transport, queue, logger);
  const loop = queue.loop({
    pollMs: options.pollMs ?? 1000,
    claimLimit: options.claimLimit ?? 200,
    handle: async (rows) => {
      for (const group of batchesOf(await delivery.setAsideUsedUp(rows), transport.maxBatchSize))
        await delivery.deliver(group);
    },
    onError: (error) => logger.error('outbound_deliverer_error', { error: describeError(error) }),
  });
  return { workerId: queue.workerId, ...loop };
}

type Ready = { row: OutboundRow; message: PreparedMessage };

/** Rows that may share one transport call: same batchKey and same content, at most `maxBatchSize`; others alone. */
function batchesOf(rows: OutboundRow[], maxBatchSize: number): OutboundRow[][] {
  const byKey = new Map<string, OutboundRow[]>();
  const out: OutboundRow[][] = [];
  for (const row of rows) {
    if (!row.batchKey || maxBatchSize <= 1) {
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
    for (let i = 0; i < list.length; i += maxBatchSize) out.push(list.slice(i, i + maxBatchSize));
  }
  return out;
}

const permanent = (error: unknown) =>
  isPermanentFailure(error) || (error instanceof TransportError && !error.retryable);
// A refusal for good, or a transport that broke on the data itself (not a TransportError): maybe one row's fault.
const maybeOneRow = (error: unknown) => permanent(error) || !(error instanceof TransportError);

/** Sending claimed rows through the transport, and narrowing a refused batch down to the rows at fault. */
class Delivery {
  readonly #store: Store;
  readonly #transport: Transport;
  readonly #queue: LeaseQueue<OutboundRow>;
  readonly #logger: Logger;

  constructor(store: Store, transport: Transport, queue: LeaseQueue<OutboundRow>, logger: Logger) {
    this.#store = store;
    this.#transport = transport;
    this.#queue = queue;
    this.#logger = logger;
  }

  /** One batch of rows: prepared, sent, its refusals narrowed down or recorded. */
  async deliver(rows: OutboundRow[]): Promise<void> {
    const batch = await this.#prepareEach(rows);
    if (batch.length === 0) return;
    const error = await this.#send(batch);
    if (error === null) return;
    if (batch.length > 1 && maybeOneRow(error)) await this.#isolate(batch, error);
    else
      await this.#recordFailure(
        batch.map((b) => b.row),
        error,
      );
  }

  /** Rows whose earlier attempts all ended with the deliverer gone (lease expired): set aside, not sent again. */
  async setAsideUsedUp(rows: OutboundRow[]): Promise<OutboundRow[]> {
    const live: OutboundRow[] = [];
    for (const row of rows) {
      const usedUp = this.#queue.usedUp(row);
      if (usedUp) await this.#recordFailure([row], usedUp);
      else live.push(row);
    }
    return live;
  }

  /** Each row prepared on its own: a row whose stored data cannot be used fails alone, not its whole batch. */
  async #prepareEach(rows: OutboundRow[]): Promise<Ready[]> {
    const settled = await Promise.allSettled(rows.map((row) => prepareOutbound(this.#store.blobs, row)));
    const ready: Ready[] = [];
    for (const [i, result] of settled.entries()) {
      if (result.status === 'fulfilled') ready.push({ row: rows[i]!, message: result.value });
      else if (isUnavailableError(result.reason)) throw result.reason;
      // The same row prepares the same way next time (a missing attachment, unusable stored fields): set it aside.
      else await this.#recordFailure([rows[i]!], unusableRow(rows[i]!, result.reason));
    }
    return ready;
  }

  /** One transport call; null when it was sent (and recorded), else the error. A database outage is thrown. */
  async #send(batch: Ready[]): Promise<unknown> {
    const transport = this.#transport;
    const queue = this.#queue;
    const logger = this.#logger;
    const ids = batch.map((b) => b.row.id);
    let providerMessageId: string | null;
    try {
      // Synchronous throws land here too; a transport that never answers gives its rows back after the lease.
      const call = Promise.resolve().then(() => transport.deliver(batch.map((b) => b.message)));
      ({ providerMessageId } = await withTimeout(call, queue.leaseMs, 'transport.deliver'));
    } catch (error) {
      // A transport's own network errors (SMTP/SendGrid unreachable) are not a database outage.
      if (!(error instanceof TransportError) && isUnavailableError(error)) throw error;
      return error ?? new Error('transport failed without an error');
    }
    const sent = { status: 'sent', sentAt: sql`now()`, providerMessageId, transport: transport.name, lastError: null };
    const updated = await queue.finish(
      batch.map((b) => b.row),
      sent,
    );
    if (updated.length < ids.length) logger.warn('outbound_lease_lost', { ids, workerId: queue.workerId });
    logger.info('outbound_sent', { ids, transport: transport.name, providerMessageId });
    return null;
  }

  /**
   * A batch refused for good: one bad row (an address the provider rejects) must not fail the copies beside it.
   * The first row alone tells a batch-wide refusal (the same message: bad key, unverified sender) from a row's;
   * a row's is narrowed down by halving, so a 1,000-copy batch with one bad copy costs about 20 requests.
   */
  async #isolate(batch: Ready[], error: unknown): Promise<void> {
    const [first, ...rest] = batch;
    const alone = await this.#send([first!]);
    if (alone !== null && maybeOneRow(alone) && describeMessage(alone) === describeMessage(error)) {
      await this.#recordFailure(
        batch.map((b) => b.row),
        error,
      );
      return;
    }
    if (alone !== null) await this.#recordFailure([first!.row], alone);
    await this.#bisect(rest);
  }

  async #bisect(batch: Ready[]): Promise<void> {
    if (batch.length === 0) return;
    const error = await this.#send(batch);
    if (error === null) return;
    if (batch.length === 1 || !maybeOneRow(error)) {
      await this.#recordFailure(
        batch.map((b) => b.row),
        error,
      );
      return;
    }
    const middle = Math.ceil(batch.length / 2);
    await this.#bisect(batch.slice(0, middle));
    await this.#bisect(batch.slice(middle));
  }

  async #recordFailure(rows: OutboundRow[], error: unknown): Promise<void> {
    const minDelayMs = error instanceof TransportError ? (error.retryAfterMs ?? 0) : 0;
    const recorded = await this.#store.transaction((tx) =>
      this.#queue.fail(rows, error, { final: permanent(error), minDelayMs, db: tx }),
    );
    for (const { row, decision, lastError } of recorded) {
      this.#logger[decision.final ? 'error' : 'warn'](decision.final ? 'outbound_failed' : 'outbound_retry', {
        id: row.id,
        attempt: row.attempts,
        error: lastError,
        ...(decision.final ? {} : { delayMs: decision.delayMs }),
      });
    }
  }
}

function contentFingerprint(row: OutboundRow): string {
  return createHash('sha256')
    .update(JSON.stringify([row.from, row.replyTo, row.subject, row.text, row.html, row.attachments, row.categories]))
    .digest('base64url');
}

function unusableRow(row: OutboundRow, cause: unknown): Error {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return Object.assign(new Error(`outbound message ${row.id} cannot be prepared: ${detail}`, { cause }), {
    permanent: true,
  });
}

/** An error's message without its stack: what tells one refusal from another. */
function describeMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
