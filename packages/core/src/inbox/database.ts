import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';

// Core's tables are plain `pgTable`s queried through the builder API (select/insert/update/execute), which
// does not depend on the database's relational schema; `any` there lets an app's own typed drizzle database
// or transaction (`drizzle(client, { schema })`) be passed straight in, and `ctx.tx` be used with the app's
// queries, without casts.
/* eslint-disable @typescript-eslint/no-explicit-any */
/** A drizzle PostgreSQL database (PGlite or postgres.js), whatever its schema. */
export type Database = PgDatabase<PgQueryResultHKT, any, any>;
/** A drizzle transaction, whatever its schema (a `Transaction` is also a `Database`). */
export type Transaction = PgTransaction<PgQueryResultHKT, any, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */
/** Either: functions that take one run inside the caller's transaction when given one. */
export type Queryable = Database | Transaction;

/** `db.execute()` rows: PGlite answers `{ rows }`, postgres.js an array. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
