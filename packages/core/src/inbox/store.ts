import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { parseInboundBody } from '../ingress/index.js';
import { databaseBlobStore, filesystemBlobStore, type BlobStore } from './blobs.js';
import type { Database, Transaction } from './database.js';
import { DatabaseOpenError, StoreUnavailableError, asStoreError, describeDatabaseError, isDatabaseOpenFailure } from './errors.js';
import { INSERT_COLUMNS, INSERT_SELECT, alignInserted, createInbox, type Inbox, type InsertRows, type InsertedRowText } from './inbox.js';
import { jsonLogger, type InboxEvent, type InboxEventName, type Logger } from './log.js';
import { coreMigrationSets, migrationsTableOf, pendingMigrations, type AppliedMigration, type MigrationSet } from './migrations.js';
import type { StoredPostParser } from './post.js';
import { pgliteUnitOfWork, postgresUnitOfWork, type UnitOfWork } from './work.js';

export interface StoreOptions {
  /** PostgreSQL URL; default `process.env.DATABASE_URL`. Set → postgres.js pool, unset → PGlite. */
  databaseUrl?: string;
  /** PGlite folder parent when no URL: `<dataDir>/pglite`; default `MAILROOM_DATA_DIR` or `.mailroom`. */
  dataDir?: string;
  /** PGlite in memory (tests). */
  memory?: boolean;
  /**
   * Default: the `mailroom.blobs` table. A custom BlobStore (object storage…) is written after the dedupe
   * check and before commit, and its blob deleted again if the transaction fails, like the filesystem backend.
   */
  blobs?: { kind: 'database' } | { kind: 'filesystem'; dir: string } | BlobStore;
  /** Apply the core migration sets on open (default true). */
  migrate?: boolean;
  /** Where events go; default JSON lines on stdout (`silentLogger` to mute). */
  logger?: Logger;
  /** How `inbox.loadEmail()` parses stored bytes; default the ingress' `parseInboundBody`. */
  parser?: StoredPostParser;
  /** postgres.js pool size (default 10). */
  maxConnections?: number;
  timeouts?: {
    /** Connecting to PostgreSQL (default 5000 ms). */
    connectMs?: number;
    /** Server-side statement timeout (default 30000 ms). */
    statementMs?: number;
    /** Whole ingest, so a webhook never hangs on a dead connection (default 10000 ms). */
    ingestMs?: number;
    /**
     * Server-side limit on a transaction left idle (default 300000 ms): a process that hangs inside a handler
     * releases its row lock, and its email is claimed again when the lease expires.
     */
    idleInTransactionMs?: number;
  };
}

export interface Store {
  readonly db: Database;
  readonly dialect: 'pglite' | 'postgres';
  readonly blobs: BlobStore;
  readonly inbox: Inbox;
  readonly logger: Logger;
  /** Runs `fn` in a transaction; outages surface as StoreUnavailableError. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Opens the worker's per-email transaction: begun by its first statement, committed with its last (UnitOfWork). */
  unitOfWork(): Promise<UnitOfWork>;
  /** Applies a migration set (serialised across processes on PostgreSQL); returns the tags it applied. */
  migrate(set: MigrationSet): Promise<string[]>;
  /** Applies the core sets; returns what it applied. */
  migrateCore(): Promise<AppliedMigration[]>;
  /** Lists migrations not applied yet. */
  pendingMigrations(set: MigrationSet): Promise<string[]>;
  /** Subscribe to inbox/worker events; returns an unsubscribe function. */
  onEvent(listener: (event: InboxEvent) => void): () => void;
  /** Logs an event (to `logger`, default the store's) and tells subscribers; used by the worker and the runtime. */
  emit(event: InboxEventName, fields: Omit<InboxEvent, 'event'>, logger?: Logger): void;
  readonly closed: boolean;
  close(): Promise<void>;
}

// Ingest statements in flight at once on PostgreSQL (group commit): two keep the pipe full while the
// other pool connections serve the worker and the apps.
const INGEST_PARALLEL = 2;
const INGEST_COLUMNS = 15;
const insertTexts = new Map<number, string>();

/** The multi-row ingest statement for `count` rows (the same text per count, so it is prepared once). */
function postgresInsertText(count: number): string {
  let text = insertTexts.get(count);
  if (text) return text;
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = (n: number) => `$${i * INGEST_COLUMNS + n}`;
    rows.push(`(${p(1)}::uuid, ${p(2)}::text, ${p(3)}::text, ${p(4)}::text, ${p(5)}::int, ${p(6)}::text, ${p(7)}::text, ` +
      `${p(8)}::text, ${p(9)}::text, ${p(10)}::jsonb, ${p(11)}::text, ${p(12)}::text, decode(${p(13)}::text, 'base64'), ` +
      `${p(14)}::text, ${p(15)}::int)`);
  }
  text = `with input (id, mode, content_type, body_blob_key, size, body_sha256, dedupe_key, message_id, envelope_from,
      envelope_to, from_address, subject, bytes, lease_owner, lease_ms) as (values ${rows.join(', ')}
    ), inserted as (
      insert into mailroom.inbound_emails (${INSERT_COLUMNS})
      select ${INSERT_SELECT}
      from input
      on conflict (dedupe_key) do nothing
      returning id, received_at, next_attempt_at, lease_until
    ), stored as (
      insert into mailroom.blobs (key, bytes, size, sha256)
      select input.body_blob_key, input.bytes, input.size, input.body_sha256 from input join inserted using (id)
    )
    select id, received_at, next_attempt_at, lease_until from inserted`;
  insertTexts.set(count, text);
  return text;
}

/**
 * PGlite runs each protocol message synchronously on this thread (WASM), and the messages of one query follow in
 * microtasks: a 2.2 MB body's Bind and Execute were one 60–100 ms macrotask. Giving a turn of the event loop before
 * each message bounds a stall by the largest single message (≈ 20–45 ms for that body), and lets webhook requests
 * in between. Wraps the instance's public `execProtocolRaw`, which every query, transaction and exec goes through.
 * `close()` first refuses new messages and lets those waiting for their turn finish or fail (a message must never
 * reach a module PGlite is shutting down), then closes with the original method.
 */
function yieldingPglite(client: PGlite): { client: PGlite; close(): Promise<void> } {
  const send = client.execProtocolRaw.bind(client);
  let closing = false;
  let waiting = 0;
  let drained: (() => void) | null = null;
  const refuse = () => new Error('PGlite is closed');
  client.execProtocolRaw = async (...args) => {
    if (closing) throw refuse();
    waiting++;
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (closing) throw refuse();
      return await send(...args);
    } finally {
      if (--waiting === 0) drained?.();
    }
  };
  return {
    client,
    async close() {
      closing = true;
      if (waiting > 0) await new Promise<void>((resolve) => (drained = resolve));
      client.execProtocolRaw = send;
      await client.close();
    },
  };
}

// Any constant works; it only has to be the same in every process sharing the database.
const MIGRATION_LOCK = 7_361_905_118;

// Stored bytes are re-parsed exactly as the webhook parsed them (the ingress depends on message/ only).
const defaultParser: StoredPostParser = (body, contentType) => parseInboundBody(body, contentType);

/**
 * Opens the store: PostgreSQL when `DATABASE_URL` (or `databaseUrl`) is set, else PGlite on disk
 * (or in memory), and applies the core migrations.
 *
 * @example
 * ```ts
 * const store = await openStore();                  // DATABASE_URL or ./.mailroom/pglite
 * const { id, duplicate } = await store.inbox.ingest(post);
 * ```
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const databaseUrl = options.memory ? undefined : (options.databaseUrl ?? process.env.DATABASE_URL) || undefined;
  const logger = options.logger ?? jsonLogger();
  const timeouts = { connectMs: 5_000, statementMs: 30_000, ingestMs: 10_000, idleInTransactionMs: 300_000, ...options.timeouts };

  let db: Database;
  let shutdown: () => Promise<void>;
  let runMigrator: (set: MigrationSet) => Promise<void>;
  let withMigrationLock: <T>(fn: () => Promise<T>) => Promise<T>;
  let dialect: Store['dialect'];
  let insertRows: InsertRows | undefined;
  let openUnitOfWork: () => Promise<UnitOfWork>;

  if (databaseUrl) {
    dialect = 'postgres';
    const client = postgres(databaseUrl, {
      max: options.maxConnections ?? 10,
      connect_timeout: Math.max(1, Math.ceil(timeouts.connectMs / 1000)),
      idle_timeout: 60,
      onnotice: () => undefined,
      connection: {
        statement_timeout: timeouts.statementMs,
        idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
        application_name: 'mailroom',
      },
    });
    const postgresDb = drizzlePostgres(client);
    db = postgresDb as unknown as Database;
    // The webhook's hot statement through postgres.js directly: prepared once per connection and batch size,
    // where drizzle's raw SQL is parsed and planned by the server on every post (about 2× the time). postgres.js
    // sends parameters as text, where a bytea is hex (2× the body); base64 is 1.33× and decoded by the server.
    insertRows = async (items) => {
      const params: unknown[] = [];
      for (const { row, body } of items) {
        params.push(row.id, row.mode, row.contentType, row.bodyBlobKey, row.size, row.bodySha256, row.dedupeKey,
          row.messageId, row.envelopeFrom, JSON.stringify(row.envelopeTo), row.fromAddress, row.subject, body.toString('base64'),
          row.leaseOwner, row.leaseMs);
      }
      const rows = await client.unsafe<InsertedRowText[]>(
        postgresInsertText(items.length),
        params as never[],
        { prepare: true },
      );
      return alignInserted(items, rows);
    };
    openUnitOfWork = () => postgresUnitOfWork(client);
    shutdown = () => client.end({ timeout: 5 });
    runMigrator = (set) => migratePostgres(postgresDb, migratorConfig(set));
    withMigrationLock = async (fn) => {
      const session = await client.reserve();
      try {
        await session`select pg_advisory_lock(${MIGRATION_LOCK})`;
        return await fn();
      } finally {
        await session`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => undefined);
        session.release();
      }
    };
  } else {
    dialect = 'pglite';
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
    const pglite = yielding.client;
    shutdown = async () => {
      await yielding.close();
      await unlock();
    };
    const pgliteDb = drizzlePglite(client);
    db = pgliteDb as unknown as Database;
    openUnitOfWork = () => pgliteUnitOfWork(pglite);
    runMigrator = (set) => migratePglite(pgliteDb, migratorConfig(set));
    // One PGlite instance is one connection in one process: nothing to serialise against.
    withMigrationLock = (fn) => fn();
  }

  const blobs = !options.blobs
    ? databaseBlobStore(db)
    : 'put' in options.blobs
      ? options.blobs
      : options.blobs.kind === 'filesystem'
        ? filesystemBlobStore(options.blobs.dir)
        : databaseBlobStore(db);
  const listeners = new Set<(event: InboxEvent) => void>();
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new StoreUnavailableError('the store is closed');
  };
  const transaction = async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
    ensureOpen();
    try {
      return await db.transaction(fn);
    } catch (error) {
      throw asStoreError(error, 'transaction');
    }
  };
  const emit: Store['emit'] = (event, fields, via = logger) => {
    const payload = { event, ...fields } as InboxEvent;
    const level = event === 'failed' ? 'error' : event === 'retry' ? 'warn' : 'info';
    via[level](event, fields);
    for (const listener of listeners) {
      try {
        listener(payload);
      } catch (error) {
        logger.error('listener_error', { error });
      }
    }
  };
  const migrate = async (set: MigrationSet): Promise<string[]> => {
    ensureOpen();
    try {
      return await withMigrationLock(async () => {
        const pending = await pendingMigrations(db, set);
        if (pending.length > 0) await runMigrator(set);
        return pending;
      });
    } catch (error) {
      throw asStoreError(error, `migrate ${set.name}`);
    }
  };
  const migrateCore = async () => {
    const applied: AppliedMigration[] = [];
    for (const set of coreMigrationSets) for (const tag of await migrate(set)) applied.push({ set: set.name, tag });
    return applied;
  };

  const inbox = createInbox({
    db,
    blobs,
    transaction,
    emit,
    ensureOpen,
    ingestTimeoutMs: timeouts.ingestMs,
    parser: options.parser ?? defaultParser,
    ...(insertRows ? { insertRows, ingestParallel: INGEST_PARALLEL } : {}),
  });

  const store: Store = {
    db,
    dialect,
    blobs,
    inbox,
    logger,
    transaction,
    async unitOfWork() {
      ensureOpen();
      try {
        return await openUnitOfWork();
      } catch (error) {
        throw asStoreError(error, 'transaction');
      }
    },
    migrate,
    migrateCore,
    pendingMigrations: (set) => pendingMigrations(db, set),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit,
    get closed() {
      return closed;
    },
    async close() {
      if (closed) return;
      closed = true;
      await shutdown();
    },
  };

  // Fail fast on an unusable database instead of at the first webhook.
  try {
    if (options.migrate !== false) await migrateCore();
    else await db.execute(sql`select 1`);
  } catch (error) {
    await shutdown().catch(() => undefined);
    throw openFailure(error, databaseUrl);
  }
  return store;
}

/** An open-time failure about the URL becomes one line naming the server (never its password) and the cause. */
function openFailure(error: unknown, databaseUrl: string | undefined): unknown {
  if (error instanceof DatabaseOpenError || !isDatabaseOpenFailure(error)) return asStoreError(error, 'open');
  return new DatabaseOpenError(`cannot open ${describeTarget(databaseUrl)}: ${describeDatabaseError(error)}`, { cause: error });
}

function describeTarget(databaseUrl: string | undefined): string {
  if (!databaseUrl) return 'the embedded database (PGlite)';
  try {
    const url = new URL(databaseUrl);
    return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname || '/'}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
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

function migratorConfig(set: MigrationSet) {
  const { schema, table } = migrationsTableOf(set);
  return { migrationsFolder: set.folder, migrationsSchema: schema, migrationsTable: table };
}
