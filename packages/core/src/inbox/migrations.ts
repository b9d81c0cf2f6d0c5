import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { rowsOf, type Database } from './database.js';

/**
 * A folder of drizzle-kit generated migrations applied as a unit, with its own migrations table
 * (`<migrationsSchema>.__migrations_<name>`), so core, outbound, events and each app evolve independently.
 */
export interface MigrationSet {
  name: string;
  /** Absolute path of the drizzle-kit `out` folder (holding `meta/_journal.json`). */
  folder: string;
  /** Schema of the migrations table; default `mailroom`. */
  migrationsSchema?: string;
}

export interface AppliedMigration {
  set: string;
  tag: string;
}

const drizzleFolder = (name: string) => fileURLToPath(new URL(`../../drizzle/${name}`, import.meta.url));

/** The sets `openStore()` applies. Other core folders append theirs here (one line each). */
export const coreMigrationSets: MigrationSet[] = [
  { name: 'inbox', folder: drizzleFolder('inbox') },
  { name: 'outbound', folder: drizzleFolder('outbound') },
  { name: 'events', folder: drizzleFolder('events') },
];

const SET_NAME = /^[a-z][a-z0-9_]*$/;

export function migrationsTableOf(set: MigrationSet): { schema: string; table: string } {
  if (!SET_NAME.test(set.name)) throw new Error(`invalid migration set name: ${JSON.stringify(set.name)}`);
  return { schema: set.migrationsSchema ?? 'mailroom', table: `__migrations_${set.name}` };
}

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

function readJournal(folder: string): JournalEntry[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

/**
 * The migrations of `set` not yet applied, by tag. Mirrors drizzle's migrator, which applies every
 * migration newer than the last recorded `created_at`.
 */
export async function pendingMigrations(db: Database, set: MigrationSet): Promise<string[]> {
  const { schema, table } = migrationsTableOf(set);
  const entries = readJournal(set.folder);
  const [exists] = rowsOf<{ name: string | null }>(
    await db.execute(sql`select to_regclass(${`"${schema}"."${table}"`})::text as name`),
  );
  if (!exists?.name) return entries.map((e) => e.tag);
  const [last] = rowsOf<{ created_at: string | number | null }>(
    await db.execute(sql`select max(created_at) as created_at from ${sql.identifier(schema)}.${sql.identifier(table)}`),
  );
  const lastMillis = last?.created_at == null ? -1 : Number(last.created_at);
  return entries.filter((e) => e.when > lastMillis).map((e) => e.tag);
}
