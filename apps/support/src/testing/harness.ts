/**
 * End-to-end harness: a real HTTP server (node) with the Mailroom's webhook and the support web app,
 * a test store (PGlite, or a fresh PostgreSQL database with DATABASE_URL), the Mailroom's own outbox,
 * deliverer and event dispatcher with a transport that keeps what it was handed (core's `createTestMailroom`).
 */
import type { Mailroom, PreparedMessage } from '@mailroom/core';
import type { AutoReplyLimit } from '@mailroom/core/outbound';
import { createTestMailroom, type InboundDescription, type TestStore } from '@mailroom/core/testing';
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

/** The Mailroom's signing keys (reply addresses and Message-IDs). */
export const KEYS = [{ id: 'k1', secret: 'test secret for support app signing keys' }];

export interface HarnessOptions {
  /** The Mailroom's automatic-reply limits (acknowledgements); default core's 3 per recipient / 24 h, 1,000 / h. */
  autoReplyLimit?: AutoReplyLimit;
}

export async function startHarness(
  config: Partial<SupportAppConfig> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const t = await createTestMailroom({
    mail: {
      from: SUPPORT,
      replyAddresses: { keys: KEYS, domain: DOMAIN },
      messageIds: { keys: KEYS, domain: DOMAIN },
      ...(options.autoReplyLimit ? { autoReplyLimit: options.autoReplyLimit } : {}),
    },
  });
  const results: InboundResult[] = [];
  const support = await createSupportApp({
    mailroom: t.mailroom,
    store: t.store,
    sessionSecret: KEYS[0]!.secret,
    config: {
      domain: DOMAIN,
      queues: [
        { address: SUPPORT, name: 'general' },
        { address: BILLING, name: 'billing' },
      ],
      secureCookies: false,
      ...config,
    },
    onInbound: (r) => results.push(r),
  });
  const agent = await createAgent(support.services.db, AGENT);
  const apiToken = await issueApiToken(support.services.db, agent.id);
  support.registerEventHandlers(t.mailroom.events);
  t.app.route('/', support.web);

  return {
    url: t.url,
    store: t.store,
    mailroom: t.mailroom,
    support,
    sent: t.sent,
    results,
    agentId: agent.id,
    apiToken,
    settle: t.drain,
    postRaw: t.postRaw,
    postEvents: t.postEvents,
    post: (description) => t.post(description),
    close: t.close,
  };
}
