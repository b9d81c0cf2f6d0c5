import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Queryable } from '../inbox/index.js';
import {
  createPollLoop,
  attemptsUsedUp,
  decideRetry,
  defaultWorkerId,
  type PollLoop,
  type RetryDecision,
  type RetryPolicy,
} from './poll-loop.js';

/** The columns every table of leased jobs has (same property names in each: the inbox, the outbox, the events…). */
export interface LeaseColumns {
  status: PgColumn;
  attempts: PgColumn;
  nextAttemptAt: PgColumn;
  leaseOwner: PgColumn;
  leaseUntil: PgColumn;
  lastError: PgColumn;
}
export type LeaseTable = PgTable & LeaseColumns;

/** Which table, which of its statuses mean "waiting", "leased" and "set aside", and how to break due-time ties. */
export interface LeaseSpec<T extends LeaseTable = LeaseTable> {
  table: T;
  /** The job's primary key column. */
  key: PgColumn;
  /** Jobs due when `next_attempt_at <= now()` (e.g. `pending`, `queued`). */
  waiting: string;
  /** Jobs leased to a worker until `lease_until` (e.g. `processing`, `sending`); an expired one is taken over. */
  leased: string;
  /** Jobs set aside for good (`failed`): a permanent error, or their attempts used up. */
  failed: string;
  /** Columns ordering waiting jobs with the same due time (e.g. `created_at`). */
  tieBreak?: PgColumn[];
}

/**
 * `now() + ms`: the one way every queue writes a due time or the end of a lease (a number of milliseconds,
 * whatever the driver; no interval strings).
 */
export function msFromNow(ms: number): SQL {
  return sql`now() + ${Math.max(0, Math.round(ms))} * interval '1 millisecond'`;
}

/**
 * The keys of up to `limit` claimable jobs, locked (`FOR UPDATE SKIP LOCKED`, so several workers share a queue):
 * leases that ran out first (their worker stopped; they were due before anything waiting now), then the waiting
 * jobs that are due, oldest first. Each branch walks its own partial index (`status = leased` on `lease_until`,
 * `status = waiting` on `next_attempt_at`) and stops after `limit` unlocked rows: one OR'd condition would make
 * PostgreSQL scan and sort the whole backlog on every claim. Statuses and limit are written in, so a prepared
 * statement keeps a plan that uses those indexes. Ties are broken by the row's place in the table (`ctid`): the
 * order jobs due at the same moment were stored in.
 */
export function claimCandidates(spec: LeaseSpec, limit: number): SQL {
  const { table, key } = spec;
  const n = sql.raw(String(Math.max(1, Math.floor(limit))));
  const ties = (spec.tieBreak ?? []).map((column) => sql`, ${column}`);
  const expired = sql`select ${key} from ${table} where ${table.status} = ${literal(spec.leased)} and ${table.leaseUntil} < now()
    order by ${table.leaseUntil}, ctid limit ${n} for update skip locked`;
  const due = sql`select ${key} from ${table} where ${table.status} = ${literal(spec.waiting)} and ${table.nextAttemptAt} <= now()
    order by ${table.nextAttemptAt}${sql.join(ties)}, ctid limit ${n} for update skip locked`;
  return sql`select * from (${expired}) expired union all select * from (${due}) due limit ${n}`;
}

/** What a claim sets: leased to `workerId` for `leaseMs`, one more attempt (counted before the work, so a crash counts). */
export function leaseFields(spec: LeaseSpec, workerId: string, leaseMs: number) {
  return {
    status: spec.leased,
    leaseOwner: workerId,
    leaseUntil: msFromNow(leaseMs),
    attempts: sql`${spec.table.attempts} + 1`,
  };
}

/** A failed attempt's row: waiting again after `delayMs`, or set aside (`failed`); the lease is given up either way. */
export function failureFields(spec: LeaseSpec, decision: RetryDecision, lastError: string) {
  const released = { leaseOwner: null, leaseUntil: null, lastError };
  return decision.final
    ? { ...released, status: spec.failed }
    : { ...released, status: spec.waiting, nextAttemptAt: msFromNow(decision.delayMs) };
}

/** The rows with these keys that are still leased to `workerId` (a worker whose lease was taken over writes nothing). */
export function stillLeased(spec: LeaseSpec, keys: SQL, workerId: string): SQL | undefined {
  return and(sql`${spec.key} in ${keys}`, eq(spec.table.status, spec.leased), eq(spec.table.leaseOwner, workerId));
}

/**
 * Puts a job set aside (`failed`) back in the queue, due now with its attempts reset (after a fix), plus `columns`
 * (e.g. clearing when it finished); false when there is no such failed job.
 */
export async function requeueFailed(
  db: Queryable,
  spec: LeaseSpec,
  key: unknown,
  columns: Record<string, unknown> = {},
): Promise<boolean> {
  const requeued = {
    ...columns,
    status: spec.waiting,
    attempts: 0,
    nextAttemptAt: sql`now()`,
    lastError: null,
    leaseOwner: null,
    leaseUntil: null,
  };
  const updated = await db
    .update(spec.table)
    .set(requeued as PgUpdateSetSource<LeaseTable>)
    .where(and(eq(spec.key, key), eq(spec.table.status, spec.failed)))
    .returning({ key: spec.key });
  return updated.length > 0;
}

/** A status (or other constant) written into the statement rather than passed: what lets a partial index match. */
function literal(value: string): SQL {
  if (!/^[a-z_]+$/.test(value))
    throw new RangeError(`lease queue: a status is lowercase letters and _, got ${JSON.stringify(value)}`);
  return sql.raw(`'${value}'`);
}

/** What a queue's user may tune: who holds leases, how long, how many attempts, how far apart. */
export interface LeaseQueueTuning {
  workerId?: string;
  /** How long a claim holds before another worker may take the job over (default 5 min). */
  leaseMs?: number;
  /** Attempts before a job is set aside as `failed` (default 8). */
  maxAttempts?: number;
  /** Delay before attempt n+1: min(maxMs, baseMs·2^(n-1)), jittered to 50–100 % (default 30 s … 1 h). */
  backoff?: { baseMs?: number; maxMs?: number };
}

/** Just the tuning of a loop's options (which carry more): what it passes on to its queue. */
export function leaseTuning({ workerId, leaseMs, maxAttempts, backoff }: LeaseQueueTuning): LeaseQueueTuning {
  return { workerId, leaseMs, maxAttempts, backoff };
}

export interface LeaseQueueOptions<T extends LeaseTable> extends LeaseSpec<T>, LeaseQueueTuning {
  db: Queryable;
  /** Further columns a job set aside gets (e.g. `{ processedAt: sql\`now()\` }`). */
  failedColumns?: () => Record<string, unknown>;
  /** The error as stored in `last_error` (e.g. core's `describeError`). */
  describeError: (error: unknown) => string;
  /** Errors that are the database's trouble, not the job's (e.g. `isUnavailableError`): rethrown, never recorded. */
  isOutage?: (error: unknown) => boolean;
}

/** A failed attempt as `fail` recorded it: the job, what was decided, the error stored. */
export interface RecordedFailure<Row> {
  row: Row;
  decision: RetryDecision;
  lastError: string;
}

/** A table of jobs under leases: claim, finish, fail (retry with backoff, or set aside), and a loop. */
export interface LeaseQueue<Row> {
  readonly workerId: string;
  readonly leaseMs: number;
  readonly policy: RetryPolicy;
  /** Up to `limit` due jobs (or expired leases), now leased to this worker, attempts counted. */
  claim(limit: number, db?: Queryable): Promise<Row[]>;
  /** Sets `columns` on those of `rows` still leased to this worker, lease cleared; returns the rows updated. */
  finish(rows: readonly Row[], columns: Record<string, unknown>, db?: Queryable): Promise<Row[]>;
  /**
   * Records a failed attempt of each of `rows` (still leased to this worker): set aside when `error` is permanent,
   * `final` says so or its attempts are used up, else due again after the backoff (at least `minDelayMs`).
   */
  fail(
    rows: readonly Row[],
    error: unknown,
    options?: { final?: boolean; minDelayMs?: number; db?: Queryable },
  ): Promise<Array<RecordedFailure<Row>>>;
  /** Locks the row in `db` (a transaction) and answers whether it is still leased to this worker (else: taken over). */
  holds(row: Row, db: Queryable): Promise<boolean>;
  /** The permanent error for a job claimed after its attempts were used up by workers that stopped, or null. */
  usedUp(row: Row): Error | null;
  /**
   * Runs `work` for one claimed job, poison-pill safe: a job whose attempts were used up is set aside without
   * running; a throw is recorded (`fail`); an outage (`isOutage`) is rethrown (the lease brings the job back).
   * Resolves to the failure recorded, or null when `work` went through.
   */
  attempt(row: Row, work: () => Promise<void>): Promise<RecordedFailure<Row> | null>;
  /** A poll loop whose rounds claim up to `claimLimit` jobs and hand them to `handle`. */
  loop(options: {
    pollMs: number;
    claimLimit: number;
    handle: (rows: Row[]) => Promise<void>;
    onError: (error: unknown) => void;
  }): PollLoop;
}

/**
 * One lease queue over a table of jobs (see LeaseColumns): the claim/lease/backoff/bounded-attempts machinery
 * every background loop of the Mailroom shares (the outbox deliverer, the event dispatcher, the inbound worker's
 * statements, the lists fan-out).
 *
 * @example
 * ```ts
 * const queue = createLeaseQueue({ db: store.db, table: jobs, key: jobs.id, waiting: 'pending', leased: 'running',
 *   failed: 'failed', describeError, isOutage: isUnavailableError });
 * const loop = queue.loop({ pollMs: 1000, claimLimit: 50, onError: console.error, handle: async (rows) => {
 *   for (const row of rows) await queue.attempt(row, async () => {
 *     await work(row);
 *     await queue.finish([row], { status: 'done' });
 *   });
 * } });
 * loop.start();
 * ```
 */
export function createLeaseQueue<T extends LeaseTable>(options: LeaseQueueOptions<T>): LeaseQueue<T['$inferSelect']> {
  type Row = T['$inferSelect'];
  const { table } = options;
  const workerId = options.workerId ?? defaultWorkerId();
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const policy: RetryPolicy = {
    maxAttempts: Math.max(1, options.maxAttempts ?? 8),
    backoff: { baseMs: options.backoff?.baseMs ?? 30_000, maxMs: options.backoff?.maxMs ?? 3_600_000 },
  };
  for (const status of [options.waiting, options.leased, options.failed]) literal(status);
  const columns = Object.entries(getTableColumns(table));
  const nameOf = (wanted: PgColumn, what: string) => {
    const name = columns.find(([, column]) => column === wanted)?.[0];
    if (!name) throw new RangeError(`lease queue: \`${what}\` must name columns of \`table\``);
    return name;
  };
  const keyName = nameOf(options.key, 'key');
  const keyOf = (row: Row) => (row as Record<string, unknown>)[keyName];
  const keys = (rows: readonly Row[]) =>
    sql`(${sql.join(
      rows.map((row) => sql`${keyOf(row)}`),
      sql`, `,
    )})`;
  const update = (db: Queryable, columns: Record<string, unknown>, where: SQL | undefined): Promise<Row[]> =>
    db
      .update(table)
      .set(columns as PgUpdateSetSource<T>)
      .where(where)
      .returning() as Promise<Row[]>;

  // The UPDATE returns its rows in no particular order: each candidate's place in the claim's order comes back
  // with it, so jobs are handed out in due order (ties: the order they were stored in).
  const claimInOrder = async (db: Queryable, limit: number): Promise<Row[]> => {
    const picked = sql`(select key, row_number() over () as place from (${claimCandidates(options, limit)}) candidates (key)) picked`;
    const rows = (await db
      .update(table)
      .set(leaseFields(options, workerId, leaseMs) as PgUpdateSetSource<T>)
      .from(picked)
      .where(sql`${options.key} = picked.key`)
      .returning({ ...getTableColumns(table), claimPlace: sql<number>`picked.place`.mapWith(Number) })) as Array<
      Row & { claimPlace: number }
    >;
    return rows.sort((a, b) => a.claimPlace - b.claimPlace).map(({ claimPlace: _, ...row }) => row as Row);
  };

  const queue: LeaseQueue<Row> = {
    workerId,
    leaseMs,
    policy,
    claim: (limit, db = options.db) => claimInOrder(db, limit),
    async finish(rows, columns, db = options.db) {
      if (rows.length === 0) return [];
      return update(db, { ...columns, leaseOwner: null, leaseUntil: null }, stillLeased(options, keys(rows), workerId));
    },
    async fail(rows, error, { final = false, minDelayMs = 0, db = options.db } = {}) {
      const lastError = options.describeError(error);
      const recorded: Array<RecordedFailure<Row>> = [];
      for (const row of rows) {
        const attempts = Number((row as { attempts?: unknown }).attempts);
        const decision = final ? ({ final: true } as const) : decideRetry(attempts, error, policy, minDelayMs);
        const columns = {
          ...failureFields(options, decision, lastError),
          ...(decision.final ? options.failedColumns?.() : {}),
        };
        const [updated] = await update(db, columns, stillLeased(options, keys([row]), workerId));
        if (updated) recorded.push({ row, decision, lastError });
      }
      return recorded;
    },
    async holds(row, db) {
      const held = await db
        .select({ key: options.key })
        .from(table as PgTable)
        .where(stillLeased(options, keys([row]), workerId))
        .for('update');
      return held.length > 0;
    },
    usedUp(row) {
      const reason = attemptsUsedUp(Number((row as { attempts?: unknown }).attempts), policy.maxAttempts);
      return reason ? Object.assign(new Error(reason), { permanent: true }) : null;
    },
    async attempt(row, work) {
      try {
        const usedUp = queue.usedUp(row);
        if (usedUp) throw usedUp;
        await work();
        return null;
      } catch (error) {
        if (options.isOutage?.(error)) throw error;
        const [recorded] = await queue.fail([row], error);
        return recorded ?? null;
      }
    },
    loop: ({ pollMs, claimLimit, handle, onError }) =>
      createPollLoop({
        pollMs,
        onError,
        round: async () => {
          const rows = await queue.claim(claimLimit);
          if (rows.length > 0) await handle(rows);
          return rows.length;
        },
      }),
  };
  return queue;
}
