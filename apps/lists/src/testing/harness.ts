/**
 * End-to-end harness: a real HTTP server with the Mailroom webhook, the Event Webhook endpoint and
 * the lists web app under /lists; a test store (PGlite, or a fresh PostgreSQL database with
 * DATABASE_URL); the Mailroom's outbox deliverer over a transport that keeps every batch it was handed
 * (core's `createTestMailroom`).
 */
import type { PreparedMessage } from '@mailroom/core';
import type { AutoReplyLimit } from '@mailroom/core/outbound';
import { createTestMailroom, type InboundDescription, type TestMailroom, type TestStore } from '@mailroom/core/testing';
import { createListsApp, type InboundResult, type ListsApp, type ListsConfig } from '../index.js';
import type { ListsDb } from '../db/index.js';
import { hashPassword } from '../web/auth.js';

export const DOMAIN = 'lists.example.com';
export const ADMIN_PASSWORD = 'correct horse battery';
let adminHash: Promise<string> | null = null;

export interface Harness {
  url: string;
  /** The Mailroom the lists' routes are declared on (replay, inbox). */
  mailroom: TestMailroom['mailroom'];
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

export const KEYS = [{ id: 'k1', secret: 'test secret for the lists app signing keys' }];

export interface HarnessOptions {
  /** The Mailroom's automatic-reply limits (default core's: 3 per recipient a day, 1,000 an hour). */
  autoReplyLimit?: AutoReplyLimit;
}

export async function startHarness(config: Partial<ListsConfig> = {}, options: HarnessOptions = {}): Promise<Harness> {
  // SendGrid-sized batches: 1,000 personalizations per request, 1,000 rows claimed per round. The lists
  // sign with the Mailroom's signers, on the lists' own domain.
  const t = await createTestMailroom({
    mail: {
      from: `lists@${DOMAIN}`,
      deliverer: { claimLimit: 1000 },
      replyAddresses: { keys: KEYS, domain: DOMAIN },
      messageIds: { keys: KEYS, domain: DOMAIN },
      ...(options.autoReplyLimit ? { autoReplyLimit: options.autoReplyLimit } : {}),
    },
    maxBatchSize: 1000,
  });
  adminHash ??= hashPassword(ADMIN_PASSWORD);
  const results: InboundResult[] = [];
  const lists = await createListsApp({
    mailroom: t.mailroom,
    store: t.store,
    config: {
      domain: DOMAIN,
      publicUrl: 'https://example.com/lists',
      basePath: '/lists',
      keys: KEYS,
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
    mailroom: t.mailroom,
    store: t.store,
    db: t.store.db,
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
