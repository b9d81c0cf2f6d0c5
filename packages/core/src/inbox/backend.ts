import type { Database } from './database.js';
import type { InsertRows } from './ingest-statement.js';
import { migrationsTableOf, type MigrationSet } from './migrations.js';
import type { Store, StoreOptions } from './store.js';
import type { UnitOfWork } from './work.js';

/** What a driver brings to the store: its drizzle database and the statements it runs faster itself. */
export interface Backend {
  db: Database;
  dialect: Store['dialect'];
  /** The ingest statement through the driver (prepared on postgres.js). */
  insertRows: InsertRows;
  ingestParallel: number;
  openUnitOfWork(): Promise<UnitOfWork>;
  runMigrator(set: MigrationSet): Promise<void>;
  /** Serialises migrations across processes sharing the database. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  shutdown(): Promise<void>;
}

export type Timeouts = Required<NonNullable<StoreOptions['timeouts']>>;

export function migratorConfig(set: MigrationSet) {
  const { schema, table } = migrationsTableOf(set);
  return { migrationsFolder: set.folder, migrationsSchema: schema, migrationsTable: table };
}
