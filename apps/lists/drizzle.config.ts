import { relative } from 'node:path';
import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config apps/lists/drizzle.config.ts` (from the repo root, or here).
// drizzle-kit reads existing snapshots relative to the working directory, so the paths are made relative to it.
const here = relative(process.cwd(), new URL('.', import.meta.url).pathname) || '.';

export default defineConfig({
  dialect: 'postgresql',
  schema: `${here}/src/db/schema.ts`,
  out: `${here}/drizzle`,
  schemaFilter: ['lists'],
  migrations: { table: '__drizzle_migrations', schema: 'lists' },
});
