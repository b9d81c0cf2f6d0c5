import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../testing/store.js';
import {
  InboundEmailNotFoundError,
  InvalidBlobKeyError,
  StoreUnavailableError,
  blobsTable,
  filesystemBlobStore,
  type BlobStore,
  coreMigrationSets,
  inboundEmails,
  jsonLogger,
  openStore,
  rowsOf,
  silentLogger,
  type InboxEvent,
} from './index.js';
import { storablePost, uniqueDescription, withoutMessageId } from './test-support/posts.js';

let store: TestStore;
const events: InboxEvent[] = [];

beforeAll(async () => {
  store = await createTestStore();
  store.onEvent((event) => events.push(event));
});
afterAll(() => store?.close());

async function blobCount() {
  const [row] = await store.db.select({ n: count() }).from(blobsTable);
  return row!.n;
}

describe('openStore and migrations', () => {
  it('applies the core migrations on open and nothing is left to apply', async () => {
    for (const set of coreMigrationSets) {
      expect(await store.pendingMigrations(set)).toEqual([]);
      expect(await store.migrate(set)).toEqual([]);
    }
    expect(store.dialect).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  });

  it('compresses stored bytes with lz4 where the server has it (PostgreSQL), pglz otherwise (PGlite)', async () => {
    const [column] = rowsOf<{ compression: string }>(
      await store.db.execute(
        sql`select attcompression::text as compression from pg_attribute where attrelid = 'mailroom.blobs'::regclass and attname = 'bytes'`,
      ),
    );
    expect(column!.compression).toBe(process.env.DATABASE_URL ? 'l' : '');
  });
});

describe('ingest', () => {
  it('stores the row and the exact bytes, and the row is visible once ingest resolves', async () => {
    const post = await storablePost(
      uniqueDescription({ to: 'Support <support@in.example.com>', bcc: 'audit@in.example.com' }),
    );
    const result = await store.inbox.ingest(post);
    expect(result.duplicate).toBe(false);
    // Committed: another connection (a second store on PostgreSQL) sees it right away.
    const reader = store.databaseUrl
      ? await openStore({ databaseUrl: store.databaseUrl, migrate: false, logger: silentLogger })
      : store;
    try {
      const record = await reader.inbox.get(result.id);
      expect(record).toMatchObject({
        status: 'pending',
        mode: 'parsed',
        subject: post.email.subject,
        messageId: post.email.messageId,
        fromAddress: 'alice@example.com',
        envelopeTo: ['support@in.example.com', 'audit@in.example.com'],
        size: post.body.length,
        attempts: 0,
      });
      expect(record!.nextAttemptAt).toBeInstanceOf(Date);
      const stored = await reader.inbox.loadPost(result.id);
      expect(stored!.contentType).toBe(post.contentType);
      expect(Buffer.compare(stored!.body, Buffer.from(post.body))).toBe(0);
    } finally {
      if (reader !== store) await reader.close();
    }
    expect(result.record).toEqual(await store.inbox.get(result.id));
    const email = await store.inbox.loadEmail(result.id);
    expect(email.subject).toBe(post.email.subject);
    expect(email.envelope.to).toEqual(post.email.envelope.to);
    expect(events).toContainEqual(expect.objectContaining({ event: 'received', id: result.id }));
  });

  it('stores a duplicate post once and writes no second blob', async () => {
    const post = await storablePost(uniqueDescription());
    const blobsBefore = await blobCount();
    const first = await store.inbox.ingest(post);
    const second = await store.inbox.ingest(post);
    expect(second).toMatchObject({ duplicate: true, id: first.id });
    expect(second.record.dedupeKey).toBe(first.record.dedupeKey);
    expect(await blobCount()).toBe(blobsBefore + 1);
    const rows = await store.db
      .select({ n: count() })
      .from(inboundEmails)
      .where(eq(inboundEmails.dedupeKey, first.record.dedupeKey));
    expect(rows[0]!.n).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ event: 'duplicate', id: first.id }));
  });

  it('dedupes concurrent deliveries of the same post to one row', async () => {
    const post = await storablePost(uniqueDescription());
    const results = await Promise.all(Array.from({ length: 6 }, () => store.inbox.ingest(post)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
  });

  it('stores a burst of concurrent posts once each, exact bytes, with retries among them named as duplicates', async () => {
    // Concurrent ingests share statements (group commit): every post still gets its own row and bytes.
    const posts = await Promise.all(Array.from({ length: 40 }, () => storablePost(uniqueDescription())));
    const retried = posts.slice(0, 10);
    const results = await Promise.all([...posts, ...retried].map((post) => store.inbox.ingest(post)));
    const originals = results.slice(0, 40);
    const retries = results.slice(40);
    expect(new Set(originals.map((r) => r.id)).size).toBe(40);
    // A retry racing its original is either the duplicate or (if it won the race) the original's duplicate.
    retries.forEach((retry, i) => {
      expect(retry.id).toBe(originals[i]!.id);
      expect([retry.duplicate, originals[i]!.duplicate].filter(Boolean)).toHaveLength(1);
    });
    for (const [i, post] of posts.entries()) {
      const stored = await store.inbox.loadPost(originals[i]!.id);
      expect(stored?.body.equals(post.body)).toBe(true);
      expect((await store.inbox.get(originals[i]!.id))?.subject).toBe(post.email.subject);
    }
  });

  it('treats the same message re-posted in another form (new boundary) as a duplicate', async () => {
    const description = uniqueDescription({ messageId: `<resend-${Date.now()}@example.com>` });
    const original = await storablePost(description);
    const reposted = await storablePost({ ...description, boundary: 'otherBoundary123' });
    expect(Buffer.compare(Buffer.from(original.body), Buffer.from(reposted.body))).not.toBe(0);
    const first = await store.inbox.ingest(original);
    const again = await store.inbox.ingest(reposted);
    expect(again).toMatchObject({ duplicate: true, id: first.id });
  });

  it('keeps one row per envelope recipient set for the same Message-ID', async () => {
    const description = uniqueDescription({ messageId: `<fanout-${Date.now()}@example.com>` });
    const a = await store.inbox.ingest(await storablePost({ ...description, envelope: { to: ['a@in.example.com'] } }));
    const b = await store.inbox.ingest(await storablePost({ ...description, envelope: { to: ['b@in.example.com'] } }));
    const aAgain = await store.inbox.ingest(
      await storablePost({ ...description, envelope: { to: ['A@IN.example.com'] } }),
    );
    expect(b.id).not.toBe(a.id);
    expect(aAgain).toMatchObject({ duplicate: true, id: a.id });
  });

  it('stores a row born leased to a worker (processing, attempt 1) when asked, and a duplicate of it as is', async () => {
    const post = await storablePost(uniqueDescription());
    const before = Date.now();
    const { id, duplicate, record } = await store.inbox.ingest(post, { lease: { owner: 'worker-a', ms: 60_000 } });
    expect(duplicate).toBe(false);
    const stored = await store.inbox.get(id);
    for (const row of [record, stored!]) {
      expect(row).toMatchObject({ status: 'processing', attempts: 1, leaseOwner: 'worker-a' });
      expect(row.leaseUntil!.getTime()).toBeGreaterThan(before + 55_000);
      expect(row.leaseUntil!.getTime()).toBeLessThan(Date.now() + 65_000);
    }
    // The same post again, leased to another worker: a duplicate, and the row keeps its first lease.
    const again = await store.inbox.ingest(post, { lease: { owner: 'worker-b', ms: 60_000 } });
    expect(again).toMatchObject({ id, duplicate: true });
    expect(again.record).toMatchObject({ status: 'processing', leaseOwner: 'worker-a' });
    // Without a lease, a row is born pending as always; in a burst (one statement) each row gets its own.
    const [leased, pending] = await Promise.all([
      store.inbox.ingest(await storablePost(uniqueDescription()), { lease: { owner: 'worker-c', ms: 5_000 } }),
      store.inbox.ingest(await storablePost(uniqueDescription())),
    ]);
    expect(await store.inbox.get(leased.id)).toMatchObject({
      status: 'processing',
      attempts: 1,
      leaseOwner: 'worker-c',
    });
    expect(await store.inbox.get(pending.id)).toMatchObject({
      status: 'pending',
      attempts: 0,
      leaseOwner: null,
      leaseUntil: null,
    });
    await expect(store.inbox.ingest(post, { lease: { owner: 'worker-a', ms: 0 } })).rejects.toThrow(RangeError);
  });

  it('gives mail without a Message-ID a deterministic one, so its retries dedupe', async () => {
    const post = withoutMessageId(await storablePost(uniqueDescription()));
    const first = await store.inbox.ingest(post);
    expect(first.record.messageId).toMatch(/^[0-9a-f]{32}@mailroom\.invalid$/);
    const retry = await store.inbox.ingest(withoutMessageId(await storablePost({ subject: post.email.subject })));
    expect(retry).toMatchObject({ duplicate: true, id: first.id });
  });
});

describe('list, get, loadEmail', () => {
  it('lists newest first with status, search, limit and a cursor', async () => {
    const tag = `needle-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await store.inbox.ingest(await storablePost(uniqueDescription({ subject: `${tag} ${i}` })))).id);
    const found = await store.inbox.list({ search: tag });
    expect(found.map((r) => r.id)).toEqual([...ids].reverse());
    expect((await store.inbox.list({ search: tag, limit: 2 })).map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect((await store.inbox.list({ search: tag, before: ids[1] })).map((r) => r.id)).toEqual([ids[0]]);
    expect(await store.inbox.list({ search: tag, status: 'delivered' })).toEqual([]);
    expect(await store.inbox.list({ search: tag, status: ['pending', 'failed'] })).toHaveLength(3);
    const byRecipient = await store.inbox.list({ search: 'AUDIT@in.example' });
    expect(byRecipient.length).toBeGreaterThan(0);
    expect(await store.inbox.list({ search: '%' })).toEqual([]);
  });

  it('answers null / a specific error for unknown ids', async () => {
    expect(await store.inbox.get('not-a-uuid')).toBeNull();
    expect(await store.inbox.get('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await store.inbox.loadPost('00000000-0000-4000-8000-000000000000')).toBeNull();
    await expect(store.inbox.loadEmail('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      InboundEmailNotFoundError,
    );
  });
});

describe('replay', () => {
  it('puts emails back to pending by id or status, rerouting when asked, and skips processing rows', async () => {
    const a = await store.inbox.ingest(await storablePost(uniqueDescription()));
    const b = await store.inbox.ingest(await storablePost(uniqueDescription()));
    const busy = await store.inbox.ingest(await storablePost(uniqueDescription()));
    await store.db
      .update(inboundEmails)
      .set({ status: 'failed', attempts: 8, lastError: 'Error: boom', processedAt: new Date(), nextAttemptAt: null })
      .where(eq(inboundEmails.id, a.id));
    await store.db
      .update(inboundEmails)
      .set({ status: 'unrouted', processedAt: new Date(), route: null })
      .where(eq(inboundEmails.id, b.id));
    await store.db
      .update(inboundEmails)
      .set({ status: 'processing', leaseOwner: 'w', leaseUntil: new Date(Date.now() + 60_000) })
      .where(eq(inboundEmails.id, busy.id));

    expect(await store.inbox.replay(a.id)).toBe(1);
    expect(await store.inbox.get(a.id)).toMatchObject({
      status: 'pending',
      attempts: 0,
      lastError: null,
      processedAt: null,
      forcedRoute: null,
    });
    expect(await store.inbox.replay({ status: 'unrouted' }, { route: 'support' })).toBeGreaterThanOrEqual(1);
    expect(await store.inbox.get(b.id)).toMatchObject({ status: 'pending', forcedRoute: 'support' });
    expect(await store.inbox.replay(busy.id)).toBe(0);
    expect(await store.inbox.replay('nope')).toBe(0);
  });
});

describe('incinerate', () => {
  it('removes bytes and blobs of emails processed long enough ago, keeping the rows', async () => {
    const old = await store.inbox.ingest(await storablePost(uniqueDescription()));
    const recent = await store.inbox.ingest(await storablePost(uniqueDescription()));
    const failedOld = await store.inbox.ingest(await storablePost(uniqueDescription()));
    const pendingOld = await store.inbox.ingest(await storablePost(uniqueDescription()));
    const now = new Date();
    const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
    await store.db
      .update(inboundEmails)
      .set({ status: 'delivered', processedAt: daysAgo(31) })
      .where(eq(inboundEmails.id, old.id));
    await store.db
      .update(inboundEmails)
      .set({ status: 'delivered', processedAt: daysAgo(5) })
      .where(eq(inboundEmails.id, recent.id));
    await store.db
      .update(inboundEmails)
      .set({ status: 'failed', processedAt: daysAgo(31) })
      .where(eq(inboundEmails.id, failedOld.id));
    await store.db
      .update(inboundEmails)
      .set({ receivedAt: daysAgo(60) })
      .where(eq(inboundEmails.id, pendingOld.id));

    // Keep failed mail longer than the rest: only `old` goes.
    const progress: Array<[number, number]> = [];
    const removed = await store.inbox.incinerate({
      olderThanDays: { failed: 90 },
      now,
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)![0]).toBe(removed);
    const row = await store.inbox.get(old.id);
    expect(row).toMatchObject({ status: 'delivered', incineratedAt: now });
    expect(await store.inbox.loadPost(old.id)).toBeNull();
    expect(await store.blobs.has(`inbound/${old.id}`)).toBe(false);
    expect(await store.inbox.replay(old.id)).toBe(0);
    for (const kept of [recent, failedOld, pendingOld]) {
      expect((await store.inbox.get(kept.id))!.incineratedAt).toBeNull();
      expect(await store.blobs.has(`inbound/${kept.id}`)).toBe(true);
    }
    // Failed mail stays replayable unless its retention is named: a plain number does not reach it.
    expect(await store.inbox.incinerate({ olderThanDays: 30, now })).toBe(0);
    expect((await store.inbox.get(failedOld.id))!.incineratedAt).toBeNull();
    expect(await store.inbox.incinerate({ olderThanDays: { failed: 30 }, now })).toBe(1);
    expect(await store.inbox.incinerate({ olderThanDays: { failed: 30 }, now })).toBe(0);
    await expect(store.inbox.incinerate({ olderThanDays: -1 })).rejects.toThrow(RangeError);
  });
});

describe('filesystem blobs', () => {
  let dir: string;
  let fsStore: TestStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mailroom-blobs-'));
    fsStore = await createTestStore({ blobs: { kind: 'filesystem', dir } });
  });
  afterAll(async () => {
    await fsStore?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one file per stored email, none for duplicates, and incineration deletes it', async () => {
    const post = await storablePost(uniqueDescription());
    const first = await fsStore.inbox.ingest(post);
    await fsStore.inbox.ingest(post);
    expect(await readdir(join(dir, 'inbound'))).toEqual([first.id]);
    expect(Buffer.compare((await fsStore.inbox.loadPost(first.id))!.body, Buffer.from(post.body))).toBe(0);
    const [{ n }] = (await fsStore.db.select({ n: count() }).from(blobsTable)) as [{ n: number }];
    expect(n).toBe(0);
    await fsStore.db
      .update(inboundEmails)
      .set({ status: 'ignored', processedAt: new Date(Date.now() - 40 * 86_400_000) })
      .where(eq(inboundEmails.id, first.id));
    expect(await fsStore.inbox.incinerate()).toBe(1);
    expect(await readdir(join(dir, 'inbound'))).toEqual([]);
  });

  it('stores a row born leased with filesystem blobs too', async () => {
    const { id, record } = await fsStore.inbox.ingest(await storablePost(uniqueDescription()), {
      lease: { owner: 'fs-worker', ms: 30_000 },
    });
    expect(record).toMatchObject({ status: 'processing', attempts: 1, leaseOwner: 'fs-worker' });
    // The record an ingest answers is built from what it sent and what the statement returned: the row as stored.
    expect(record).toEqual(await fsStore.inbox.get(id));
    expect(await fsStore.inbox.get(id)).toMatchObject({ status: 'processing', attempts: 1, leaseOwner: 'fs-worker' });
    expect((await fsStore.inbox.get(id))!.leaseUntil!.getTime()).toBeGreaterThan(Date.now() + 20_000);
  });

  it('removes the blob it wrote when the ingest transaction fails', async () => {
    const disk = filesystemBlobStore(dir);
    let failNext = true;
    const flaky: BlobStore = {
      ...disk,
      kind: 'external',
      async put(key, data) {
        await disk.put(key, data);
        if (failNext) {
          failNext = false;
          throw new Error('storage acknowledged too late');
        }
      },
    };
    const flakyStore = await createTestStore({ blobs: flaky });
    try {
      const post = await storablePost(uniqueDescription());
      const before = await readdir(join(dir, 'inbound'));
      await expect(flakyStore.inbox.ingest(post)).rejects.toThrow('storage acknowledged too late');
      expect(await flakyStore.inbox.list({ search: post.email.subject })).toEqual([]);
      expect(await readdir(join(dir, 'inbound'))).toEqual(before);
      const retried = await flakyStore.inbox.ingest(post);
      expect(retried.duplicate).toBe(false);
      expect((await readdir(join(dir, 'inbound'))).filter((name) => !before.includes(name))).toEqual([retried.id]);
    } finally {
      await flakyStore.close();
    }
  });

  it('rejects keys that are not generated ids', async () => {
    for (const key of ['../etc/passwd', '/abs', 'a//b', 'UPPER', 'dot.ted', '']) {
      await expect(fsStore.blobs.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(store.blobs.get(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    }
  });
});

describe('outage', () => {
  it('a closed store rejects ingest with StoreUnavailableError at once', async () => {
    const closing = await createTestStore();
    const post = await storablePost(uniqueDescription());
    await closing.close();
    const started = Date.now();
    await expect(closing.inbox.ingest(post)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(closing.transaction(async (tx) => tx.execute(sql`select 1`))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('jsonLogger', () => {
  it('writes one JSON line per event with time, level, event and fields', async () => {
    const lines: string[] = [];
    const logger = jsonLogger({ write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream);
    const logged = await createTestStore({ logger });
    try {
      const { id } = await logged.inbox.ingest(await storablePost(uniqueDescription()));
      logger.error('failed', { id, error: new Error('boom') });
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
      expect(parsed[0]).toMatchObject({ level: 'info', event: 'received', id, durationMs: expect.any(Number) });
      expect(new Date(parsed[0]!.time as string).getTime()).not.toBeNaN();
      expect(parsed[1]).toMatchObject({ level: 'error', event: 'failed', error: { name: 'Error', message: 'boom' } });
    } finally {
      await logged.close();
    }
  });
});

describe('PGlite data directory', () => {
  it('is opened by one store at a time and reopened after close', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mailroom-pglite-'));
    try {
      const first = await openStore({ databaseUrl: '', dataDir, logger: silentLogger });
      const { id } = await first.inbox.ingest(await storablePost(uniqueDescription()));
      await expect(openStore({ databaseUrl: '', dataDir, logger: silentLogger })).rejects.toThrow(
        new RegExp(`in use by process ${process.pid}`),
      );
      await first.close();
      const again = await openStore({ databaseUrl: '', dataDir, logger: silentLogger });
      expect(again.dialect).toBe('pglite');
      expect((await again.inbox.get(id))!.status).toBe('pending');
      await again.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
