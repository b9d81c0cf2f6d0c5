/**
 * End-to-end harness: a real HTTP server with the Mailroom's webhook at /webhooks/sendgrid/parse and
 * the blog mounted at /blog, a test store (PGlite, or a fresh PostgreSQL database with DATABASE_URL),
 * the real outbox + deliverer with a transport that keeps what it was handed, and a settable clock.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createMailer, createMailroom, createOutboxDeliverer, type PreparedMessage, type Transport } from '@mailroom/core';
import { createTestStore, inboundRequest, TEST_KEY_PAIR, type InboundDescription, type TestStore } from '@mailroom/core/testing';
import { createBlogApp, createAuthor, type BlogApp, type BlogConfigInput, type MailOutcome } from '../index.js';
import type { Author } from '../db/schema.js';

export const DOMAIN = 'blog.example.com';
export const ANN = { email: 'ann@writers.test', name: 'Ann Author', password: 'ann password 123' };

export interface Harness {
  /** Server origin, e.g. http://127.0.0.1:40123 */
  origin: string;
  /** The blog's public URL (origin + /blog). */
  url: string;
  store: TestStore;
  blog: BlogApp;
  author: Author;
  /** The secret posting address of `author` (as created). */
  secretAddress: string;
  sent: PreparedMessage[];
  outcomes: MailOutcome[];
  clock: { now: Date };
  /** Posts like SendGrid (signed), then runs the worker and the deliverer. */
  post(description: InboundDescription): Promise<Response>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(config: Partial<BlogConfigInput> = {}): Promise<Harness> {
  let handle: (request: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const server: ServerType = serve({ fetch: (request) => handle(request), port: 0, hostname: '127.0.0.1' });
  if (!server.listening) await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const store = await createTestStore();
  const mailroom = createMailroom({ store, security: { publicKeys: [TEST_KEY_PAIR.publicKey] }, worker: { autoStart: false } });
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
  const clock = { now: new Date('2026-11-26T10:00:00Z') };
  const outcomes: MailOutcome[] = [];
  const blog = await createBlogApp({
    mailroom,
    store,
    mailer,
    config: {
      domain: DOMAIN,
      publicUrl: `${origin}/blog`,
      keys: [{ id: 'k1', secret: 'test secret for the blog app signing keys' }],
      title: 'Field Notes',
      tagline: 'Written by email',
      now: () => clock.now,
      ...config,
    },
    onMail: (outcome) => outcomes.push(outcome),
  });
  const author = await createAuthor(blog.db, { ...ANN, isAdmin: true });

  const app = new Hono();
  app.route('/webhooks/sendgrid', mailroom.app());
  app.route('/blog', blog.web);
  handle = app.fetch;

  async function settle() {
    await mailroom.drain();
    await deliverer.drain();
  }
  return {
    origin,
    url: `${origin}/blog`,
    store,
    blog,
    author,
    secretAddress: `post+${author.postingToken}@${DOMAIN}`,
    sent,
    outcomes,
    clock,
    settle,
    async post(description) {
      const response = await fetch(inboundRequest(description, { sign: TEST_KEY_PAIR, url: `${origin}/webhooks/sendgrid/parse` }));
      await settle();
      return response;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mailroom.stop();
      await deliverer.stop();
      await store.close();
    },
  };
}

/** GET a page's HTML (asserting the status). */
export async function page(url: string, status = 200, init: RequestInit = {}): Promise<string> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const body = await response.text();
  if (response.status !== status) throw new Error(`GET ${url}: expected ${status}, got ${response.status}: ${body.slice(0, 300)}`);
  return body;
}
