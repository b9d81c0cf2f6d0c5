import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config packages/core/drizzle.outbound.config.ts` after changing src/outbound/schema.ts.
// The generated `CREATE SCHEMA "mailroom"` is edited to `IF NOT EXISTS`: several migration sets share the schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/outbound/schema.ts',
  out: './drizzle/outbound',
  schemaFilter: ['mailroom'],
  migrations: { schema: 'mailroom', table: '__migrations_outbound' },
});
