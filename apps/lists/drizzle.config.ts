import { defineConfig } from 'drizzle-kit';
import { appMigrationsConfig } from '@mailroom/app-kit/drizzle-kit';

// `npx drizzle-kit generate --config apps/lists/drizzle.config.ts` from the repo root (or `npx drizzle-kit generate` here).
export default defineConfig(
  appMigrationsConfig(import.meta.url, {
    schema: 'lists',
    migrations: { table: '__drizzle_migrations', schema: 'lists' },
  }),
);
