import { defineConfig } from 'drizzle-kit';
import { appMigrationsConfig } from '@mailroom/app-kit/drizzle-kit';

// `npx drizzle-kit generate --config apps/support/drizzle.config.ts` from the repo root (or `npx drizzle-kit generate` here).
export default defineConfig(
  appMigrationsConfig(import.meta.url, {
    schema: 'support',
    migrations: { table: '__drizzle_migrations', schema: 'support' },
  }),
);
