import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';

type NoRelations = Record<string, never>;

/** A drizzle PostgreSQL database: PGlite or postgres.js behind the same query API. */
export type Database = PgDatabase<PgQueryResultHKT, NoRelations>;
/** A drizzle transaction (same query API as `Database`). */
export type Transaction = PgTransaction<PgQueryResultHKT, NoRelations, ExtractTablesWithRelations<NoRelations>>;
/** Either: functions that take one run inside the caller's transaction when given one. */
export type Queryable = Database | Transaction;

/** `db.execute()` rows: PGlite answers `{ rows }`, postgres.js an array. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
