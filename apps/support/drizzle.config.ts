import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config apps/support/drizzle.config.ts` (from the repo root) or
// `npx drizzle-kit generate` here. Paths are relative to this file's folder.
const here = new URL('.', import.meta.url).pathname;

export default defineConfig({
  dialect: 'postgresql',
  schema: `${here}src/db/schema.ts`,
  out: `${here}drizzle`,
  schemaFilter: ['support'],
  migrations: { table: '__drizzle_migrations', schema: 'support' },
});
