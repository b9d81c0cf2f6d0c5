/**
 * End-to-end harness: a real HTTP server with the Mailroom webhook, the Event Webhook endpoint and
 * the lists web app under /lists; a test store (PGlite, or a fresh PostgreSQL database with
 * DATABASE_URL); the app's own outbox deliverer over a transport that keeps every batch it was handed.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createEventDispatcher, createMailroom, eventsHandler, type PreparedMessage, type Transport } from '@mailroom/core';
import { createTestStore, inboundRequest, signatureHeaders, TEST_KEY_PAIR, type InboundDescription, type TestStore } from '@mailroom/core/testing';
import { createListsApp, type InboundResult, type ListsApp, type ListsConfig } from '../index.js';
import type { ListsDb } from '../db/index.js';
import { hashPassword } from '../web/auth.js';

export const DOMAIN = 'lists.example.com';
export const ADMIN_PASSWORD = 'correct horse battery';
let adminHash: Promise<string> | null = null;

export interface Harness {
  url: string;
  store: TestStore;
  db: ListsDb;
  lists: ListsApp;
  /** Every transport call (one batch = one provider request), oldest first. */
  batches: PreparedMessage[][];
  /** Every message handed to the transport. */
  sent(): PreparedMessage[];
  results: InboundResult[];
  /** Posts like SendGrid (signed) to the Inbound Parse webhook, then settles. */
  post(description: InboundDescription): Promise<Response>;
  /** Posts signed Event Webhook events, then runs the dispatcher and settles. */
  postEvents(events: Record<string, unknown>[]): Promise<Response>;
  /** Inbound worker → fan-out → deliverer, until nothing is left. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(config: Partial<ListsConfig> = {}): Promise<Harness> {
  const store = await createTestStore();
  const mailroom = createMailroom({ store, security: { publicKeys: [TEST_KEY_PAIR.publicKey] }, worker: { autoStart: false } });
  const batches: PreparedMessage[][] = [];
  const transport: Transport = {
    name: 'capture',
    maxBatchSize: 1000,
    async deliver(batch) {
      batches.push([...batch]);
      return { providerMessageId: `capture-${batches.length}` };
    },
  };
  adminHash ??= hashPassword(ADMIN_PASSWORD);
  const results: InboundResult[] = [];
  const lists = await createListsApp({
    mailroom,
    store,
    transport,
    config: {
      domain: DOMAIN,
      publicUrl: 'https://example.com/lists',
      basePath: '/lists',
      keys: [{ id: 'k1', secret: 'test secret for the lists app signing keys' }],
      adminPasswordHash: await adminHash,
      secureCookies: false,
      ...config,
    },
    onInbound: (r) => results.push(r),
  });
  const dispatcher = createEventDispatcher({ store });
  lists.registerEventHandlers(dispatcher);
  const handleEvents = eventsHandler({ store, publicKeys: [TEST_KEY_PAIR.publicKey] });

  const app = new Hono();
  app.post('/webhooks/sendgrid/events', (c) => handleEvents(c.req.raw));
  app.route('/webhooks/sendgrid', mailroom.app());
  app.route('/lists', lists.web);
  const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  if (!server.listening) await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function settle() {
    await mailroom.drain();
    await lists.drain();
  }
  return {
    url,
    store,
    db: store.db as unknown as ListsDb,
    lists,
    batches,
    sent: () => batches.flat(),
    results,
    settle,
    async post(description) {
      const response = await fetch(inboundRequest(description, { sign: TEST_KEY_PAIR, url: `${url}/webhooks/sendgrid/parse` }));
      await settle();
      return response;
    },
    async postEvents(events) {
      const body = new TextEncoder().encode(JSON.stringify(events));
      const response = await fetch(`${url}/webhooks/sendgrid/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signatureHeaders(TEST_KEY_PAIR, body) },
        body,
      });
      await dispatcher.drain();
      await settle();
      return response;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mailroom.stop();
      await lists.stop();
      await dispatcher.stop();
      await store.close();
    },
  };
}
