import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config apps/avatars/drizzle.config.ts` from the repo root
// (or `npx drizzle-kit generate` in this folder). Paths are relative to this file's folder.
const here = new URL('.', import.meta.url).pathname;

export default defineConfig({
  dialect: 'postgresql',
  schema: `${here}src/db/schema.ts`,
  out: `${here}drizzle`,
  schemaFilter: ['avatars'],
  migrations: { table: '__migrations_avatars', schema: 'mailroom' },
});
