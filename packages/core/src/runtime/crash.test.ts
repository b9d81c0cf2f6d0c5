import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, silentLogger, type Store } from '../inbox/index.js';
import { storablePost, uniqueDescription } from '../inbox/test-support/posts.js';
import { createTestStore } from '../testing/store.js';
import { createWorker } from './index.js';

// The child runs the TypeScript sources through tsx's loader (no build step needed in tests).
const CHILD = fileURLToPath(new URL('./test-support/blocking-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const LEASE_MS = 3000;
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Starts the blocking worker and resolves once its processor is running for `emailId`. */
function startDoomedWorker(env: Record<string, string>, emailId: string): Promise<ChildProcess> {
  const { DATABASE_URL: _ignored, ...parentEnv } = process.env;
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: REPO_ROOT,
    env: { ...parentEnv, ...env, EMAIL_ID: emailId, LEASE_MS: String(LEASE_MS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`child never started processing: ${stderr}`)), 30_000);
    proc.stderr!.on('data', (chunk) => (stderr += chunk));
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(`processing ${emailId}`)) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.on('exit', (code) => reject(new Error(`child exited (${code}) before processing: ${stderr}`)));
  });
}

async function kill(proc: ChildProcess) {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}

/** After the lease runs out, a fresh worker processes the email: attempt 2, handled once. */
async function expectTakeover(store: Store, id: string) {
  const leased = await store.inbox.get(id);
  expect(leased).toMatchObject({ status: 'processing', attempts: 1 });
  expect(leased!.leaseOwner).toBe('doomed-child');
  const attempts: number[] = [];
  const worker = createWorker({
    store,
    processor: async (ctx) => (attempts.push(ctx.attempt), { status: 'delivered', route: 'after-crash' }),
  });
  // Before expiry nobody takes the email (checked only when the lease has time left: reopening PGlite on a busy machine can outlast it).
  if (leased!.leaseUntil!.getTime() - Date.now() > 500) {
    await worker.drain();
    expect(attempts).toEqual([]);
  }
  await sleep(Math.max(0, leased!.leaseUntil!.getTime() - Date.now()) + 200);
  await worker.drain();
  expect(attempts).toEqual([2]);
  expect(await store.inbox.get(id)).toMatchObject({
    status: 'delivered',
    route: 'after-crash',
    attempts: 2,
    leaseOwner: null,
  });
}

describe.skipIf(!process.env.DATABASE_URL)('a worker killed mid-handler (PostgreSQL)', () => {
  it('is replaced: after lease expiry another worker processes the email', async () => {
    const store = await createTestStore();
    try {
      const { id } = await store.inbox.ingest(await storablePost(uniqueDescription()));
      const proc = await startDoomedWorker({ CHILD_DATABASE_URL: store.databaseUrl! }, id);
      await kill(proc);
      await expectTakeover(store, id);
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(!!process.env.DATABASE_URL)('a worker killed mid-handler (PGlite data directory)', () => {
  it('leaves the email leased; reopening the directory, a new worker takes over after expiry', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mailroom-crash-'));
    try {
      const first = await openStore({ databaseUrl: '', dataDir, logger: silentLogger });
      const { id } = await first.inbox.ingest(await storablePost(uniqueDescription()));
      await first.close();
      const proc = await startDoomedWorker({ CHILD_DATA_DIR: dataDir }, id);
      await kill(proc);
      const reopened = await openStore({ databaseUrl: '', dataDir, logger: silentLogger });
      try {
        await expectTakeover(reopened, id);
      } finally {
        await reopened.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
