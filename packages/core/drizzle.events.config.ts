import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config packages/core/drizzle.events.config.ts` after changing src/events/schema.ts.
// The generated `CREATE SCHEMA "mailroom"` is edited to `IF NOT EXISTS`: several migration sets share the schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/events/schema.ts',
  out: './drizzle/events',
  schemaFilter: ['mailroom'],
  migrations: { schema: 'mailroom', table: '__migrations_events' },
});
