/** The demo's own table: which parts of the demo world were seeded, so a restart seeds nothing twice. */
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { pgSchema, text, timestamp } from 'drizzle-orm/pg-core';
import type { MigrationSet, Store } from '@mailroom/core';

const demoSchema = pgSchema('demo');

export const seeds = demoSchema.table('seeds', {
  name: text('name').primaryKey(),
  seededAt: timestamp('seeded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const demoMigrations: MigrationSet = {
  name: 'demo',
  folder: fileURLToPath(new URL('../drizzle', import.meta.url)),
};

/**
 * Runs `seed` unless a seed of that name already ran against this database. The seed goes through the
 * app's own functions (several transactions), so the marker is written after it succeeded: a crash in
 * between re-runs it, and seeds are written to tolerate that (upserts, lookups first).
 */
export async function seedOnce(store: Store, name: string, seed: () => Promise<void>): Promise<boolean> {
  const [done] = await store.db.select({ name: seeds.name }).from(seeds).where(eq(seeds.name, name));
  if (done) return false;
  await seed();
  await store.db.insert(seeds).values({ name }).onConflictDoNothing();
  return true;
}
