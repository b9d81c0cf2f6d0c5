import { randomUUID } from 'node:crypto';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeError, inboundEmails, isUnavailableError, StoreUnavailableError } from '../inbox/index.js';
import { createTestStore, type TestStore } from '../testing/store.js';
import { createLeaseQueue, requeueFailed, type LeaseQueueOptions, type LeaseSpec } from './lease.js';

// A table of jobs of the shape every queue has (the lease columns), created for this file only.
const jobs = pgTable('lease_queue_test_jobs', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  status: text('status').notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
  leaseOwner: text('lease_owner'),
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
  lastError: text('last_error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
  await store.db.execute(sql`create table lease_queue_test_jobs (id uuid primary key, name text not null,
    status text not null default 'pending', attempts integer not null default 0, next_attempt_at timestamptz not null default now(),
    lease_owner text, lease_until timestamptz, last_error text, created_at timestamptz not null default now(), finished_at timestamptz)`);
});
afterAll(() => store.close());
beforeEach(() => store.db.delete(jobs));

const queueSpec = {
  table: jobs,
  key: jobs.id,
  waiting: 'pending',
  leased: 'running',
  failed: 'failed',
  tieBreak: [jobs.createdAt],
} satisfies LeaseSpec;
const queueOf = (options: Partial<LeaseQueueOptions<typeof jobs>> = {}) =>
  createLeaseQueue({
    ...queueSpec,
    db: store.db,
    backoff: { baseMs: 0, maxMs: 0 },
    failedColumns: () => ({ finishedAt: sql`now()` }),
    describeError,
    isOutage: isUnavailableError,
    ...options,
  });

async function addJobs(...names: string[]): Promise<string[]> {
  const rows = names.map((name) => ({ id: randomUUID(), name }));
  await store.db.insert(jobs).values(rows);
  return rows.map((row) => row.id);
}
const jobNamed = async (name: string) => (await store.db.select().from(jobs).where(eq(jobs.name, name)))[0]!;
const done = { status: 'done', finishedAt: sql`now()`, lastError: null };

describe('lease queue', () => {
  it('claims due jobs once, leased and counted; a job not yet due waits', async () => {
    await addJobs('a', 'b', 'c');
    await store.db
      .update(jobs)
      .set({ nextAttemptAt: sql`now() + interval '1 hour'` })
      .where(eq(jobs.name, 'c'));
    const queue = queueOf({ workerId: 'w1', leaseMs: 60_000 });
    const claimed = await queue.claim(10);
    expect(claimed.map((j) => j.name).sort()).toEqual(['a', 'b']);
    for (const job of claimed) expect(job).toMatchObject({ status: 'running', leaseOwner: 'w1', attempts: 1 });
    expect(claimed[0]!.leaseUntil!.getTime() - Date.now()).toBeGreaterThan(50_000);
    expect(await queueOf({ workerId: 'w2' }).claim(10)).toEqual([]);
    expect(await queue.finish(claimed, done)).toHaveLength(2);
    expect(await jobNamed('a')).toMatchObject({ status: 'done', leaseOwner: null, leaseUntil: null });
  });

  it('hands claimed jobs out in due order, then by the tie-break columns', async () => {
    const ids = await addJobs('e', 'd', 'c', 'b', 'a');
    for (const [i, id] of ids.entries())
      await store.db
        .update(jobs)
        .set({ nextAttemptAt: sql`now() - ${i} * interval '1 minute'` })
        .where(eq(jobs.id, id));
    // a and b due at the same moment (one statement's now()); b created later, so a comes first.
    await store.db
      .update(jobs)
      .set({ nextAttemptAt: sql`now() - interval '10 minutes'` })
      .where(inArray(jobs.name, ['a', 'b']));
    await store.db
      .update(jobs)
      .set({ createdAt: sql`now() + interval '1 second'` })
      .where(eq(jobs.name, 'b'));
    expect((await queueOf().claim(10)).map((j) => j.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('jobs due at the same moment are handed out in the order they were stored', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `same${String(i).padStart(2, '0')}`);
    await addJobs(...names); // one statement: one now() for every due time and creation time
    expect((await queueOf().claim(30)).map((j) => j.name)).toEqual(names);
  });

  it('two workers claiming at once share the jobs without overlap (SKIP LOCKED)', async () => {
    await addJobs(...Array.from({ length: 40 }, (_, i) => `job${i}`));
    const [first, second] = await Promise.all([
      queueOf({ workerId: 'w1' }).claim(25),
      queueOf({ workerId: 'w2' }).claim(25),
    ]);
    const ids = [...first, ...second].map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
  });

  it('takes over a job whose lease ran out; the worker that lost it can no longer finish or fail it', async () => {
    await addJobs('stuck');
    const crashed = queueOf({ workerId: 'crashed', leaseMs: 50 });
    const [job] = await crashed.claim(1);
    expect(await queueOf({ workerId: 'other' }).claim(1)).toEqual([]); // still leased
    await new Promise((resolve) => setTimeout(resolve, 80));
    const other = queueOf({ workerId: 'other' });
    const [taken] = await other.claim(1);
    expect(taken).toMatchObject({ id: job!.id, leaseOwner: 'other', attempts: 2 });
    expect(await crashed.finish([job!], done)).toEqual([]);
    expect(await crashed.fail([job!], new Error('late'))).toEqual([]);
    await store.transaction(async (tx) => expect(await crashed.holds(job!, tx)).toBe(false));
    await store.transaction(async (tx) => expect(await other.holds(taken!, tx)).toBe(true));
    expect(await other.finish([taken!], done)).toHaveLength(1);
  });

  it('a poison pill (always throws) ends failed after maxAttempts with its reason; every other job is done', async () => {
    await addJobs('poison', 'a', 'b', 'c');
    const queue = queueOf({ maxAttempts: 3 });
    const ran: string[] = [];
    const loop = queue.loop({
      pollMs: 1000,
      claimLimit: 2,
      onError: (error) => {
        throw error;
      },
      handle: async (rows) => {
        for (const job of rows) {
          await queue.attempt(job, async () => {
            ran.push(job.name);
            if (job.name === 'poison') throw new Error('this job always breaks');
            await queue.finish([job], done);
          });
        }
      },
    });
    await loop.drain();
    expect(ran.filter((name) => name === 'poison')).toHaveLength(3);
    const poison = await jobNamed('poison');
    expect(poison).toMatchObject({ status: 'failed', attempts: 3, leaseOwner: null });
    expect(poison.lastError).toMatch(/^Error: this job always breaks/);
    expect(poison.finishedAt).not.toBeNull();
    const rest = await store.db
      .select()
      .from(jobs)
      .where(sql`${jobs.name} <> 'poison'`)
      .orderBy(asc(jobs.name));
    expect(rest.map((j) => j.status)).toEqual(['done', 'done', 'done']);
  });

  it('a retry waits its backoff behind the others; a permanent error fails at once', async () => {
    await addJobs('flaky', 'broken');
    const queue = queueOf({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const [flaky, broken] = (await queue.claim(2)).sort((x, y) => x.name.localeCompare(y.name)).reverse();
    const [retry] = await queue.fail([flaky!], new Error('try later'));
    expect(retry!.decision).toMatchObject({ final: false });
    const [aside] = await queue.fail([broken!], Object.assign(new Error('never'), { permanent: true }));
    expect(aside!.decision).toEqual({ final: true });
    const due = await jobNamed('flaky');
    expect(due).toMatchObject({ status: 'pending', leaseOwner: null, lastError: expect.stringMatching(/try later/) });
    expect(due.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(25_000);
    expect(await jobNamed('broken')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await queue.claim(5)).toEqual([]);
    // Set aside, not lost: a requeue (after a fix) makes it due now with fresh attempts; only a failed job requeues.
    expect(await requeueFailed(store.db, queueSpec, broken!.id, { finishedAt: null })).toBe(true);
    expect(await requeueFailed(store.db, queueSpec, flaky!.id)).toBe(false);
    expect(await queue.claim(5)).toMatchObject([
      { name: 'broken', attempts: 1, status: 'running', lastError: null, finishedAt: null },
    ]);
  });

  it('a job whose attempts were used up by workers that stopped is set aside without running', async () => {
    const [id] = await addJobs('crashes-every-time');
    await store.db.update(jobs).set({ attempts: 2 }).where(eq(jobs.id, id!));
    const queue = queueOf({ maxAttempts: 2 });
    const [job] = await queue.claim(1);
    let ran = false;
    const failure = await queue.attempt(job!, async () => void (ran = true));
    expect(ran).toBe(false);
    expect(failure!.decision).toEqual({ final: true });
    expect(await jobNamed('crashes-every-time')).toMatchObject({
      status: 'failed',
      lastError: expect.stringMatching(/gave up/),
    });
  });

  it('a database outage is rethrown, not recorded: the lease brings the job back', async () => {
    await addJobs('outage');
    const queue = queueOf();
    const [job] = await queue.claim(1);
    await expect(queue.attempt(job!, () => Promise.reject(new StoreUnavailableError('down')))).rejects.toThrow('down');
    expect(await jobNamed('outage')).toMatchObject({ status: 'running', lastError: null });
  });

  it('refuses a key that is not a column of the table, and a status that could not be written into SQL', () => {
    expect(() => queueOf({ key: inboundEmails.id })).toThrow(/key/);
    expect(() => queueOf({ waiting: "x' or 1=1" })).toThrow(/status/);
  });
});
