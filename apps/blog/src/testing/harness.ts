/**
 * End-to-end harness: a real HTTP server with the Mailroom's webhook at /webhooks/sendgrid/parse and
 * the blog mounted at /blog, a test store (PGlite, or a fresh PostgreSQL database with DATABASE_URL),
 * the Mailroom's own outbox + deliverer with a transport that keeps what it was handed (core's
 * `createTestMailroom`), and a settable clock.
 */
import type { Mailroom, PreparedMessage } from '@mailroom/core';
import { createTestMailroom, type InboundDescription, type TestStore } from '@mailroom/core/testing';
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
  /** The Mailroom the blog's routes are declared on (replay, inbox). */
  mailroom: Mailroom;
  blog: BlogApp;
  author: Author;
  /** The secret posting address of `author` (as created). */
  secretAddress: string;
  sent: PreparedMessage[];
  outcomes: MailOutcome[];
  clock: { now: Date };
  /** Posts like SendGrid (signed), then runs the worker and the deliverer. */
  post(description: InboundDescription): Promise<Response>;
  /** Ann posts to her secret posting address (`from` and `to` filled in). */
  publish(description: Omit<InboundDescription, 'from' | 'to'>): Promise<Response>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(config: Partial<BlogConfigInput> = {}): Promise<Harness> {
  const t = await createTestMailroom({ mail: { from: `Field Notes <blog@${DOMAIN}>` } });
  const origin = t.url;
  const clock = { now: new Date('2026-11-26T10:00:00Z') };
  const outcomes: MailOutcome[] = [];
  const blog = await createBlogApp({
    mailroom: t.mailroom,
    store: t.store,
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
  t.app.route('/blog', blog.web);
  const secretAddress = `post+${author.postingToken}@${DOMAIN}`;

  return {
    origin,
    url: `${origin}/blog`,
    store: t.store,
    mailroom: t.mailroom,
    blog,
    author,
    secretAddress,
    sent: t.sent,
    outcomes,
    clock,
    settle: t.drain,
    post: (description) => t.post(description),
    publish: (description) => t.post({ from: `${ANN.name} <${ANN.email}>`, to: secretAddress, ...description }),
    close: t.close,
  };
}

/** GET a page's HTML (asserting the status). */
export async function page(url: string, status = 200, init: RequestInit = {}): Promise<string> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const body = await response.text();
  if (response.status !== status)
    throw new Error(`GET ${url}: expected ${status}, got ${response.status}: ${body.slice(0, 300)}`);
  return body;
}
