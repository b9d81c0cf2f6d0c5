import { UnprocessableEmailError, type InboundEmail } from '../message/index.js';
import {
  DEFAULT_RETENTION_DAYS,
  StoreUnavailableError,
  describeError,
  inboundTransitions,
  isUnavailableError,
  type InboundRecord,
  type InboundTransitions,
  type InboxEvent,
  type Logger,
  type Store,
  type Transaction,
} from '../inbox/index.js';
import { attemptsUsedUp, decideRetry, defaultWorkerId, type RetryPolicy } from '../queue/index.js';
import { EmailSource, type Claimed } from './emails.js';
import { AttemptTracker } from './stall.js';

export { HandlerStallError, HandlerTimeoutError } from './stall.js';

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
  /**
   * Processes the email whose row was just stored leased to this worker under `reservation`: the parsed email,
   * or (null) the `body` just stored, which the worker parses itself.
   */
  take(reservation: Reservation, record: InboundRecord, email: InboundEmail | null, body?: Buffer): void;
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

/** WorkerOptions with the defaults applied. */
interface Settings {
  leaseMs: number;
  pollMs: number;
  concurrency: number;
  /** While emails are in flight, claim again only once this many slots are free (one claim per few emails). */
  refillAt: number;
  policy: RetryPolicy;
  maxTakeovers: number;
  /** On PGlite every query settles without I/O: the next claim waits for a turn of the event loop (see #launch). */
  yieldsToEventLoop: boolean;
  logger: Logger;
}

function settingsOf(options: WorkerOptions): Settings {
  const { store } = options;
  const leaseMs = options.leaseMs ?? 300_000;
  const concurrency = Math.max(1, options.concurrency ?? (store.dialect === 'pglite' ? 1 : 4));
  return {
    leaseMs,
    pollMs: options.pollMs ?? 1_000,
    concurrency,
    refillAt: Math.ceil(concurrency / 2),
    policy: {
      maxAttempts: Math.max(1, options.maxAttempts ?? 8),
      backoff: { baseMs: options.backoff?.baseMs ?? 30_000, maxMs: options.backoff?.maxMs ?? 3_600_000 },
    },
    maxTakeovers: Math.max(0, options.maxTakeovers ?? 1),
    yieldsToEventLoop: store.dialect === 'pglite',
    logger: options.logger ?? store.logger,
  };
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
  return new InboundWorker(options);
}

/**
 * The worker's parts: scheduling (slots, batched claims, yielding to the webhook, reservations for born-leased
 * rows) here; the email's source (`EmailSource`), stall detection (`AttemptTracker`) and the status transitions
 * (`inbox/status.ts`) beside it.
 */
class InboundWorker implements Worker {
  readonly workerId: string;
  readonly #options: WorkerOptions;
  readonly #settings: Settings;
  readonly #store: Store;
  readonly #status: InboundTransitions;
  readonly #emails: EmailSource;
  readonly #attempts: AttemptTracker;
  readonly #inFlight = new Set<Promise<void>>();
  // Slots promised to emails being stored right now (reserve → take/release); stop() waits for them to settle.
  readonly #reservations = new Map<Reservation, { settled: Promise<void>; settle: () => void }>();
  #started = false;
  #stopped = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #retentionTimer: NodeJS.Timeout | undefined;
  #filling: Promise<void> | undefined;
  #refill = false;
  // While yielding: no new email, except one per pollMs (the guarantee of progress under endless work).
  #lastLaunch = Number.NEGATIVE_INFINITY;
  // The last round claimed nothing because yielding left no slot (not because nothing was due).
  #yieldLimited = false;

  constructor(options: WorkerOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#settings = settingsOf(options);
    this.workerId = options.workerId ?? defaultWorkerId();
    this.#status = inboundTransitions(this.#store.db, this.workerId, this.#settings.leaseMs);
    this.#emails = new EmailSource(this.#store, options.parse);
    this.#attempts = new AttemptTracker(
      Math.max(1, Math.min(options.handlerTimeoutMs ?? 60_000, this.#settings.leaseMs)),
    );
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#pollTimer = setInterval(() => void this.#schedule(), this.#settings.pollMs);
    this.#pollTimer.unref();
    const { retention } = this.#options;
    if (retention) {
      this.#retentionTimer = setInterval(() => void this.#incinerate(), retention.intervalMs ?? 3_600_000);
      this.#retentionTimer.unref();
      setImmediate(() => void this.#incinerate());
    }
    void this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#pollTimer);
    clearInterval(this.#retentionTimer);
    await this.#filling;
    await Promise.all([...this.#reservations.values()].map((r) => r.settled));
    await Promise.all([...this.#inFlight]);
  }

  reserve(): Reservation | null {
    if (!this.#started || this.#stopped || this.#store.closed || this.#busy() >= this.#slots()) return null;
    const reservation: Reservation = Object.freeze({ owner: this.workerId, ms: this.#settings.leaseMs });
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.#reservations.set(reservation, { settled, settle });
    return reservation;
  }

  take(reservation: Reservation, record: InboundRecord, email: InboundEmail | null, body?: Buffer): void {
    const entry = this.#reservations.get(reservation);
    if (!entry) throw new Error('worker.take: unknown reservation, or one already taken or released');
    this.#reservations.delete(reservation);
    // Launched even while stopping: the row is leased to this worker, and stop() waits for it.
    // Not parsed yet (accepted unparsed): the bytes just stored are parsed here, never read back.
    this.#launch([{ record, takeovers: 0, body: email ? null : (body ?? null), ...(email ? { email } : {}) }]);
    entry.settle();
  }

  release(reservation: Reservation): void {
    const entry = this.#reservations.get(reservation);
    if (!entry) return;
    this.#reservations.delete(reservation);
    entry.settle();
    if (this.#started && !this.#stopped) void this.#schedule();
  }

  kick(id?: string, email?: InboundEmail): void {
    if (this.#stopped) return;
    if (id && email) this.#emails.remember(id, email);
    void this.#schedule();
  }

  async drain(): Promise<void> {
    for (;;) {
      if (this.#settings.yieldsToEventLoop) await new Promise((resolve) => setImmediate(resolve)); // see #launch()
      await this.#schedule();
      if (this.#inFlight.size === 0) {
        // Nothing claimed: done, unless yielding kept the worker from claiming at all (then it may again soon).
        if (this.#stopped || !this.#yieldLimited) return;
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(1, this.#lastLaunch + this.#settings.pollMs - performance.now())),
        );
        continue;
      }
      await Promise.race([...this.#inFlight]);
    }
  }

  #busy(): number {
    return this.#inFlight.size + this.#reservations.size;
  }

  /** Emails that may run at once now: none while a stalled email's retry waits to run alone, one per pollMs while yielding. */
  #slots(): number {
    if (this.#attempts.soloWanted) return 0;
    if (!this.#options.yieldWhile?.()) return this.#settings.concurrency;
    return performance.now() - this.#lastLaunch >= this.#settings.pollMs ? 1 : 0;
  }

  /** Claim in batches: while emails are in flight, wait until half the slots are free. */
  #worthClaiming(): boolean {
    return !this.#stopped && (this.#busy() === 0 || this.#slots() - this.#busy() >= this.#settings.refillAt);
  }

  /** Claims as much as capacity allows; concurrent calls coalesce into one more round. */
  #schedule(): Promise<void> {
    if (this.#filling) {
      this.#refill = true;
      return this.#filling;
    }
    // Decided before `#filling` is set: an IIFE that returned without awaiting would clear `#filling` before
    // the assignment below, leaving a settled promise there that blocks every later round.
    if (!this.#worthClaiming()) return Promise.resolve();
    this.#filling = (async () => {
      try {
        do {
          this.#refill = false;
          if (!this.#worthClaiming()) return;
          const wanted = this.#slots() - this.#busy();
          this.#yieldLimited = wanted <= 0;
          this.#launch(await this.#claim(wanted));
        } while (this.#refill);
      } catch (error) {
        this.#yieldLimited = false;
        this.#settings.logger.error('claim_error', { workerId: this.workerId, error: describeError(error) });
      } finally {
        this.#filling = undefined;
      }
    })();
    return this.#filling;
  }

  async #claim(count: number): Promise<Claimed[]> {
    if (count <= 0 || this.#store.closed) return [];
    const rows = await this.#status.claim(count, this.#emails.claimWithBodies);
    this.#emails.claimed(rows, count);
    return rows;
  }

  #launch(claimed: Claimed[]): void {
    if (claimed.length > 0) this.#lastLaunch = performance.now();
    for (const item of claimed) {
      const task = this.#handle(item).finally(() => {
        this.#inFlight.delete(task);
        if (!this.#started || this.#stopped) return;
        // On PGlite every query settles without I/O: claiming straight from here would chain email after email in
        // microtasks and starve the webhook's sockets, so the next claim waits for a turn of the event loop.
        if (this.#settings.yieldsToEventLoop) setImmediate(() => void this.#schedule());
        else void this.#schedule();
      });
      this.#inFlight.add(task);
    }
  }

  /** Why an email is not attempted again, if it is not: its attempts or takeovers were used up by workers that stopped. */
  #usedUp({ record, takeovers }: Claimed): string | null {
    const { policy, maxTakeovers } = this.#settings;
    const attemptsGone = attemptsUsedUp(record.attempts, policy.maxAttempts);
    if (attemptsGone || takeovers <= maxTakeovers) return attemptsGone;
    return `gave up: the worker processing this email stopped mid-attempt ${takeovers} times (lease expired: a crash or a freeze, e.g. a handler blocking the event loop)`;
  }

  async #handle(claimed: Claimed): Promise<void> {
    const { record } = claimed;
    const began = performance.now();
    const elapsed = () => Math.round(performance.now() - began);
    try {
      const gaveUp = this.#usedUp(claimed);
      if (gaveUp) throw new UnprocessableEmailError(gaveUp);
      // The last attempt stalled beside others: run this one alone, so a second stall is pinned on it.
      const attemptIt = () => this.#attemptOnce(claimed, elapsed);
      if (record.lastError?.startsWith('HandlerStallError')) await this.#attempts.alone(attemptIt);
      else await attemptIt();
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.#settings.logger.warn('lease_lost', { id: record.id, workerId: this.workerId });
        return;
      }
      await this.#recordFailure(record, error, elapsed());
    }
  }

  async #attemptOnce(claimed: Claimed, elapsed: () => number): Promise<void> {
    const { record } = claimed;
    const hooks: Array<() => unknown> = [];
    const outcome = await this.#attempts.track(() => this.#processInTransaction(claimed, hooks));
    const fields = {
      id: record.id,
      messageId: record.messageId,
      route: outcome.route ?? null,
      recipient: outcome.recipient ?? null,
      attempt: record.attempts,
    };
    if (outcome.route) this.#emit('routed', fields);
    this.#emit(outcome.status, { ...fields, note: outcome.note ?? null, durationMs: elapsed() });
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        this.#settings.logger.error('after_commit_error', { id: record.id, error: describeError(error) });
      }
    }
  }

  /** Parse, prepare, then the processor in the unit of work that records its outcome (while the lease holds). */
  async #processInTransaction(claimed: Claimed, hooks: Array<() => unknown>): Promise<ProcessOutcome> {
    const { record } = claimed;
    const attempt = record.attempts;
    const parsed = await this.#emails.emailOf(claimed);
    const { prepare, processor } = this.#options;
    const email = prepare
      ? await prepare({ record, email: parsed, attempt, storedBody: () => this.#emails.storedBody(claimed) })
      : parsed;
    if (this.#store.closed) throw new StoreUnavailableError('the store is closed');
    // Begun by the handler's first write (if any) and committed together with the outcome: for a handler that
    // writes nothing, one statement. A handler's own network errors are not relabelled as a database outage.
    const work = await this.#store.unitOfWork();
    try {
      const ctx: ProcessContext = {
        record,
        email,
        attempt,
        tx: work.tx,
        workerId: this.workerId,
        afterCommit: (fn) => void hooks.push(fn),
      };
      const outcome = await this.#attempts.timed(() => processor(ctx));
      if (!outcome || !OUTCOMES.has(outcome.status)) {
        throw new TypeError(`processor returned an invalid outcome: ${JSON.stringify(outcome)}`);
      }
      // The lease keeps other workers off this email (handlers time out before it expires); the outcome is
      // recorded only while we still own it, else everything the handler wrote rolls back.
      if (!(await work.commitIf(this.#status.outcome(record.id, outcome)))) throw new LeaseLostError();
      return outcome;
    } catch (error) {
      await work.rollback().catch(() => undefined);
      throw error;
    }
  }

  async #recordFailure(record: InboundRecord, error: unknown, durationMs: number): Promise<void> {
    const attempt = record.attempts;
    const lastError = describeError(error);
    // A permanent failure (UnprocessableEmailError, a stall pinned on this email, an unsendable reply) would hit
    // the same wall again: failed at once, its reason as the note.
    const decision = decideRetry(attempt, error, this.#settings.policy);
    try {
      const recorded = await this.#store.transaction((tx) =>
        this.#status.fail(tx, record.id, decision, lastError, failureNote(error)),
      );
      if (!recorded) return;
      const fields = { id: record.id, messageId: record.messageId, attempt, error: lastError, durationMs };
      if (decision.final) this.#emit('failed', fields);
      else this.#emit('retry', { ...fields, retryInMs: decision.delayMs });
    } catch (recordError) {
      // The database is gone: the lease runs out and a worker picks the email up again later.
      this.#settings.logger.error('record_failure_error', {
        id: record.id,
        error: lastError,
        cause: describeError(recordError),
        unavailable: recordError instanceof StoreUnavailableError || isUnavailableError(recordError),
      });
    }
  }

  #emit(event: InboxEvent['event'], fields: Omit<InboxEvent, 'event'>): void {
    this.#store.emit(event, { workerId: this.workerId, ...fields }, this.#options.logger);
    this.#options.onEvent?.({ event, workerId: this.workerId, ...fields } as InboxEvent);
  }

  async #incinerate(): Promise<void> {
    try {
      await this.#store.inbox.incinerate({ olderThanDays: this.#options.retention?.days ?? DEFAULT_RETENTION_DAYS });
    } catch (error) {
      this.#settings.logger.error('retention_error', { error: describeError(error) });
    }
  }
}

/** The reason a failed email shows (`note`): the error's message, one line, bounded. */
function failureNote(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
