/**
 * A store the webhook tests can lose and get back. PostgreSQL: the real network cut (a TCP proxy between the app
 * and the server), healed by forwarding again. PGlite has no network: the store is closed (every statement then
 * fails as unavailable) and healed by opening its data directory again, as a restarted process would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@mailroom/core';
import { silentLogger } from '@mailroom/core/inbox';
import { createProxiedTestStore, type TestStore } from '@mailroom/core/testing';

export interface Outage {
  readonly store: TestStore;
  cut(): Promise<void>;
  /** The store to use from now on: the same one on PostgreSQL, a reopened one on PGlite. */
  heal(): Promise<TestStore>;
  close(): Promise<void>;
}

export async function createOutage(): Promise<Outage> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const store = await createProxiedTestStore(serverUrl, { timeouts: { connectMs: 1000, ingestMs: 2000 } });
    return {
      store,
      cut: async () => store.proxy.cut(),
      heal: async () => {
        store.proxy.restore();
        return store;
      },
      close: () => store.close(),
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'mailroom-outage-'));
  const open = async (): Promise<TestStore> =>
    Object.assign(await openStore({ dataDir, logger: silentLogger }), { databaseUrl: undefined });
  let store = await open();
  return {
    get store() {
      return store;
    },
    cut: () => store.close(),
    heal: async () => (store = await open()),
    async close() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
