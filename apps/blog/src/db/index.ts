import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { MigrationSet } from '@mailroom/core';

export * as schema from './schema.js';

/**
 * Any drizzle Postgres database or transaction: core's store (PGlite or postgres.js) and a
 * handler's `ctx.tx` both fit, so domain functions run inside the caller's transaction.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type BlogDb = PgDatabase<PgQueryResultHKT, any, any>;

/** The app's drizzle-kit migrations, applied with core's `store.migrate(blogMigrations)`. */
export const blogMigrations: MigrationSet = {
  name: 'blog',
  folder: new URL('../../drizzle', import.meta.url).pathname,
};
