import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config apps/lists/drizzle.config.ts` (from the repo root).
// Paths are relative to this file's folder.
const here = new URL('.', import.meta.url).pathname;

export default defineConfig({
  dialect: 'postgresql',
  schema: `${here}src/db/schema.ts`,
  out: `${here}drizzle`,
  schemaFilter: ['lists'],
  migrations: { table: '__drizzle_migrations', schema: 'lists' },
});
