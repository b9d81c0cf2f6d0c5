import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from './index.js';
import { createProxiedTestStore, type ProxiedTestStore } from '../testing/tcp-proxy.js';
import { storablePost, uniqueDescription } from './test-support/posts.js';

// PostgreSQL only: PGlite has no network to lose (its closed-store case is in inbox.test.ts).
describe.skipIf(!process.env.DATABASE_URL)('database outage between the app and PostgreSQL', () => {
  let store: ProxiedTestStore;
  beforeAll(async () => {
    store = await createProxiedTestStore(process.env.DATABASE_URL!, { timeouts: { connectMs: 1000, ingestMs: 2000 } });
  });
  afterAll(() => store?.close());

  it('rejects ingest quickly with StoreUnavailableError while cut or unresponsive, and loses nothing', async () => {
    const before = await storablePost(uniqueDescription());
    const duringCut = await storablePost(uniqueDescription());
    const duringHang = await storablePost(uniqueDescription());
    const stored = await store.inbox.ingest(before);

    store.proxy.cut();
    let started = Date.now();
    await expect(store.inbox.ingest(duringCut)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(3000);

    store.proxy.blackhole();
    started = Date.now();
    await expect(store.inbox.ingest(duringHang)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(4000);

    store.proxy.restore();
    // SendGrid retries after the 503s: both posts are stored now, the first one is still there.
    await expect
      .poll(async () => (await store.inbox.ingest(duringCut).catch(() => null))?.id, { timeout: 10_000 })
      .toBeTruthy();
    const hang = await store.inbox.ingest(duringHang);
    expect(await store.inbox.get(stored.id)).toMatchObject({ subject: before.email.subject });
    const again = await store.inbox.ingest(before);
    expect(again).toMatchObject({ duplicate: true, id: stored.id });
    expect((await store.inbox.loadPost(hang.id))!.body.length).toBe(duringHang.body.length);
    const subjects = (await store.inbox.list({ limit: 10 })).map((r) => r.subject).sort();
    expect(subjects).toEqual([before, duringCut, duringHang].map((p) => p.email.subject).sort());
  });
});
