import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config packages/core/drizzle.inbox.config.ts` after changing src/inbox/schema.ts.
// The generated `CREATE SCHEMA "mailroom"` is edited to `IF NOT EXISTS`: several migration sets share the schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/inbox/schema.ts',
  out: './drizzle/inbox',
  schemaFilter: ['mailroom'],
  migrations: { schema: 'mailroom', table: '__migrations_inbox' },
});
