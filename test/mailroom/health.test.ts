import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mailroom } from '@mailroom/core';
import { healthRoutes, type HealthOptions, type Readiness } from '@mailroom/core/http';
import { createProxiedTestStore, createTestStore, type ProxiedTestStore, type TestStore } from '@mailroom/core/testing';
import { testMailroom } from './support.js';

/** Serves the health routes over real HTTP; returns a getter for `/readyz` and `/healthz`. */
async function serveHealth(mailroom: Mailroom<object>, options?: HealthOptions) {
  const server: ServerType = await new Promise((listening) => {
    const s = serve({ fetch: healthRoutes(mailroom, options).fetch, port: 0, hostname: '127.0.0.1' }, () =>
      listening(s),
    );
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    readyz: async () => {
      const response = await fetch(`${base}/readyz`);
      return { status: response.status, body: (await response.json()) as Readiness };
    },
    healthz: () => fetch(`${base}/healthz`),
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** A drizzle-kit style folder with one migration that was never applied. */
async function unappliedMigrationSet(dir: string) {
  const folder = join(dir, 'never-applied');
  await mkdir(join(folder, 'meta'), { recursive: true });
  await writeFile(
    join(folder, 'meta', '_journal.json'),
    JSON.stringify({
      version: '7',
      dialect: 'postgresql',
      entries: [{ idx: 0, version: '7', when: 1_700_000_000_000, tag: '0000_widgets', breakpoints: true }],
    }),
  );
  await writeFile(join(folder, '0000_widgets.sql'), 'create table widgets (id int);');
  return { name: 'widgets', folder };
}

describe('healthRoutes: /healthz and /readyz', () => {
  let store: TestStore;
  let dir: string;
  beforeAll(async () => {
    store = await createTestStore();
    dir = await mkdtemp(join(tmpdir(), 'mailroom-health-'));
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is ready on a migrated store, unready while an app migration is pending, and once stop() began', async () => {
    const mailroom = testMailroom(store);
    const health = await serveHealth(mailroom);
    const pending = await serveHealth(mailroom, { migrationSets: [await unappliedMigrationSet(dir)] });
    try {
      expect((await health.healthz()).status).toBe(200);
      const ready = await health.readyz();
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ready',
        checks: {
          database: { ok: true },
          migrations: { ok: true },
          worker: { ok: true, detail: 'idle (starts with the first post)' },
        },
      });

      const unmigrated = await pending.readyz();
      expect(unmigrated.status).toBe(503);
      expect(unmigrated.body.checks.migrations).toEqual({
        ok: false,
        detail: 'pending: widgets/0000_widgets (run mailroom migrate)',
      });

      mailroom.start();
      expect((await health.readyz()).body.checks.worker).toEqual({ ok: true, detail: 'running' });
      await mailroom.stop();
      const stopping = await health.readyz();
      expect(stopping.status).toBe(503);
      expect(stopping.body.checks.worker).toEqual({ ok: false, detail: 'stopped' });
      expect((await health.healthz()).status).toBe(200); // liveness does not depend on readiness
    } finally {
      await health.close();
      await pending.close();
    }
  });
});

// A network between the app and PostgreSQL to cut: PostgreSQL only.
describe.skipIf(!process.env.DATABASE_URL)('/readyz while the database is cut (TCP proxy)', () => {
  let store: ProxiedTestStore;
  beforeAll(async () => {
    store = await createProxiedTestStore(process.env.DATABASE_URL!, { timeouts: { connectMs: 1000 } });
  });
  afterAll(() => store?.close());

  it('answers 503 with the reason while cut or unresponsive, and 200 once restored', async () => {
    const health = await serveHealth(testMailroom(store), { timeoutMs: 1500 });
    try {
      expect((await health.readyz()).status).toBe(200);
      store.proxy.cut();
      const cut = await health.readyz();
      expect(cut.status).toBe(503);
      expect(cut.body.checks.database.ok).toBe(false);
      expect(cut.body.checks.database.detail).toMatch(/connection|refused|closed|no answer|timeout/i);
      expect(cut.body.checks.migrations.detail).toMatch(/not checked/);

      store.proxy.blackhole();
      const hung = await health.readyz();
      expect(hung.status).toBe(503);
      expect(hung.body.checks.database.detail).toMatch(/no answer within 1500 ms|timeout/);

      store.proxy.restore();
      await expect.poll(async () => (await health.readyz()).status, { timeout: 15_000, interval: 250 }).toBe(200);
    } finally {
      await health.close();
    }
  });
});
