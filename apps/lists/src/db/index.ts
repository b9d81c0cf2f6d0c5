import { fileURLToPath } from 'node:url';
import type { Database } from '@mailroom/core';

export * as schema from './schema.js';

/**
 * Core's `Database` (any drizzle database or transaction, whatever its schema): core's store (PGlite or
 * postgres.js), a handler's `ctx.tx` and a web action's transaction all fit, so domain functions run
 * inside the caller's transaction without casts.
 */
export type ListsDb = Database;

/** Where drizzle-kit writes this app's migrations (applied with core's `store.migrate`, set `lists`). */
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export const LISTS_MIGRATIONS = { name: 'lists', folder: migrationsFolder };
