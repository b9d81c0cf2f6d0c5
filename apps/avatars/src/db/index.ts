import { fileURLToPath } from 'node:url';
import type { MigrationSet } from '@mailroom/core';

export * from './schema.js';

/** The app's drizzle-kit migrations (apps/avatars/drizzle), applied with `store.migrate(avatarsMigrations)`. */
export const avatarsMigrations: MigrationSet = {
  name: 'avatars',
  folder: fileURLToPath(new URL('../../drizzle', import.meta.url)),
};
