import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundRecord, Mailroom, Store } from '@mailroom/core';
import { createTestDatabase, createTestStore, TEST_KEY_PAIR, type TestStore } from '@mailroom/core/testing';
import { signedPost } from './support.js';

// The examples read their verification key from the environment, like a deployment would.
process.env.SENDGRID_PARSE_PUBLIC_KEY = TEST_KEY_PAIR.publicKey;

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store?.close();
});

const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** Posts a signed, kit-built email over real HTTP and waits until the worker (started by the example) processed it. */
async function postOverHttp(
  url: string,
  mailroom: Mailroom<object>,
  to = 'support+42@example.com',
): Promise<InboundRecord> {
  const request = signedPost({ to, subject: `Printer on fire ${Math.random()}` }, url);
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: await request.arrayBuffer() });
  expect(response.status).toBe(200);
  const { id, duplicate } = (await response.json()) as { id: string; duplicate: boolean };
  expect(duplicate).toBe(false);
  return waitUntilProcessed(mailroom.store, id);
}

async function waitUntilProcessed(target: Store, id: string): Promise<InboundRecord> {
  for (let i = 0; i < 200; i += 1) {
    const record = await target.inbox.get(id);
    if (record && record.status !== 'pending' && record.status !== 'processing') return record;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`email ${id} was not processed`);
}

async function closeServer(server: Server) {
  server.close();
  server.closeAllConnections();
  await once(server, 'close');
}

describe('examples, each started on a free port and posted to over HTTP', () => {
  it('Hono: app.route("/webhooks/sendgrid", mailroom.app())', async () => {
    const { start } = await import('../../examples/hono/server.js');
    const { server, mailroom } = await start({ port: 0, store });
    try {
      const base = `http://127.0.0.1:${portOf(server as Server)}`;
      expect(await (await fetch(`${base}/`)).text()).toBe('ok');
      expect(await postOverHttp(`${base}/webhooks/sendgrid/parse`, mailroom)).toMatchObject({
        status: 'delivered',
        route: 'support',
      });
      expect(await postOverHttp(`${base}/webhooks/sendgrid/parse`, mailroom, 'sales@example.com')).toMatchObject({
        status: 'ignored',
        route: 'fallback',
      });
      expect((await fetch(`${base}/webhooks/sendgrid/parse`)).status).toBe(405);
    } finally {
      await mailroom.stop();
      await closeServer(server as Server);
    }
  });

  it('plain node:http: createServer(mailroom.nodeHandler())', async () => {
    const { start } = await import('../../examples/node-http/server.js');
    const { server, mailroom } = await start({ port: 0, store });
    try {
      const record = await postOverHttp(`http://127.0.0.1:${portOf(server)}/any/path`, mailroom);
      expect(record).toMatchObject({ status: 'delivered', route: 'support', recipient: 'support+42@example.com' });
    } finally {
      await mailroom.stop();
      await closeServer(server);
    }
  });

  it('Express: the mailroom it mounts, run by node:http (express is not installed here)', async () => {
    const { createSupportMailroom } = await import('../../examples/support-mailroom.js');
    const mailroom = createSupportMailroom(store);
    // Same listener the Express example passes to app.post(); Express hands it the same IncomingMessage/ServerResponse.
    const server = createServer(mailroom.nodeHandler()).listen(0);
    await once(server, 'listening');
    try {
      expect(await postOverHttp(`http://127.0.0.1:${portOf(server)}/webhooks/sendgrid/parse`, mailroom)).toMatchObject({
        status: 'delivered',
        route: 'support',
      });
    } finally {
      await mailroom.stop();
      await closeServer(server);
    }
  });

  it('fetch runtime: export default { fetch: mailroom.fetch }, opening its own store from the environment', async () => {
    // The example calls openStore() at import: point it at a fresh database (or PGlite folder) of its own.
    const saved = { url: process.env.DATABASE_URL, dir: process.env.MAILROOM_DATA_DIR };
    const database = saved.url ? await createTestDatabase(saved.url) : null;
    const dataDir = database ? null : await mkdtemp(join(tmpdir(), 'mailroom-fetch-example-'));
    if (database) process.env.DATABASE_URL = database.url;
    else process.env.MAILROOM_DATA_DIR = dataDir!;
    const example = await import('../../examples/fetch/worker.js');
    Object.assign(process.env, { DATABASE_URL: saved.url, MAILROOM_DATA_DIR: saved.dir });
    if (saved.url === undefined) delete process.env.DATABASE_URL;
    if (saved.dir === undefined) delete process.env.MAILROOM_DATA_DIR;
    // @hono/node-server is just the Node stand-in for Bun.serve / Deno.serve here.
    const server = serve({ fetch: example.default.fetch, port: 0 }) as Server;
    await once(server, 'listening');
    try {
      expect(await postOverHttp(`http://127.0.0.1:${portOf(server)}/`, example.mailroom)).toMatchObject({
        status: 'delivered',
        route: 'support',
      });
    } finally {
      await example.mailroom.stop();
      await closeServer(server);
      await example.mailroom.store.close();
      await database?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  });
});
