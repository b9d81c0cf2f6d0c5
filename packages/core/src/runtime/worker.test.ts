import { setTimeout as sleep } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blobsTable,
  inboundEmails,
  openStore,
  rowsOf,
  runOnce,
  silentLogger,
  type InboxEvent,
  type Store,
} from '../inbox/index.js';
import { UnprocessableEmailError } from '../message/index.js';
import { storablePost, uniqueDescription } from '../inbox/test-support/posts.js';
import { createTestStore, type TestStore } from '../testing/store.js';
import { createWorker, type ProcessContext, type Processor } from './index.js';

let store: TestStore;
const events: InboxEvent[] = [];

beforeAll(async () => {
  store = await createTestStore();
  await store.db.execute(
    sql`create table if not exists handler_writes (email_id uuid not null, attempt int not null, worker text not null)`,
  );
});
afterAll(() => store?.close());

async function writesFor(id: string): Promise<Array<{ attempt: number; worker: string }>> {
  return rowsOf(
    await store.db.execute(sql`select attempt, worker from handler_writes where email_id = ${id} order by attempt`),
  );
}
const recordWrite = (ctx: ProcessContext) =>
  ctx.tx.execute(
    sql`insert into handler_writes (email_id, attempt, worker) values (${ctx.record.id}, ${ctx.attempt}, ${ctx.workerId})`,
  );

async function ingest(extra = {}) {
  return (await store.inbox.ingest(await storablePost(uniqueDescription(extra)))).id;
}

describe('worker', () => {
  it('processes an email right after kick, recording outcome, route and events', async () => {
    const seen: ProcessContext[] = [];
    const committed: string[] = [];
    const worker = createWorker({
      store,
      onEvent: (e) => events.push(e),
      processor: async (ctx) => {
        seen.push(ctx);
        await recordWrite(ctx);
        ctx.afterCommit(async () => {
          // After commit the outcome is visible from outside the transaction.
          committed.push((await store.inbox.get(ctx.record.id))!.status);
        });
        return { status: 'delivered', route: 'support', recipient: 'support@in.example.com', note: 'ticket 7' };
      },
    });
    const id = await ingest({ to: 'support@in.example.com' });
    worker.kick(id);
    await expect.poll(async () => (await store.inbox.get(id))!.status, { timeout: 5000 }).toBe('delivered');
    await worker.stop();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.attempt).toBe(1);
    expect(seen[0]!.email.envelope.to).toEqual(['support@in.example.com']);
    expect(committed).toEqual(['delivered']);
    expect(await store.inbox.get(id)).toMatchObject({
      status: 'delivered',
      route: 'support',
      recipient: 'support@in.example.com',
      note: 'ticket 7',
      attempts: 1,
      leaseOwner: null,
      lastError: null,
    });
    expect((await store.inbox.get(id))!.processedAt).toBeInstanceOf(Date);
    expect(await writesFor(id)).toHaveLength(1);
    const mine = events.filter((e) => e.id === id).map((e) => e.event);
    expect(mine).toEqual(['routed', 'delivered']);
    expect(events.find((e) => e.id === id && e.event === 'delivered')!.durationMs).toEqual(expect.any(Number));
  });

  it('drains a backlog larger than its concurrency, claiming in batches, each email exactly once', async () => {
    const ids = await Promise.all(Array.from({ length: 13 }, () => ingest()));
    const worker = createWorker({
      store,
      concurrency: 3,
      processor: async (ctx) => {
        await sleep(Math.floor(Math.random() * 15)); // handlers finish out of order, one slot at a time
        await recordWrite(ctx);
        return { status: 'delivered' };
      },
    });
    worker.start();
    await worker.drain();
    await worker.stop();
    for (const id of ids) {
      expect((await store.inbox.get(id))!.status).toBe('delivered');
      expect(await writesFor(id)).toHaveLength(1);
    }
  });

  it('starts one email per pollMs while yieldWhile says so, and uses its full concurrency once it does not', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => ingest()));
    let yielding = true;
    let running = 0;
    let processed = 0;
    const startedWhileYielding: number[] = [];
    const peak = { yielding: 0, free: 0 };
    const pollMs = 120;
    const worker = createWorker({
      store,
      concurrency: 4,
      pollMs,
      yieldWhile: () => yielding,
      processor: async (ctx) => {
        running++;
        const phase = yielding ? 'yielding' : 'free';
        if (yielding) startedWhileYielding.push(performance.now());
        peak[phase] = Math.max(peak[phase], running);
        await sleep(15);
        await recordWrite(ctx);
        running--;
        if (++processed === 3) yielding = false;
        return { status: 'delivered' };
      },
    });
    worker.start();
    await worker.drain();
    await worker.stop();
    // Progress while yielding, but paced: one email per pollMs, never two at once.
    expect(startedWhileYielding).toHaveLength(3);
    for (let i = 1; i < startedWhileYielding.length; i++) {
      // Paced from launch to launch; the processor starts a little after its launch, by a varying amount.
      expect(startedWhileYielding[i]! - startedWhileYielding[i - 1]!).toBeGreaterThanOrEqual(pollMs * 0.75);
    }
    expect(peak.yielding).toBe(1);
    // PGlite is one connection: its transactions, and so its handlers, never overlap.
    if (store.dialect === 'postgres') expect(peak.free).toBeGreaterThan(1);
    for (const id of ids) expect((await store.inbox.get(id))!.status).toBe('delivered');
  });

  it('parses stored bytes with its `parse` option (the Mailroom passes its ingress limits there)', async () => {
    const id = await ingest({ subject: 'parsed by the option' });
    const parsedWith: string[] = [];
    const subjects: string[] = [];
    const worker = createWorker({
      store,
      parse: async (body, contentType) => {
        parsedWith.push(contentType);
        return store.inbox.parseStored(body, contentType);
      },
      processor: async (ctx) => {
        subjects.push(ctx.email.subject);
        return { status: 'delivered' };
      },
    });
    worker.start();
    await worker.drain();
    await worker.stop();
    expect(subjects).toContain('parsed by the option');
    expect(parsedWith).toContain((await store.inbox.get(id))!.contentType);
  });

  it('rolls back the handler writes on throw, retries with backoff, then fails keeping the error', async () => {
    const id = await ingest();
    let calls = 0;
    const local: InboxEvent[] = [];
    const hooks: string[] = [];
    const worker = createWorker({
      store,
      maxAttempts: 3,
      backoff: { baseMs: 300, maxMs: 300 },
      onEvent: (e) => local.push(e),
      processor: async (ctx) => {
        calls += 1;
        await recordWrite(ctx);
        ctx.afterCommit(() => hooks.push('ran'));
        throw new Error(`handler broke on attempt ${ctx.attempt}`);
      },
    });
    await worker.drain();
    expect(await store.inbox.get(id)).toMatchObject({ status: 'pending', attempts: 1 });
    const pending = (await store.inbox.get(id))!;
    expect(pending.lastError).toMatch(/^Error: handler broke on attempt 1\n\s*at /);
    expect(pending.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
    await expect
      .poll(
        async () => {
          await worker.drain();
          return (await store.inbox.get(id))!.status;
        },
        { timeout: 5000, interval: 50 },
      )
      .toBe('failed');
    await worker.stop();
    expect(calls).toBe(3);
    const failed = (await store.inbox.get(id))!;
    expect(failed).toMatchObject({ attempts: 3, leaseOwner: null, nextAttemptAt: null });
    expect(failed.lastError).toContain('handler broke on attempt 3');
    expect(failed.processedAt).toBeInstanceOf(Date);
    expect(await writesFor(id)).toEqual([]);
    expect(hooks).toEqual([]);
    expect(local.filter((e) => e.id === id).map((e) => e.event)).toEqual(['retry', 'retry', 'failed']);
  });

  it('treats an invalid outcome as a failure', async () => {
    const id = await ingest();
    const worker = createWorker({ store, maxAttempts: 1, processor: async () => ({ status: 'done' }) as never });
    await worker.drain();
    expect(await store.inbox.get(id)).toMatchObject({ status: 'failed' });
    expect((await store.inbox.get(id))!.lastError).toContain('invalid outcome');
  });

  it('times out a hung handler: its writes roll back, ingest is not blocked, and the email is retried', async () => {
    const id = await ingest();
    let calls = 0;
    const worker = createWorker({
      store,
      maxAttempts: 2,
      handlerTimeoutMs: 300,
      backoff: { baseMs: 1, maxMs: 1 },
      processor: async (ctx) => {
        calls += 1;
        await recordWrite(ctx);
        if (calls === 1) await sleep(60_000); // hangs, holding its transaction
        return { status: 'delivered' };
      },
    });
    const draining = worker.drain();
    await sleep(100);
    // While the handler hangs the store still takes mail (on PGlite, one connection, this waited for the handler).
    const other = await ingest();
    await draining;
    await worker.drain();
    expect(await store.inbox.get(id)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect((await writesFor(id)).map((w) => w.attempt)).toEqual([2]);
    expect(await store.inbox.get(other)).toMatchObject({ status: 'delivered' });
  });

  it('processes a replayed email again and honours a reroute', async () => {
    const id = await ingest();
    const routes: Array<string | null> = [];
    const processor: Processor = async (ctx) => {
      routes.push(ctx.record.forcedRoute);
      return ctx.record.forcedRoute ? { status: 'delivered', route: ctx.record.forcedRoute } : { status: 'unrouted' };
    };
    const worker = createWorker({ store, processor });
    await worker.drain();
    expect(await store.inbox.get(id)).toMatchObject({ status: 'unrouted', route: null });
    expect(await store.inbox.replay(id, { route: 'billing' })).toBe(1);
    await worker.drain();
    expect(await store.inbox.get(id)).toMatchObject({ status: 'delivered', route: 'billing', attempts: 1 });
    expect(routes).toEqual([null, 'billing']);
  });

  it('takes over an email whose worker died once its lease expired, counting the attempt', async () => {
    const id = await ingest();
    await store.db
      .update(inboundEmails)
      .set({
        status: 'processing',
        leaseOwner: 'dead-worker',
        attempts: 1,
        leaseUntil: sql`now() + interval '1500 milliseconds'`,
      })
      .where(eq(inboundEmails.id, id));
    const attempts: number[] = [];
    const worker = createWorker({
      store,
      processor: async (ctx) => (attempts.push(ctx.attempt), { status: 'ignored' }),
    });
    await worker.drain();
    expect(attempts).toEqual([]); // lease still held
    await sleep(1600);
    await worker.drain();
    expect(attempts).toEqual([2]);
    expect(await store.inbox.get(id)).toMatchObject({ status: 'ignored', attempts: 2 });
  });

  it('reserves a slot for an email being stored, processes it born leased without a claim, and gives unused slots back', async () => {
    const seen: Array<{ attempt: number; sameEmail: boolean; status: string | undefined }> = [];
    const post = await storablePost(uniqueDescription());
    const worker = createWorker({
      store,
      concurrency: 2,
      workerId: 'reserving-worker',
      processor: async (ctx) => {
        // Inside the handler the row is leased to this worker, as after a claim.
        const row = await ctx.tx.select().from(inboundEmails).where(eq(inboundEmails.id, ctx.record.id));
        seen.push({ attempt: ctx.attempt, sameEmail: ctx.email === post.email, status: row[0]?.status });
        return { status: 'delivered' };
      },
    });
    expect(worker.reserve()).toBeNull(); // not started
    worker.start();
    await worker.drain();
    const first = worker.reserve()!;
    const second = worker.reserve()!;
    expect(first).toEqual({ owner: 'reserving-worker', ms: 300_000 });
    expect(worker.reserve()).toBeNull(); // both slots promised
    worker.release(second);
    expect(() => worker.take(second, {} as never, post.email)).toThrow(/unknown reservation/);

    const { id, record } = await store.inbox.ingest(post, { lease: first });
    worker.take(first, record, post.email);
    await worker.drain();
    expect(seen).toEqual([{ attempt: 1, sameEmail: true, status: 'processing' }]);
    expect(await store.inbox.get(id)).toMatchObject({ status: 'delivered', attempts: 1, leaseOwner: null });

    // stop() waits for a reservation still out (an ingest in progress), then for the email it became.
    const third = worker.reserve()!;
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);
    const late = await storablePost(uniqueDescription());
    const stored = await store.inbox.ingest(late, { lease: third });
    worker.take(third, stored.record, late.email);
    await stopping;
    expect(await store.inbox.get(stored.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(worker.reserve()).toBeNull(); // stopped
  });

  it('takes over a row born leased to a worker that died before processing it, once the lease runs out', async () => {
    const { id } = await store.inbox.ingest(await storablePost(uniqueDescription()), {
      lease: { owner: 'died-after-ingest', ms: 1000 },
    });
    const attempts: number[] = [];
    const worker = createWorker({
      store,
      processor: async (ctx) => (attempts.push(ctx.attempt), { status: 'delivered' }),
    });
    await worker.drain();
    expect(attempts).toEqual([]); // its lease still holds
    await sleep(1100);
    await worker.drain();
    expect(attempts).toEqual([2]);
    expect(await store.inbox.get(id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('runOnce skips an effect that already committed when the email is processed again', async () => {
    const id = await ingest();
    let effects = 0;
    const results: unknown[] = [];
    const worker = createWorker({
      store,
      processor: async (ctx) => {
        results.push(await runOnce(ctx.tx, `ticket:${ctx.record.id}`, async () => ({ ticket: ++effects })));
        return { status: 'delivered' };
      },
    });
    await worker.drain();
    await store.inbox.replay(id);
    await worker.drain();
    expect(effects).toBe(1);
    expect(results).toEqual([{ ticket: 1 }, { ticket: 1 }]);
  });

  it('runOnce records nothing when the effect throws', async () => {
    const key = `boom:${Date.now()}`;
    let runs = 0;
    await store.transaction(async (tx) => {
      await expect(
        runOnce(tx, key, async () => {
          runs += 1;
          throw new Error('nope');
        }),
      ).rejects.toThrow('nope');
      expect(
        await runOnce(tx, key, async () => {
          runs += 1;
          return 'second';
        }),
      ).toBe('second');
    });
    expect(await runOnce(store.db, key, async () => 'third')).toBe('second');
    expect(runs).toBe(2);
  });

  it('incinerates on a schedule when retention is configured', async () => {
    const id = await ingest();
    const worker = createWorker({
      store,
      pollMs: 20,
      retention: { days: 0, intervalMs: 50 },
      processor: async () => ({ status: 'delivered' }),
    });
    worker.start();
    worker.kick(id);
    await expect.poll(async () => (await store.inbox.get(id))!.incineratedAt, { timeout: 5000 }).toBeInstanceOf(Date);
    await worker.stop();
    expect(await store.inbox.get(id)).toMatchObject({ status: 'delivered' });
    expect(await store.inbox.loadPost(id)).toBeNull();
  });
});

/** Keeps the event loop busy for `ms` without yielding: a handler stuck in a regex or a tight loop. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spinning on purpose
  }
}

describe('worker and poison pills', () => {
  const statusOf = async (id: string) => (await store.inbox.get(id))!;
  const fast = { backoff: { baseMs: 1, maxMs: 1 } };
  /** Drains until every given email left pending/processing (backoff of 1 ms: retries are due at once). */
  async function settle(worker: ReturnType<typeof createWorker>, ids: string[]) {
    await expect
      .poll(
        async () => {
          await worker.drain();
          const statuses = await Promise.all(ids.map(async (id) => (await statusOf(id)).status));
          return statuses.every((s) => s !== 'pending' && s !== 'processing');
        },
        { timeout: 20_000, interval: 20 },
      )
      .toBe(true);
  }

  it('an UnprocessableEmailError fails the email at once, its message as note; the others are processed', async () => {
    const poison = await ingest();
    const others = [await ingest(), await ingest()];
    const calls = new Map<string, number>();
    const worker = createWorker({
      store,
      ...fast,
      processor: async (ctx) => {
        calls.set(ctx.record.id, (calls.get(ctx.record.id) ?? 0) + 1);
        if (ctx.record.id === poison) throw new UnprocessableEmailError('attachment of 90 MB is over the 50 MB limit');
        return { status: 'delivered' };
      },
    });
    await settle(worker, [poison, ...others]);
    expect(await statusOf(poison)).toMatchObject({
      status: 'failed',
      attempts: 1,
      note: 'attachment of 90 MB is over the 50 MB limit',
    });
    expect((await statusOf(poison)).lastError).toMatch(/^UnprocessableEmailError: attachment/);
    expect(calls.get(poison)).toBe(1);
    for (const id of others) expect(await statusOf(id)).toMatchObject({ status: 'delivered' });
  });

  for (const synchronous of [false, true]) {
    it(`a handler that always throws (${synchronous ? 'synchronously' : 'rejecting'}) fails after maxAttempts with its reason; the others are processed`, async () => {
      const poison = await ingest();
      const others = [await ingest(), await ingest(), await ingest()];
      const processor: Processor = synchronous
        ? (ctx: ProcessContext) => {
            if (ctx.record.id === poison) throw new Error('poison pill, thrown synchronously');
            return Promise.resolve({ status: 'delivered' as const });
          }
        : async (ctx) => {
            await recordWrite(ctx);
            if (ctx.record.id === poison) throw new Error('poison pill, rejected');
            return { status: 'delivered' };
          };
      const worker = createWorker({ store, maxAttempts: 3, ...fast, processor });
      await settle(worker, [poison, ...others]);
      const failed = await statusOf(poison);
      expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
      expect(failed.note).toMatch(/^poison pill/);
      for (const id of others) expect(await statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1 });
    });
  }

  it('stored bytes that cannot be parsed fail the email at once (no retries); the others are processed', async () => {
    const poison = await ingest();
    const other = await ingest();
    const row = (
      await store.db.select({ key: inboundEmails.bodyBlobKey }).from(inboundEmails).where(eq(inboundEmails.id, poison))
    )[0]!;
    const parse = async (body: Buffer, contentType: string) => {
      if (body.toString('latin1').includes('garbage')) throw new Error('multipart body has no closing boundary');
      return store.inbox.parseStored(body, contentType);
    };
    if (store.blobs.kind === 'database') {
      await store.db
        .update(blobsTable)
        .set({ bytes: Buffer.from('garbage, not multipart') })
        .where(eq(blobsTable.key, row.key!));
    }
    let calls = 0;
    const worker = createWorker({ store, ...fast, parse, processor: async () => (calls++, { status: 'delivered' }) });
    await settle(worker, [poison, other]);
    if (store.blobs.kind !== 'database') return;
    expect(await statusOf(poison)).toMatchObject({
      status: 'failed',
      attempts: 1,
      note: 'the stored post cannot be parsed: multipart body has no closing boundary',
    });
    expect(await statusOf(other)).toMatchObject({ status: 'delivered' });
    expect(calls).toBe(1);
  });

  it('a re-parse that fails on the machine (ENOSPC) is retried, not failed', async () => {
    const id = await ingest();
    const parse = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    };
    const worker = createWorker({
      store,
      maxAttempts: 2,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      parse,
      processor: async () => ({ status: 'delivered' }),
    });
    await worker.drain();
    expect(await statusOf(id)).toMatchObject({ status: 'pending', attempts: 1 });
    await store.db
      .update(inboundEmails)
      .set({ status: 'ignored', nextAttemptAt: null })
      .where(eq(inboundEmails.id, id));
  });

  for (const where of ['before its first await', 'after an await'] as const) {
    it(`a handler blocking the event loop past its timeout (${where}) fails at once with the reason; the others are processed`, async () => {
      const poison = await ingest();
      const others = [await ingest(), await ingest()];
      let calls = 0;
      const worker = createWorker({
        store,
        concurrency: 1,
        handlerTimeoutMs: 300,
        ...fast,
        processor: async (ctx) => {
          if (ctx.record.id !== poison) return { status: 'delivered' };
          calls++;
          if (where === 'after an await') await ctx.tx.execute(sql`select 1`);
          blockFor(1_200);
          await sleep(50); // still unfinished when the overdue timer fires
          return { status: 'delivered' };
        },
      });
      await settle(worker, [poison, ...others]);
      const failed = await statusOf(poison);
      expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
      expect(failed.note).toMatch(/^handler blocked the event loop for \d+ ms \(past its 300 ms timeout\)$/);
      expect(Number(/for (\d+) ms/.exec(failed.note!)![1])).toBeGreaterThanOrEqual(1_100);
      expect(calls).toBe(1);
      for (const id of others) expect(await statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1 });
    });
  }

  it('a handler that blocks and then finishes keeps its outcome (the stall is over; nothing to retry)', async () => {
    const id = await ingest();
    const worker = createWorker({
      store,
      handlerTimeoutMs: 200,
      processor: async () => (blockFor(500), { status: 'delivered' }),
    });
    await worker.drain();
    expect(await statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('an email whose worker stopped mid-attempt twice (lease expired) is failed, not taken over again; a replay runs it', async () => {
    const id = await ingest();
    await store.db
      .update(inboundEmails)
      .set({
        status: 'processing',
        leaseOwner: 'frozen-worker',
        attempts: 2,
        takeovers: 1,
        leaseUntil: sql`now() - interval '1 second'`,
      })
      .where(eq(inboundEmails.id, id));
    const attempts: number[] = [];
    const worker = createWorker({
      store,
      processor: async (ctx) => (attempts.push(ctx.attempt), { status: 'delivered' }),
    });
    await worker.drain();
    expect(attempts).toEqual([]);
    const failed = await statusOf(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, leaseOwner: null });
    expect(failed.note).toContain('stopped mid-attempt 2 times');
    expect(await store.inbox.replay(id)).toBe(1);
    await worker.drain();
    expect(attempts).toEqual([1]);
    expect(await statusOf(id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('a stall shared with another attempt is retried alone, then pinned on the email that blocks', async () => {
    const poison = await ingest();
    const innocent = await ingest();
    const calls = new Map<string, number>();
    const worker = createWorker({
      store,
      concurrency: 2,
      handlerTimeoutMs: 300,
      ...fast,
      processor: async (ctx) => {
        calls.set(ctx.record.id, (calls.get(ctx.record.id) ?? 0) + 1);
        await sleep(ctx.record.id === poison ? 20 : 250); // the innocent is in flight across the poison's stall
        if (ctx.record.id === poison) {
          blockFor(1_200);
          await sleep(50);
        }
        return { status: 'delivered' };
      },
    });
    await settle(worker, [poison, innocent]);
    const failed = await statusOf(poison);
    expect(failed.status).toBe('failed');
    expect(failed.note).toMatch(/^handler blocked the event loop/);
    expect(calls.get(poison)).toBeLessThanOrEqual(2);
    expect(await statusOf(innocent)).toMatchObject({ status: 'delivered' });
  });
});

describe.skipIf(!process.env.DATABASE_URL)('two workers on one PostgreSQL database', () => {
  it('share the work without handling any email twice', async () => {
    const other: Store = await openStore({ databaseUrl: store.databaseUrl!, migrate: false, logger: silentLogger });
    try {
      const ids = new Set<string>();
      for (let i = 0; i < 40; i++) ids.add(await ingest());
      const calls = new Map<string, number>();
      const processor: Processor = async (ctx) => {
        calls.set(ctx.record.id, (calls.get(ctx.record.id) ?? 0) + 1);
        await recordWrite(ctx);
        await sleep(5);
        return { status: 'delivered' };
      };
      const a = createWorker({ store, processor, workerId: 'A', concurrency: 4 });
      const b = createWorker({ store: other, processor, workerId: 'B', concurrency: 4 });
      await Promise.all([a.drain(), b.drain()]);
      for (const id of ids) {
        expect(calls.get(id)).toBe(1);
        expect(await writesFor(id)).toHaveLength(1);
        expect((await store.inbox.get(id))!.status).toBe('delivered');
      }
      const byWorker = rowsOf<{ worker: string; n: number }>(
        await store.db.execute(
          sql`select worker, count(*)::int as n from handler_writes where worker in ('A', 'B') group by worker`,
        ),
      );
      expect(byWorker.map((r) => r.worker).sort()).toEqual(['A', 'B']);
    } finally {
      await other.close();
    }
  });
});
