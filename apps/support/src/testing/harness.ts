/**
 * End-to-end harness: a real HTTP server (node) with the Mailroom's webhook and the support web app,
 * a test store (PGlite, or a fresh PostgreSQL database with DATABASE_URL), the real outbox and
 * deliverer with a transport that keeps what it was handed.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import {
  createMailer,
  createMailroom,
  createEventDispatcher,
  createOutboxDeliverer,
  eventsHandler,
  type Mailroom,
  type PreparedMessage,
  type Transport,
} from '@mailroom/core';
import { createTestStore, inboundRequest, signatureHeaders, TEST_KEY_PAIR, type InboundDescription, type TestStore } from '@mailroom/core/testing';
import { createSupportApp, type SupportApp, type SupportAppConfig, type InboundResult } from '../index.js';
import { createAgent, issueApiToken } from '../domain/agents.js';

export const DOMAIN = 'support.example.com';
export const SUPPORT = `support@${DOMAIN}`;
export const BILLING = `billing@${DOMAIN}`;
export const AGENT = { email: 'alice@staff.test', name: 'Alice Agent', password: 'alice password 1' };

export interface Harness {
  url: string;
  store: TestStore;
  mailroom: Mailroom;
  support: SupportApp;
  /** Everything the deliverer handed to the transport, oldest first. */
  sent: PreparedMessage[];
  results: InboundResult[];
  agentId: number;
  apiToken: string;
  /** Posts like SendGrid (signed), then runs the worker and the deliverer. */
  post(description: InboundDescription): Promise<Response>;
  postRaw(request: Request): Promise<Response>;
  /** Posts Event Webhook events (signed) and runs the event dispatcher. */
  postEvents(events: Record<string, unknown>[]): Promise<Response>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(config: Partial<SupportAppConfig> = {}): Promise<Harness> {
  const store = await createTestStore();
  const mailroom = createMailroom({
    store,
    security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
    worker: { autoStart: false },
  });
  const sent: PreparedMessage[] = [];
  const transport: Transport = {
    name: 'capture',
    maxBatchSize: 1,
    async deliver(batch) {
      sent.push(...batch);
      return { providerMessageId: null };
    },
  };
  const deliverer = createOutboxDeliverer({ store, transport });
  const mailer = createMailer({ store, domain: DOMAIN });
  const results: InboundResult[] = [];
  const support = await createSupportApp({
    mailroom,
    store,
    mailer,
    config: {
      domain: DOMAIN,
      queues: [
        { address: SUPPORT, name: 'general' },
        { address: BILLING, name: 'billing' },
      ],
      keys: [{ id: 'k1', secret: 'test secret for support app signing keys' }],
      secureCookies: false,
      ...config,
    },
    onInbound: (r) => results.push(r),
  });
  const agent = await createAgent(support.services.db, AGENT);
  const apiToken = await issueApiToken(support.services.db, agent.id);

  const dispatcher = createEventDispatcher({ store });
  support.registerEventHandlers(dispatcher);
  const handleEvents = eventsHandler({ store, publicKeys: [TEST_KEY_PAIR.publicKey] });

  const app = new Hono();
  app.post('/webhooks/sendgrid/events', (c) => handleEvents(c.req.raw));
  app.route('/webhooks/sendgrid', mailroom.app());
  app.route('/', support.web);
  const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  if (!server.listening) await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function settle() {
    await mailroom.drain();
    await deliverer.drain();
  }
  async function postRaw(request: Request) {
    const response = await fetch(request);
    await settle();
    return response;
  }
  return {
    url,
    store,
    mailroom,
    support,
    sent,
    results,
    agentId: agent.id,
    apiToken,
    settle,
    postRaw,
    async postEvents(events) {
      const body = new TextEncoder().encode(JSON.stringify(events));
      const response = await fetch(`${url}/webhooks/sendgrid/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signatureHeaders(TEST_KEY_PAIR, body) },
        body,
      });
      await dispatcher.drain();
      return response;
    },
    post: (description) => postRaw(inboundRequest(description, { sign: TEST_KEY_PAIR, url: `${url}/webhooks/sendgrid/parse` })),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mailroom.stop();
      await deliverer.stop();
      await dispatcher.stop();
      await store.close();
    },
  };
}
