import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { and, asc, eq, fillPlaceholders, getTableColumns, lt, lte, sql } from 'drizzle-orm';
import { isPermanentFailure, UnprocessableEmailError, type InboundEmail } from '../message/index.js';
import {
  DEFAULT_RETENTION_DAYS,
  InboundEmailNotFoundError,
  StoreUnavailableError,
  asStoreError,
  blobsTable,
  describeError,
  inboundEmails,
  isUnavailableError,
  type InboundRecord,
  type InboxEvent,
  type Logger,
  type Store,
  type Transaction,
} from '../inbox/index.js';
import { toRecord } from '../inbox/index.js';

export interface ProcessContext {
  record: InboundRecord;
  email: InboundEmail;
  /** 1-based; counts attempts whose worker died mid-handler too. */
  attempt: number;
  /**
   * The transaction that also records the outcome: the handler's writes commit atomically with it
   * and roll back if it throws. On PGlite, use only `tx` inside the processor (one connection).
   */
  tx: Transaction;
  /** Runs `fn` after the outcome committed (send mail, notify); errors there are logged, not retried. */
  afterCommit(fn: () => unknown): void;
  workerId: string;
}

export type ProcessedOutcomeStatus = 'delivered' | 'bounced' | 'ignored' | 'unrouted';
export interface ProcessOutcome {
  status: ProcessedOutcomeStatus;
  route?: string | null;
  recipient?: string | null;
  note?: string | null;
}
export type Processor = (ctx: ProcessContext) => Promise<ProcessOutcome>;

/** What `WorkerOptions.prepare` gets: the email about to be processed, before its transaction exists. */
export interface PrepareContext {
  record: InboundRecord;
  email: InboundEmail;
  attempt: number;
  /** The exact bytes SendGrid posted (read from storage unless the claim brought them). */
  storedBody(): Promise<Buffer>;
}

export interface WorkerOptions {
  store: Store;
  processor: Processor;
  workerId?: string;
  /** How long a claim holds before another worker may take the email over (default 5 min). */
  leaseMs?: number;
  /** How often to look for due emails besides `kick()` (default 1000 ms). */
  pollMs?: number;
  /** Emails processed at once (default 4 on PostgreSQL, 1 on PGlite). */
  concurrency?: number;
  /** Attempts before `failed` (default 8). */
  maxAttempts?: number;
  /** Delay before attempt n+1: min(maxMs, baseMs·2^(n-1)), jittered to 50–100 % (default 30 s … 1 h). */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Default: the store's logger. */
  logger?: Logger;
  onEvent?: (event: InboxEvent) => void;
  /**
   * Longest a processor may run (default 60 s, and never longer than the lease). The processor holds a
   * transaction and its row lock; on PGlite — one connection — a hung handler would otherwise stall every
   * ingest. A timed-out attempt rolls back and is retried with backoff like a throw — unless it ran past the
   * timeout synchronously (the timer could not fire: the event loop was blocked), which ends the email `failed`
   * ("handler blocked the event loop for N ms"), as a retry would only freeze the process again. When another
   * attempt ran beside it, the stall cannot be pinned on one email: each is retried once, alone.
   */
  handlerTimeoutMs?: number;
  /**
   * Takeovers allowed per email (default 1): an email whose worker stopped mid-attempt (crash, freeze; its lease
   * expired) once more than this is ended `failed` instead of being taken over again (a freeze that repeats).
   */
  maxTakeovers?: number;
  /**
   * Parses stored bytes back into the email (default: the store's parser). The Mailroom passes its ingress
   * limits here, so a re-parse after a restart or a replay spills large attachments like the webhook did.
   */
  parse?: (body: Buffer, contentType: string) => Promise<InboundEmail>;
  /**
   * Work that comes first: while this answers true, the worker starts no new email, except one per `pollMs` (so
   * work that never lets up cannot starve it). The Mailroom passes "the webhook is busy": a burst of posts is
   * answered first (stored, each answer after its commit) and processed in its gaps and as it passes.
   */
  yieldWhile?: () => boolean;
  /**
   * Runs before the processor's transaction opens and returns the email the processor gets: for work that waits on
   * the network (the Mailroom's DKIM key lookups), which must not hold a transaction (on PGlite, the only
   * connection). A throw is a failed attempt, retried with backoff like a processor's.
   */
  prepare?: (ctx: PrepareContext) => Promise<InboundEmail>;
  /** Periodic incineration while the worker runs. */
  retention?: { days?: number | Partial<Record<InboundRecord['status'], number>>; intervalMs?: number };
}

/** A worker's offer to process the next stored email the moment its ingest commits (see `Worker.reserve`). */
export interface Reservation {
  /** The worker the row is leased to. */
  readonly owner: string;
  /** The lease's length (the worker's `leaseMs`). */
  readonly ms: number;
}

export interface Worker {
  readonly workerId: string;
  /**
   * A free slot for the email about to be stored, or null when there is none. Ingest it with `{ lease: reservation }`
   * (the row is born leased to this worker), then `take()` it; `release()` the reservation when no row was stored
   * leased (a duplicate, an error). Saves the claim statement and the second read and parse of the bytes.
   */
  reserve(): Reservation | null;
  /** Processes the email whose row was just stored leased to this worker under `reservation`. */
  take(reservation: Reservation, record: InboundRecord, email: InboundEmail): void;
  /** Gives a reservation back unused. */
  release(reservation: Reservation): void;
  /** Start polling (and the retention job, if configured). */
  start(): void;
  /** Stop taking work and wait for emails in progress. */
  stop(): Promise<void>;
  /**
   * Process now: the given email (right after its ingest committed), or whatever is due. Passing the email
   * the ingress just parsed spares re-reading and re-parsing the stored bytes.
   */
  kick(id?: string, email?: InboundEmail): void;
  /** Process everything due now, until nothing is left; resolves when done (tests, CLI). */
  drain(): Promise<void>;
}

const OUTCOMES = new Set<ProcessedOutcomeStatus>(['delivered', 'bounced', 'ignored', 'unrouted']);

class LeaseLostError extends Error {}

/** A claimed email and, with database blobs, its stored bytes (null: load them, or they were incinerated). */
interface Claimed {
  record: InboundRecord;
  /** Times this email was taken over from a worker whose lease expired (0 for a born-leased row). */
  takeovers: number;
  body: Buffer | null;
  /** Already parsed (an email the webhook just stored leased to this worker). */
  email?: InboundEmail;
}

/** Parsed emails kept for kick(); beyond this the oldest are dropped (and loaded from storage when claimed). */
const MAX_FRESH = 256;

export class HandlerTimeoutError extends Error {
  override readonly name: string = 'HandlerTimeoutError';
}

/**
 * The handler kept the event loop blocked past its timeout (the timer fired that late, or its synchronous part
 * alone ran that long). `certain`: nothing else ran beside it, so the stall was this email's.
 */
export class HandlerStallError extends HandlerTimeoutError {
  override readonly name = 'HandlerStallError';
  constructor(
    readonly blockedMs: number,
    timeoutMs: number,
    readonly certain: boolean,
  ) {
    super(`handler blocked the event loop for ${blockedMs} ms (past its ${timeoutMs} ms timeout)`);
  }
  /** Only a stall pinned on this email is permanent; a shared one is retried alone. */
  get permanent(): boolean {
    return this.certain;
  }
}

/**
 * The generic worker: claims due inbound emails with `FOR UPDATE SKIP LOCKED` (so several processes
 * on one PostgreSQL share the work), runs the processor inside the transaction that records the
 * outcome, retries failures with backoff, and takes over emails whose worker died (lease expiry).
 *
 * @example
 * ```ts
 * const worker = createWorker({ store, processor: async ({ email, tx }) => ({ status: 'delivered' }) });
 * worker.start();
 * const { id } = await store.inbox.ingest(post);
 * worker.kick(id);
 * ```
 */
export function createWorker(options: WorkerOptions): Worker {
  const { store, processor } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = options.leaseMs ?? 300_000;
  const pollMs = options.pollMs ?? 1_000;
  const concurrency = Math.max(1, options.concurrency ?? (store.dialect === 'pglite' ? 1 : 4));
  const refillAt = Math.ceil(concurrency / 2);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const baseMs = options.backoff?.baseMs ?? 30_000;
  const maxMs = options.backoff?.maxMs ?? 3_600_000;
  const handlerTimeoutMs = Math.max(1, Math.min(options.handlerTimeoutMs ?? 60_000, leaseMs));
  // A timeout firing this late means the event loop was blocked past it (not merely busy).
  const stallToleranceMs = Math.min(1_000, Math.max(100, handlerTimeoutMs / 2));
  const maxTakeovers = Math.max(0, options.maxTakeovers ?? 1);

  const parse = options.parse ?? ((body: Buffer, contentType: string) => store.inbox.parseStored(body, contentType));
  const storedBytes = async (id: string) => {
    const post = await store.inbox.loadPost(id);
    if (!post) throw new InboundEmailNotFoundError(`no stored bytes for inbound email ${id} (unknown or incinerated)`);
    return post.body;
  };
  const inFlight = new Set<Promise<void>>();
  const yieldsToEventLoop = store.dialect === 'pglite';
  // Slots promised to emails being stored right now (reserve → take/release); stop() waits for them to settle.
  const reservations = new Map<Reservation, { settled: Promise<void>; settle: () => void }>();
  const busy = () => inFlight.size + reservations.size;
  // Emails just parsed by the ingress, handed over with kick(): processing them right after commit needs no
  // blob read and no second parse. Bounded; anything not found here is loaded from the stored bytes.
  const fresh = new Map<string, InboundEmail>();
  const takeFresh = (id: string) => {
    const email = fresh.get(id);
    fresh.delete(id);
    return email;
  };
  // Behind a backlog, claims return older emails than the ones kicked: keeping those parsed only costs memory,
  // and claiming without bytes would cost a load per email. Set when a claim missed `fresh`, cleared when a claim
  // found less than it asked for (caught up).
  let behind = false;
  let started = false;
  let stopped = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let retentionTimer: NodeJS.Timeout | undefined;
  let filling: Promise<void> | undefined;
  let refill = false;

  const emit = (event: InboxEvent['event'], fields: Omit<InboxEvent, 'event'>) => {
    store.emit(event, { workerId, ...fields }, options.logger);
    options.onEvent?.({ event, workerId, ...fields } as InboxEvent);
  };

  // With database blobs the claim also returns each email's stored bytes: a worker that did not receive the post
  // (a drain, a replay, another instance) needs no second and third round trip to load them. While emails handed
  // over by kick() wait, the claimed rows are most likely those: no bytes then (a miss loads them separately). A large
  // body (in pieces, see BLOB_PART_BYTES) is never in the claim's answer: it is loaded piece by piece.
  const storedBody = sql<Uint8Array | null>`(select b.bytes from ${blobsTable} b where b.key = ${inboundEmails.bodyBlobKey} and b.parts = 0)`;
  const noBody = sql<null>`null`;
  // One statement (atomic on its own): no BEGIN/COMMIT round trips on the path every email takes. Expired leases
  // first (their worker died; they were due before anything pending now), then the oldest pending. Each branch
  // walks its own partial index and stops after `limit` unlocked rows: one OR'd condition would make PostgreSQL
  // scan and sort the whole backlog on every claim (milliseconds per claim with thousands waiting).
  // Built once per batch size and prepared: drizzle's query building costs more CPU than the statement, and with
  // the limit written in (not a parameter) PostgreSQL plans it once per connection instead of on every claim.
  const claimQuery = (limit: number, withBody: boolean) => {
    const branch = (status: 'pending' | 'processing', dueAt: typeof inboundEmails.nextAttemptAt) =>
      store.db
        .select({ id: inboundEmails.id })
        .from(inboundEmails)
        // The status written in, so a generic plan can still use the partial index for it.
        .where(and(eq(inboundEmails.status, sql.raw(`'${status}'`)), status === 'pending' ? lte(dueAt, sql`now()`) : lt(dueAt, sql`now()`)))
        .orderBy(asc(dueAt))
        .limit(sql.raw(String(limit)) as unknown as number)
        .for('update', { skipLocked: true });
    const candidates = sql`select id from (${branch('processing', inboundEmails.leaseUntil)}) expired
      union all select id from (${branch('pending', inboundEmails.nextAttemptAt)}) pending limit ${sql.raw(String(limit))}`;
    return store.db
      .update(inboundEmails)
      .set({
        status: 'processing',
        leaseOwner: workerId,
        leaseUntil: sql`now() + ${leaseMs} * interval '1 millisecond'`,
        attempts: sql`${inboundEmails.attempts} + 1`,
        // A row still `processing` here is one whose worker stopped mid-attempt: a takeover.
        takeovers: sql`${inboundEmails.takeovers} + (case when ${inboundEmails.status} = 'processing' then 1 else 0 end)`,
      })
      .where(sql`${inboundEmails.id} in (${candidates})`)
      .returning({ ...getTableColumns(inboundEmails), storedBody: withBody ? storedBody : noBody })
      .prepare(`mailroom_claim_${limit}${withBody ? '_with_body' : ''}`);
  };
  type ClaimQuery = ReturnType<typeof claimQuery>;
  const claimQueries = new Map<string, ClaimQuery>();
  const claimQueryFor = (limit: number, withBody: boolean) => {
    const key = `${limit}:${withBody}`;
    let query = claimQueries.get(key);
    if (!query) claimQueries.set(key, (query = claimQuery(limit, withBody)));
    return query;
  };

  async function claim(count: number): Promise<Claimed[]> {
    if (count <= 0 || store.closed) return [];
    try {
      const withBody = store.blobs.kind === 'database' && (fresh.size === 0 || behind);
      const rows = await claimQueryFor(count, withBody).execute();
      if (rows.length < count) behind = false;
      else if (rows.some((row) => !fresh.has(row.id))) {
        behind = true;
        fresh.clear();
      }
      return rows.map(({ storedBody: body, ...row }) => ({
        record: toRecord(row),
        takeovers: row.takeovers,
        body: body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : null,
      }));
    } catch (error) {
      throw asStoreError(error, 'claim');
    }
  }

  // The outcome, recorded only while this worker still holds the lease (else the handler's writes roll back).
  const outcomeQuery = store.db
    .update(inboundEmails)
    .set({
      status: sql`${sql.placeholder('status')}`,
      route: sql`${sql.placeholder('route')}`,
      recipient: sql`${sql.placeholder('recipient')}`,
      note: sql`${sql.placeholder('note')}`,
      processedAt: sql`now()`,
      leaseOwner: null,
      leaseUntil: null,
      nextAttemptAt: null,
      lastError: null,
    })
    .where(and(eq(inboundEmails.id, sql.placeholder('id')), eq(inboundEmails.status, 'processing'), eq(inboundEmails.leaseOwner, workerId)))
    .returning({ id: inboundEmails.id })
    .toSQL();
  const outcomeStatement = (id: string, outcome: ProcessOutcome) => ({
    text: outcomeQuery.sql,
    params: fillPlaceholders(outcomeQuery.params, {
      id,
      status: outcome.status,
      route: outcome.route ?? null,
      recipient: outcome.recipient ?? null,
      note: outcome.note ?? null,
    }),
  });

  function backoffMs(attempt: number): number {
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling * (0.5 + Math.random() * 0.5));
  }

  // Attempts parsing or running a processor right now, and when the last one ended: what tells a stall that was
  // one email's from one that several shared.
  let active = 0;
  let lastActiveEnd = Number.NEGATIVE_INFINITY;
  const idleWaiters: Array<() => void> = [];
  const endActive = () => {
    active--;
    lastActiveEnd = performance.now();
    if (active === 0) for (const wake of idleWaiters.splice(0)) wake();
  };
  // Retries of a shared stall run alone, one at a time; while one waits or runs the worker starts nothing else.
  let soloWanted = 0;
  let soloTurn: Promise<void> = Promise.resolve();
  async function alone<T>(fn: () => Promise<T>): Promise<T> {
    soloWanted++;
    const previous = soloTurn;
    let done!: () => void;
    soloTurn = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      while (active > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      return await fn();
    } finally {
      soloWanted--;
      done();
    }
  }

  /** Why an email is not attempted again, if it is not: its attempts or takeovers were used up by workers that stopped. */
  function usedUp({ record, takeovers }: Claimed): string | null {
    if (record.attempts > maxAttempts) return `gave up: the worker processing attempt ${record.attempts - 1} stopped (lease expired)`;
    if (takeovers > maxTakeovers) {
      return `gave up: the worker processing this email stopped mid-attempt ${takeovers} times (lease expired: a crash or a freeze, e.g. a handler blocking the event loop)`;
    }
    return null;
  }

  /** The email to process; stored bytes that cannot be parsed now never will be (permanent), an outage is retried. */
  async function emailOf({ record, body, email }: Claimed): Promise<InboundEmail> {
    if (email) return email;
    const fresh = takeFresh(record.id);
    if (fresh) return fresh;
    let bytes: Buffer;
    try {
      bytes = body ?? (await storedBytes(record.id));
    } catch (error) {
      if (error instanceof InboundEmailNotFoundError) throw new UnprocessableEmailError(error.message, { cause: error });
      throw error;
    }
    try {
      return await parse(bytes, record.contentType);
    } catch (error) {
      if (isUnavailableError(error) || isSystemError(error) || isPermanentFailure(error)) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new UnprocessableEmailError(`the stored post cannot be parsed: ${detail}`, { cause: error });
    }
  }

  /**
   * The processor under the handler timeout. The timer starts before the processor is called, so a synchronous
   * part that outlasts it counts; a timer that fires late means the event loop was blocked (HandlerStallError).
   */
  async function runProcessor(ctx: ProcessContext): Promise<ProcessOutcome> {
    const begin = performance.now();
    const deadline = begin + handlerTimeoutMs;
    const othersAtStart = active > 1;
    let syncMs = 0;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const lateMs = performance.now() - deadline;
        if (lateMs < stallToleranceMs) return reject(new HandlerTimeoutError(`handler did not finish within ${handlerTimeoutMs} ms`));
        // Ours for certain when the synchronous part alone ran past the timeout, or nothing else ran meanwhile.
        const certain = syncMs >= handlerTimeoutMs || (!othersAtStart && active <= 1 && lastActiveEnd < deadline);
        reject(new HandlerStallError(Math.round(Math.max(syncMs, handlerTimeoutMs + lateMs)), handlerTimeoutMs, certain));
      }, handlerTimeoutMs);
    });
    timeout.catch(() => undefined);
    try {
      let work: Promise<ProcessOutcome>;
      try {
        work = Promise.resolve(processor(ctx));
      } catch (error) {
        work = Promise.reject(error);
      }
      syncMs = performance.now() - begin;
      work.catch(() => undefined); // the losing side's rejection (its transaction is gone)
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function handle(claimed: Claimed): Promise<void> {
    const { record } = claimed;
    const started = performance.now();
    const attempt = record.attempts;
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const gaveUp = usedUp(claimed);
      if (gaveUp) throw new UnprocessableEmailError(gaveUp);
      // The last attempt stalled beside others: run this one alone, so a second stall is pinned on it.
      const attemptIt = () => attemptOnce(claimed, attempt, elapsed);
      if (record.lastError?.startsWith('HandlerStallError')) await alone(attemptIt);
      else await attemptIt();
    } catch (error) {
      if (error instanceof LeaseLostError) {
        (options.logger ?? store.logger).warn('lease_lost', { id: record.id, workerId });
        return;
      }
      await recordFailure(record, attempt, error, elapsed());
    }
  }

  async function attemptOnce(claimed: Claimed, attempt: number, elapsed: () => number): Promise<void> {
    const { record } = claimed;
    active++;
    let outcome: ProcessOutcome;
    const hooks: Array<() => unknown> = [];
    try {
      const parsed = await emailOf(claimed);
      const email = options.prepare
        ? await options.prepare({ record, email: parsed, attempt, storedBody: async () => claimed.body ?? (await storedBytes(record.id)) })
        : parsed;
      if (store.closed) throw new StoreUnavailableError('the store is closed');
      // Begun by the handler's first write (if any) and committed together with the outcome: for a handler that
      // writes nothing, one statement. A handler's own network errors are not relabelled as a database outage.
      const work = await store.unitOfWork();
      try {
        outcome = await runProcessor({ record, email, attempt, tx: work.tx, workerId, afterCommit: (fn) => hooks.push(fn) });
        if (!outcome || !OUTCOMES.has(outcome.status)) {
          throw new TypeError(`processor returned an invalid outcome: ${JSON.stringify(outcome)}`);
        }
        // The lease keeps other workers off this email (handlers time out before it expires); the outcome is
        // recorded only while we still own it, else everything the handler wrote rolls back.
        if (!(await work.commitIf(outcomeStatement(record.id, outcome)))) throw new LeaseLostError();
      } catch (error) {
        await work.rollback().catch(() => undefined);
        throw error;
      }
    } finally {
      endActive();
    }
    const fields = { id: record.id, messageId: record.messageId, route: outcome.route ?? null, recipient: outcome.recipient ?? null, attempt };
    if (outcome.route) emit('routed', fields);
    emit(outcome.status, { ...fields, note: outcome.note ?? null, durationMs: elapsed() });
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        (options.logger ?? store.logger).error('after_commit_error', { id: record.id, error: describeError(error) });
      }
    }
  }

  async function recordFailure(record: InboundRecord, attempt: number, error: unknown, durationMs: number) {
    const lastError = describeError(error);
    // A permanent failure (UnprocessableEmailError, a stall pinned on this email, an unsendable reply) would hit
    // the same wall again: failed at once, its reason as the note.
    const final = attempt >= maxAttempts || isPermanentFailure(error);
    const delay = backoffMs(attempt);
    try {
      const updated = await store.transaction((tx) =>
        tx
          .update(inboundEmails)
          .set(
            final
              ? { status: 'failed', processedAt: sql`now()`, lastError, note: failureNote(error), leaseOwner: null, leaseUntil: null, nextAttemptAt: null }
              : {
                  status: 'pending',
                  lastError,
                  leaseOwner: null,
                  leaseUntil: null,
                  nextAttemptAt: sql`now() + ${delay} * interval '1 millisecond'`,
                },
          )
          .where(and(eq(inboundEmails.id, record.id), eq(inboundEmails.leaseOwner, workerId)))
          .returning({ id: inboundEmails.id }),
      );
      if (updated.length === 0) return;
      const fields = { id: record.id, messageId: record.messageId, attempt, error: lastError, durationMs };
      if (final) emit('failed', fields);
      else emit('retry', { ...fields, retryInMs: delay });
    } catch (recordError) {
      // The database is gone: the lease runs out and a worker picks the email up again later.
      (options.logger ?? store.logger).error('record_failure_error', {
        id: record.id,
        error: lastError,
        cause: describeError(recordError),
        unavailable: recordError instanceof StoreUnavailableError || isUnavailableError(recordError),
      });
    }
  }

  function launch(claimed: Claimed[]) {
    if (claimed.length > 0) lastLaunch = performance.now();
    for (const item of claimed) {
      const task = handle(item).finally(() => {
        inFlight.delete(task);
        if (!started || stopped) return;
        // On PGlite every query settles without I/O: claiming straight from here would chain email after email in
        // microtasks and starve the webhook's sockets, so the next claim waits for a turn of the event loop.
        if (yieldsToEventLoop) setImmediate(() => void schedule());
        else void schedule();
      });
      inFlight.add(task);
    }
  }

  // While yielding: no new email, except one per pollMs (the guarantee of progress under endless work).
  let lastLaunch = Number.NEGATIVE_INFINITY;
  // The last round claimed nothing because yielding left no slot (not because nothing was due).
  let yieldLimited = false;
  const slots = () => {
    if (soloWanted > 0) return 0; // a stalled email's retry is about to run alone
    if (!options.yieldWhile?.()) return concurrency;
    return performance.now() - lastLaunch >= pollMs ? 1 : 0;
  };
  /**
   * Claim in batches: while emails are in flight, wait until half the slots are free, so a busy worker pays
   * one claim per few emails instead of one per email.
   */
  const worthClaiming = () => !stopped && (busy() === 0 || slots() - busy() >= refillAt);

  /** Claims as much as capacity allows; concurrent calls coalesce into one more round. */
  function schedule(): Promise<void> {
    if (filling) {
      refill = true;
      return filling;
    }
    // Decided before `filling` is set: an IIFE that returned without awaiting would clear `filling` before
    // the assignment below, leaving a settled promise there that blocks every later round.
    if (!worthClaiming()) return Promise.resolve();
    filling = (async () => {
      try {
        do {
          refill = false;
          if (!worthClaiming()) return;
          const wanted = slots() - busy();
          yieldLimited = wanted <= 0;
          launch(await claim(wanted));
        } while (refill);
      } catch (error) {
        yieldLimited = false;
        (options.logger ?? store.logger).error('claim_error', { workerId, error: describeError(error) });
      } finally {
        filling = undefined;
      }
    })();
    return filling;
  }

  async function incinerate() {
    try {
      await store.inbox.incinerate({ olderThanDays: options.retention?.days ?? DEFAULT_RETENTION_DAYS });
    } catch (error) {
      (options.logger ?? store.logger).error('retention_error', { error: describeError(error) });
    }
  }

  return {
    workerId,
    start() {
      if (started || stopped) return;
      started = true;
      pollTimer = setInterval(() => void schedule(), pollMs);
      pollTimer.unref();
      if (options.retention) {
        retentionTimer = setInterval(() => void incinerate(), options.retention.intervalMs ?? 3_600_000);
        retentionTimer.unref();
        setImmediate(() => void incinerate());
      }
      void schedule();
    },
    async stop() {
      stopped = true;
      clearInterval(pollTimer);
      clearInterval(retentionTimer);
      await filling;
      await Promise.all([...reservations.values()].map((r) => r.settled));
      await Promise.all([...inFlight]);
    },
    reserve() {
      if (!started || stopped || store.closed || busy() >= slots()) return null;
      const reservation: Reservation = Object.freeze({ owner: workerId, ms: leaseMs });
      let settle!: () => void;
      const settled = new Promise<void>((resolve) => (settle = resolve));
      reservations.set(reservation, { settled, settle });
      return reservation;
    },
    take(reservation, record, email) {
      const entry = reservations.get(reservation);
      if (!entry) throw new Error('worker.take: unknown reservation, or one already taken or released');
      reservations.delete(reservation);
      // Launched even while stopping: the row is leased to this worker, and stop() waits for it.
      launch([{ record, takeovers: 0, body: null, email }]);
      entry.settle();
    },
    release(reservation) {
      const entry = reservations.get(reservation);
      if (!entry) return;
      reservations.delete(reservation);
      entry.settle();
      if (started && !stopped) void schedule();
    },
    kick(id, email) {
      if (stopped) return;
      if (id && email && !behind) {
        fresh.set(id, email);
        if (fresh.size > MAX_FRESH) fresh.delete(fresh.keys().next().value!);
      }
      void schedule();
    },
    async drain() {
      for (;;) {
        if (yieldsToEventLoop) await new Promise((resolve) => setImmediate(resolve)); // see launch()
        await schedule();
        if (inFlight.size === 0) {
          // Nothing claimed: done, unless yielding kept the worker from claiming at all (then it may again soon).
          if (stopped || !yieldLimited) return;
          await new Promise((resolve) => setTimeout(resolve, Math.max(1, lastLaunch + pollMs - performance.now())));
          continue;
        }
        await Promise.race([...inFlight]);
      }
    },
  };
}

/** A Node.js system error (ENOSPC, EMFILE, ENOMEM…): the machine's trouble, not the email's. */
function isSystemError(error: unknown): boolean {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && typeof syscall === 'string';
}

/** The reason a failed email shows (`note`): the error's message, one line, bounded. */
function failureNote(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
