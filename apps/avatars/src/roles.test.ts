import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '@mailroom/core';
import { rowsOf } from '@mailroom/core/inbox';
import { createTestDatabase, inboundRequest } from '@mailroom/core/testing';
import { EnvError } from '@mailroom/app-kit';
import { main } from './server.js';

// One database, two processes in turn: a receiver, then a worker. PGlite in a data folder (one process at a
// time), or with DATABASE_URL a fresh PostgreSQL database of this test's own: never the shared one, whose
// other tests' workers would process the receiver's email.
let dir: string;
let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
const storeOptions = () => ({ databaseUrl: database?.url ?? '', dataDir: dir });
const env = (extra: Record<string, string>) => ({
  PORT: '0',
  HOST: '127.0.0.1',
  MAILROOM_INSECURE: '1',
  AVATARS_SESSION_SECRET: 'a-standalone-session-secret-of-32+chars',
  AVATARS_PUBLIC_URL: 'http://127.0.0.1/pictures',
  DATABASE_URL: database?.url ?? '',
  MAILROOM_DATA_DIR: dir,
  ...extra,
});

async function statuses(): Promise<string[]> {
  const store = await openStore(storeOptions());
  try {
    const rows = rowsOf<{ status: string }>(await store.db.execute(sql`select status from mailroom.inbound_emails`));
    return rows.map((r) => r.status);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avatars-roles-'));
  if (process.env.DATABASE_URL) database = await createTestDatabase(process.env.DATABASE_URL);
});
afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

it('MAILROOM_WORKER=off serves and stores but processes nothing; a process with the worker processes what it stored', async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => void lines.push(String(line));
  const receiver = await main(env({ MAILROOM_WORKER: 'off' })).finally(() => (console.log = log));
  const url = `http://127.0.0.1:${receiver.port}/webhooks/sendgrid/parse`;
  const post = await fetch(inboundRequest({ from: 'x@example.com', to: 'avatar@avatars.example.com' }, { url }));
  expect(post.status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // time a worker would have used
  await receiver.close();
  expect(lines.some((l) => l.includes('"role":"receiver"'))).toBe(true);
  expect(await statuses()).toEqual(['pending']);

  for (let round = 0; round < 10 && (await statuses())[0] === 'pending'; round++) {
    const worker = await main(env({}));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await worker.close();
  }
  // Processed: the avatars handler bounces a mail that carries no picture.
  expect(await statuses()).toEqual(['bounced']);
});

it('a MAILROOM_WORKER that is neither on nor off is a configuration error naming it', async () => {
  await expect(main(env({ MAILROOM_WORKER: 'maybe' }))).rejects.toThrow(EnvError);
  await expect(main(env({ MAILROOM_WORKER: 'maybe' }))).rejects.toThrow(/MAILROOM_WORKER must be on or off/);
});
