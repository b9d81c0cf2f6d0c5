import { fileURLToPath } from 'node:url';
import type { MigrationSet, Queryable } from '@mailroom/core';

export * as schema from './schema.js';

/**
 * Core's store database or a transaction (`store.db`, a handler's `ctx.tx`), so domain functions run inside the
 * caller's transaction.
 */
export type BlogDb = Queryable;

/** The app's drizzle-kit migrations, applied with core's `store.migrate(blogMigrations)`. */
export const blogMigrations: MigrationSet = {
  name: 'blog',
  folder: fileURLToPath(new URL('../../drizzle', import.meta.url)),
};
