import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { parseInboundBody } from '../ingress/index.js';
import { databaseBlobStore, filesystemBlobStore, type BlobStore } from './blobs.js';
import type { Database, Transaction } from './database.js';
import {
  DatabaseOpenError,
  StoreUnavailableError,
  asStoreError,
  describeDatabaseError,
  isDatabaseOpenFailure,
} from './errors.js';
import { createInbox, type Inbox } from './inbox.js';
import { insertRowsWith, type InsertedRowText } from './ingest-statement.js';
import { jsonLogger, type InboxEvent, type InboxEventName, type Logger } from './log.js';
import { coreMigrationSets, pendingMigrations, type AppliedMigration, type MigrationSet } from './migrations.js';
import type { StoredPostParser } from './post.js';
import { postgresUnitsOfWork, type UnitOfWork } from './work.js';
import { migratorConfig, type Backend, type Timeouts } from './backend.js';

export interface StoreOptions {
  /** PostgreSQL URL; default `process.env.DATABASE_URL`. Set → postgres.js pool, unset or `''` → PGlite. */
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
  const timeouts: Timeouts = {
    connectMs: 5_000,
    statementMs: 30_000,
    ingestMs: 10_000,
    idleInTransactionMs: 300_000,
    ...options.timeouts,
  };
  const backend = databaseUrl
    ? postgresBackend(databaseUrl, options.maxConnections ?? 10, timeouts)
    : await (await loadPglite()).pgliteBackend(options);
  const store = new OpenStore(backend, options, timeouts);
  // Fail fast on an unusable database instead of at the first webhook.
  try {
    if (options.migrate !== false) await store.migrateCore();
    else await backend.db.execute(sql`select 1`);
  } catch (error) {
    await backend.shutdown().catch(() => undefined);
    throw openFailure(error, databaseUrl);
  }
  return store;
}

function postgresBackend(databaseUrl: string, maxConnections: number, timeouts: Timeouts): Backend {
  const client = postgres(databaseUrl, {
    max: maxConnections,
    connect_timeout: Math.max(1, Math.ceil(timeouts.connectMs / 1000)),
    idle_timeout: 60,
    onnotice: () => undefined,
    connection: {
      statement_timeout: timeouts.statementMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
      application_name: 'mailroom',
    },
  });
  const db = drizzlePostgres(client);
  return {
    db,
    dialect: 'postgres',
    // The webhook's hot statement through postgres.js directly: prepared once per connection and batch size,
    // where drizzle's raw SQL is parsed and planned by the server on every post (about 2× the time).
    insertRows: insertRowsWith((statement) =>
      client.unsafe<InsertedRowText[]>(statement.text, statement.params as never[], { prepare: true }),
    ),
    ingestParallel: INGEST_PARALLEL,
    openUnitOfWork: postgresUnitsOfWork(client),
    runMigrator: (set) => migratePostgres(db, migratorConfig(set)),
    async withMigrationLock(fn) {
      const session = await client.reserve();
      try {
        await session`select pg_advisory_lock(${MIGRATION_LOCK})`;
        return await fn();
      } finally {
        await session`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => undefined);
        session.release();
      }
    },
    shutdown: () => client.end({ timeout: 5 }),
  };
}

/** The store over a backend: its inbox, transactions, migrations, events and lifecycle. */
class OpenStore implements Store {
  readonly db: Database;
  readonly dialect: Store['dialect'];
  readonly blobs: BlobStore;
  readonly inbox: Inbox;
  readonly logger: Logger;
  readonly #backend: Backend;
  readonly #listeners = new Set<(event: InboxEvent) => void>();
  #closed = false;

  constructor(backend: Backend, options: StoreOptions, timeouts: Timeouts) {
    this.#backend = backend;
    this.db = backend.db;
    this.dialect = backend.dialect;
    this.logger = options.logger ?? jsonLogger();
    this.blobs = blobStoreOf(options.blobs, backend.db);
    this.inbox = createInbox({
      db: backend.db,
      blobs: this.blobs,
      transaction: (fn) => this.transaction(fn),
      emit: (event, fields) => this.emit(event, fields),
      ensureOpen: () => this.#ensureOpen(),
      ingestTimeoutMs: timeouts.ingestMs,
      parser: options.parser ?? defaultParser,
      insertRows: backend.insertRows,
      ingestParallel: backend.ingestParallel,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #ensureOpen(): void {
    if (this.#closed) throw new StoreUnavailableError('the store is closed');
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#ensureOpen();
    try {
      return await this.db.transaction(fn);
    } catch (error) {
      throw asStoreError(error, 'transaction');
    }
  }

  async unitOfWork(): Promise<UnitOfWork> {
    this.#ensureOpen();
    try {
      return await this.#backend.openUnitOfWork();
    } catch (error) {
      throw asStoreError(error, 'transaction');
    }
  }

  async migrate(set: MigrationSet): Promise<string[]> {
    this.#ensureOpen();
    try {
      return await this.#backend.withMigrationLock(async () => {
        const pending = await pendingMigrations(this.db, set);
        if (pending.length > 0) await this.#backend.runMigrator(set);
        return pending;
      });
    } catch (error) {
      throw asStoreError(error, `migrate ${set.name}`);
    }
  }

  async migrateCore(): Promise<AppliedMigration[]> {
    const applied: AppliedMigration[] = [];
    for (const set of coreMigrationSets)
      for (const tag of await this.migrate(set)) applied.push({ set: set.name, tag });
    return applied;
  }

  pendingMigrations(set: MigrationSet): Promise<string[]> {
    return pendingMigrations(this.db, set);
  }

  onEvent(listener: (event: InboxEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: InboxEventName, fields: Omit<InboxEvent, 'event'>, via: Logger = this.logger): void {
    const payload = { event, ...fields } as InboxEvent;
    const level = event === 'failed' ? 'error' : event === 'retry' ? 'warn' : 'info';
    via[level](event, fields);
    for (const listener of this.#listeners) {
      try {
        listener(payload);
      } catch (error) {
        this.logger.error('listener_error', { error });
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#backend.shutdown();
  }
}

function blobStoreOf(option: StoreOptions['blobs'], db: Database): BlobStore {
  if (!option) return databaseBlobStore(db);
  if ('put' in option) return option;
  return option.kind === 'filesystem' ? filesystemBlobStore(option.dir) : databaseBlobStore(db);
}

/** An open-time failure about the URL becomes one line naming the server (never its password) and the cause. */
function openFailure(error: unknown, databaseUrl: string | undefined): unknown {
  if (error instanceof DatabaseOpenError || !isDatabaseOpenFailure(error)) return asStoreError(error, 'open');
  return new DatabaseOpenError(`cannot open ${describeTarget(databaseUrl)}: ${describeDatabaseError(error)}`, {
    cause: error,
  });
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

const PGLITE = '@electric-sql/pglite';

/**
 * The embedded database's module, imported only when it is used: PGlite is an optional peer dependency, so a
 * PostgreSQL deployment installs without it, and one that needs it learns how to get it.
 */
async function loadPglite(): Promise<typeof import('./pglite-backend.js')> {
  try {
    return await import('./pglite-backend.js');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !message.includes(PGLITE)) throw error;
    throw new DatabaseOpenError(
      `DATABASE_URL is not set, so Mailroom would use the embedded database, but ${PGLITE} is not installed: ` +
        `run \`npm install ${PGLITE}\`, or set DATABASE_URL to a PostgreSQL server`,
      { cause: error },
    );
  }
}
