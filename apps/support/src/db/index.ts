import { fileURLToPath } from 'node:url';
import type { Queryable } from '@mailroom/core';

export * as schema from './schema.js';

/**
 * Core's `Queryable` (any drizzle database or transaction, whatever its schema): the store's `db`, a
 * handler's `ctx.tx` and `store.transaction`'s `tx` all fit, so domain functions run inside the caller's
 * transaction. A name of ours for core's type, not a second declaration of it.
 */
export type SupportDb = Queryable;

/** Where drizzle-kit writes this app's migrations (applied with core's `store.migrate`, set `support`). */
export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
