import { defineConfig } from 'drizzle-kit';
import { appMigrationsConfig } from '@mailroom/app-kit/drizzle-kit';

// `npx drizzle-kit generate --config apps/avatars/drizzle.config.ts` from the repo root (or `npx drizzle-kit generate` here).
export default defineConfig(
  appMigrationsConfig(import.meta.url, {
    schema: 'avatars',
    migrations: { table: '__migrations_avatars', schema: 'mailroom' },
  }),
);
