/**
 * End-to-end harness: a real HTTP server with the Mailroom webhook, the Event Webhook endpoint and
 * the lists web app under /lists; a test store (PGlite, or a fresh PostgreSQL database with
 * DATABASE_URL); the Mailroom's outbox deliverer over a transport that keeps every batch it was handed
 * (core's `createTestMailroom`).
 */
import type { PreparedMessage } from '@mailroom/core';
import { createTestMailroom, type InboundDescription, type TestStore } from '@mailroom/core/testing';
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
  // SendGrid-sized batches: 1,000 personalizations per request, 1,000 rows claimed per round.
  const t = await createTestMailroom({ mail: { from: `lists@${DOMAIN}`, deliverer: { claimLimit: 1000 } }, maxBatchSize: 1000 });
  adminHash ??= hashPassword(ADMIN_PASSWORD);
  const results: InboundResult[] = [];
  const lists = await createListsApp({
    mailroom: t.mailroom,
    store: t.store,
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
  lists.registerEventHandlers(t.mailroom.events);
  t.app.route('/lists', lists.web);
  // Fan-outs run after the inbound commit, outside the Mailroom: settle waits for them too.
  t.alsoDrain(() => lists.drain());

  return {
    url: t.url,
    store: t.store,
    db: t.store.db as unknown as ListsDb,
    lists,
    batches: t.batches,
    sent: () => t.sent,
    results,
    settle: t.drain,
    post: (description) => t.post(description),
    postEvents: t.postEvents,
    async close() {
      await lists.stop();
      await t.close();
    },
  };
}
