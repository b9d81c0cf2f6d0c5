import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError, openStore, silentLogger, type Store } from './index.js';
import { createProxiedTestDatabase, type ProxiedTestDatabase, type TcpProxy } from '../testing/tcp-proxy.js';
import { storablePost, uniqueDescription } from './test-support/posts.js';

// PostgreSQL only: PGlite has no network to lose (its closed-store case is in inbox.test.ts).
describe.skipIf(!process.env.DATABASE_URL)('database outage between the app and PostgreSQL', () => {
  let database: ProxiedTestDatabase;
  let proxy: TcpProxy;
  let store: Store;

  beforeAll(async () => {
    database = await createProxiedTestDatabase(process.env.DATABASE_URL!);
    proxy = database.proxy;
    store = await openStore({ databaseUrl: database.url, logger: silentLogger, timeouts: { connectMs: 1000, ingestMs: 2000 } });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('rejects ingest quickly with StoreUnavailableError while cut or unresponsive, and loses nothing', async () => {
    const before = await storablePost(uniqueDescription());
    const duringCut = await storablePost(uniqueDescription());
    const duringHang = await storablePost(uniqueDescription());
    const stored = await store.inbox.ingest(before);

    proxy.cut();
    let started = Date.now();
    await expect(store.inbox.ingest(duringCut)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(3000);

    proxy.blackhole();
    started = Date.now();
    await expect(store.inbox.ingest(duringHang)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(4000);

    proxy.restore();
    // SendGrid retries after the 503s: both posts are stored now, the first one is still there.
    await expect.poll(async () => (await store.inbox.ingest(duringCut).catch(() => null))?.id, { timeout: 10_000 }).toBeTruthy();
    const hang = await store.inbox.ingest(duringHang);
    expect(await store.inbox.get(stored.id)).toMatchObject({ subject: before.email.subject });
    const again = await store.inbox.ingest(before);
    expect(again).toMatchObject({ duplicate: true, id: stored.id });
    expect((await store.inbox.loadPost(hang.id))!.body.length).toBe(duringHang.body.length);
    const subjects = (await store.inbox.list({ limit: 10 })).map((r) => r.subject).sort();
    expect(subjects).toEqual([before, duringCut, duringHang].map((p) => p.email.subject).sort());
  });
});
