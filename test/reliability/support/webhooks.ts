import { Hono } from 'hono';
import { startServer, type Mailroom } from '@mailroom/core';
import { createTestStore, type TestStore } from '@mailroom/core/testing';

/** A Mailroom on a fresh test store behind a real HTTP server; `url` is its Parse Webhook endpoint. */
export interface WebhookServer {
  store: TestStore;
  mailroom: Mailroom;
  url: string;
  /** The server, then the Mailroom, then the store. */
  close(): Promise<void>;
}

/** Serves the Mailroom `build` makes on a fresh test store, its webhooks at /webhooks/sendgrid as in production. */
export async function startWebhookServer(
  build: (store: TestStore) => Mailroom | Promise<Mailroom>,
): Promise<WebhookServer> {
  const store = await createTestStore();
  const mailroom = await build(store);
  const server = await startServer(new Hono().route('/webhooks/sendgrid', mailroom.app()).fetch, {
    hostname: '127.0.0.1',
  });
  return {
    store,
    mailroom,
    url: `${server.url}/webhooks/sendgrid/parse`,
    async close() {
      await server.close();
      await mailroom.stop();
      await store.close();
    },
  };
}
