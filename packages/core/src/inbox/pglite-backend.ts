/**
 * The embedded database: PGlite in this process, on disk or in memory. Loaded only when no `DATABASE_URL` is set
 * (store.ts imports this module dynamically), so PostgreSQL users need not install PGlite at all.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migratorConfig, type Backend } from './backend.js';
import { StoreUnavailableError } from './errors.js';
import { insertRowsWith, type InsertedRowText } from './ingest-statement.js';
import { pgliteUnitsOfWork } from './pglite-work.js';
import type { StoreOptions } from './store.js';

/**
 * PGlite runs each protocol message synchronously on this thread (WASM), and the messages of one query follow in
 * microtasks: a 2.2 MB body's Bind and Execute were one 60–100 ms macrotask. Giving a turn of the event loop before
 * each message bounds a stall by the largest single message (≈ 20–45 ms for that body), and lets webhook requests
 * in between. Wraps the instance's public `execProtocolRaw`, which every query, transaction and exec goes through.
 * `close()` first refuses new messages and lets those waiting for their turn finish or fail (a message must never
 * reach a module PGlite is shutting down), then closes; only its Terminate message is let through.
 */
function yieldingPglite(client: PGlite): { client: PGlite; close(): Promise<void> } {
  const send = client.execProtocolRaw.bind(client);
  let closing = false;
  let waiting = 0;
  let drained: (() => void) | null = null;
  const refuse = () => new Error('PGlite is closed');
  client.execProtocolRaw = async (message, ...rest) => {
    // Once closing, only close()'s own Terminate ('X') passes: a transaction's next statement arriving while PGlite
    // tears its module down would otherwise run into freed WASM functions (a RuntimeError, answered 500).
    if (closing) {
      if (message[0] === TERMINATE) return send(message, ...rest);
      throw refuse();
    }
    waiting++;
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (closing) throw refuse();
      return await send(message, ...rest);
    } finally {
      if (--waiting === 0) drained?.();
    }
  };
  return {
    client,
    async close() {
      closing = true;
      if (waiting > 0) await new Promise<void>((resolve) => (drained = resolve));
      await client.close();
    },
  };
}

/** The frontend protocol's Terminate message type ('X'), which `PGlite.close()` sends. */
const TERMINATE = 0x58;

export async function pgliteBackend(options: StoreOptions): Promise<Backend> {
  let client: PGlite;
  let unlock = async () => {};
  if (options.memory) client = new PGlite();
  else {
    const dir = join(resolve(options.dataDir ?? process.env.MAILROOM_DATA_DIR ?? '.mailroom'), 'pglite');
    await mkdir(dir, { recursive: true });
    unlock = await lockDataDir(dir);
    client = new PGlite(dir);
  }
  try {
    await client.waitReady;
  } catch (error) {
    await unlock();
    throw error;
  }
  const yielding = yieldingPglite(client);
  const db = drizzlePglite(client);
  return {
    db,
    dialect: 'pglite',
    insertRows: insertRowsWith(
      async (statement) => (await client.query<InsertedRowText>(statement.text, statement.params)).rows,
    ),
    ingestParallel: 1,
    openUnitOfWork: pgliteUnitsOfWork(client),
    runMigrator: (set) => migratePglite(db, migratorConfig(set)),
    // One PGlite instance is one connection in one process: nothing to serialise against.
    withMigrationLock: (fn) => fn(),
    async shutdown() {
      await yielding.close();
      await unlock();
    },
  };
}

/**
 * PGlite's files must be opened by one process at a time (a second opener corrupts them), so the
 * folder gets a lock file naming the owner's pid; a lock left by a dead process is taken over.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockPath = `${dir}.lock`;
  try {
    await writeFile(lockPath, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new StoreUnavailableError(
        `the PGlite data directory ${dir} is in use by process ${owner}; stop it first (or use DATABASE_URL to share a PostgreSQL database)`,
      );
    }
    await writeFile(lockPath, String(process.pid));
  }
  return () => rm(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
