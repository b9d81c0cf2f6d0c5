import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

export * as schema from './schema.js';

/**
 * Any drizzle Postgres database or transaction: core's store (PGlite or postgres.js) and a
 * handler's `ctx.tx` both fit, so domain functions run inside the caller's transaction.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ListsDb = PgDatabase<PgQueryResultHKT, any, any>;

/** Where drizzle-kit writes this app's migrations (applied with core's `store.migrate`, set `lists`). */
export const migrationsFolder = new URL('../../drizzle', import.meta.url).pathname;

export const LISTS_MIGRATIONS = { name: 'lists', folder: migrationsFolder };
