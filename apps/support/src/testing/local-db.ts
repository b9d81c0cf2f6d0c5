/**
 * LOCAL ADAPTER (test-only) until core's `createTestStore()` + `store.migrate()` land:
 * a fresh database with this app's migrations applied — PGlite in memory, or a new database on
 * the server in DATABASE_URL. Replace with `@mailroom/core/testing` once available.
 */
import { randomBytes } from 'node:crypto';
import type { SupportDb } from '../db/index.js';
import { migrationsFolder } from '../db/index.js';

export interface LocalTestDb {
  db: SupportDb;
  close(): Promise<void>;
}

const migrationsConfig = { migrationsFolder, migrationsSchema: 'support', migrationsTable: '__drizzle_migrations' };

export async function createLocalTestDb(): Promise<LocalTestDb> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    const client = new PGlite();
    const db = drizzle(client);
    await migrate(db, migrationsConfig);
    return { db, close: () => client.close() };
  }
  const postgres = (await import('postgres')).default;
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const name = `support_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const client = postgres(target.toString(), { max: 4, onnotice: () => {} });
  const db = drizzle(client);
  await migrate(db, migrationsConfig);
  return {
    db,
    async close() {
      await client.end();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
