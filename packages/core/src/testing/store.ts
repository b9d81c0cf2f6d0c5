import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openStore, silentLogger, type Store, type StoreOptions } from '../inbox/index.js';

export type TestStoreOptions = Omit<StoreOptions, 'databaseUrl' | 'memory' | 'dataDir'>;

export interface TestStore extends Store {
  /** The database URL when on PostgreSQL (a fresh `mailroom_test_*` database), else undefined. */
  readonly databaseUrl: string | undefined;
}

/**
 * A fresh, migrated store for one test file: PGlite in memory, or — when `DATABASE_URL` is set — a new
 * database `mailroom_test_<random>` on that server, dropped again by `close()`.
 *
 * @example
 * ```ts
 * let store: TestStore;
 * beforeAll(async () => { store = await createTestStore(); });
 * afterAll(() => store.close());
 * ```
 */
export async function createTestStore(rawOptions: TestStoreOptions = {}): Promise<TestStore> {
  // Tests assert on events through `onEvent`; the log lines would only clutter the runner's output.
  const options = { logger: silentLogger, ...rawOptions };
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const store = await openStore({ ...options, memory: true });
    return Object.assign(store, { databaseUrl: undefined });
  }
  return openOnTestDatabase(await createTestDatabase(serverUrl), options);
}

/** A store on a fresh test database; `close()` drops the database too (so does a failed open). */
export async function openOnTestDatabase(
  database: { url: string; drop(): Promise<void> },
  options: TestStoreOptions,
): Promise<TestStore> {
  let store: Store;
  try {
    store = await openStore({ ...options, databaseUrl: database.url });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const close = store.close.bind(store);
  return Object.assign(store, {
    databaseUrl: database.url,
    async close() {
      await close();
      await database.drop();
    },
  });
}

/** Creates an empty database next to the one `serverUrl` names; `drop()` removes it (closing leftover sessions). */
export async function createTestDatabase(
  serverUrl: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `mailroom_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => undefined, connect_timeout: 5 });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}
