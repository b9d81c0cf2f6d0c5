/**
 * @mailroom/app-support — a help desk on @mailroom/core: support tickets by email, an agent web UI
 * and a JSON API.
 *
 * @example
 * ```ts
 * // mailroom = createMailroom({ store, security, mail: { from: 'support@support.example.com', transport } })
 * const support = await createSupportApp({ mailroom, store, config: {
 *   domain: 'support.example.com',
 *   queues: [{ address: 'support@support.example.com', name: 'general' }],
 *   keys: [{ id: 'k1', secret: process.env.SUPPORT_SECRET! }],
 * } });
 * app.route('/support', support.web);           // with config.basePath = '/support'
 * support.registerEventHandlers(mailroom.events); // bounces and drops from the Event Webhook
 * ```
 */
import type { Hono } from 'hono';
import {
  createMessageIds,
  createReplyAddresses,
  type EventHandlerRegistry,
  type Mailer,
  type Mailroom,
  type Store,
  type Transaction,
} from '@mailroom/core';
import { resolveConfig, type ResolvedConfig, type SupportConfig } from './config.js';
import { coreMailText } from './core-text.js';
import { migrationsFolder, type SupportDb } from './db/index.js';
import { handleBounceEvent, type InboundResult, type MailText } from './inbound.js';
import { REPLY_LOCAL_PREFIX, registerSupportRoutes } from './mail.js';
import type { SupportServices } from './ports.js';
import { createAppKit, type AppKit } from '@mailroom/app-kit';
import { SESSION_TTL_MS } from './domain/agents.js';
import { createWebApp } from './web/app.js';
import { SESSION_COOKIE } from './web/session.js';

export interface SupportAppConfig extends SupportConfig {
  /** Signing keys for reply addresses and Message-IDs; the first signs, all verify (rotation). */
  keys: { id: string; secret: string }[];
}

export interface SupportAppOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  mailroom: Mailroom<any>;
  store: Store;
  /** Where ticket mail is queued; default `mailroom.mailer` (give the Mailroom `mail: { from, transport }`). */
  mailer?: Mailer;
  config: SupportAppConfig;
  /** Override the text analysis (tests, or core's own once it has classify/DSN/verdict). */
  text?: MailText;
  /** Called with what each inbound email did (logging, tests). */
  onInbound?: (result: InboundResult) => void;
}

export interface SupportApp {
  /** Agent UI and, under `/api`, the JSON API. Mount at `config.basePath`. */
  web: Hono;
  config: ResolvedConfig;
  services: SupportServices;
  /** Sessions, login throttling and the password policy of the agents (`@mailroom/app-kit`). */
  kit: AppKit;
  /** Feed SendGrid Event Webhook bounce/dropped events here (custom arg `support_ticket` names the ticket). */
  onBounceEvent(event: { email: string; reason?: string | null; status?: string | null; customArgs?: Record<string, unknown> }): Promise<void>;
  /**
   * Handles the Event Webhook's hard `bounce` and `dropped` events for our mail (custom arg
   * `support_ticket`): the address becomes undeliverable on the ticket, in the event's transaction.
   */
  registerEventHandlers(events: EventHandlerRegistry): void;
}

function ticketArg(customArgs: Record<string, unknown> | undefined): string | null {
  const value = customArgs?.support_ticket;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

export const SUPPORT_MIGRATIONS = { name: 'support', folder: migrationsFolder };

/** Applies migrations, registers the mail routes on the Mailroom and builds the web app. */
export async function createSupportApp(options: SupportAppOptions): Promise<SupportApp> {
  const config = resolveConfig(options.config);
  const { store } = options;
  const mailer = options.mailer ?? options.mailroom.mailer;
  if (!options.config.keys?.length) throw new Error('support: at least one signing key is required');
  const replyAddresses = createReplyAddresses({ keys: options.config.keys, domain: config.domain, localPrefix: REPLY_LOCAL_PREFIX });
  const messageIds = createMessageIds({ keys: options.config.keys, domain: config.domain });
  await store.migrate(SUPPORT_MIGRATIONS);

  // Mail queued in a transaction wakes the deliverer after that transaction commits.
  const afterCommitOf = new WeakMap<object, (fn: () => unknown) => void>();
  const services: SupportServices = {
    db: store.db as unknown as SupportDb,
    async transaction(fn) {
      const hooks: (() => unknown)[] = [];
      const result = await store.transaction(async (tx) => {
        afterCommitOf.set(tx, (hook) => hooks.push(hook));
        return fn(tx as unknown as SupportDb);
      });
      for (const hook of hooks) await hook();
      return result;
    },
    mailer: {
      async send(message, { tx }) {
        const afterCommit = afterCommitOf.get(tx);
        const { id } = await mailer.send(message, { tx: tx as unknown as Transaction, ...(afterCommit ? { afterCommit } : {}) });
        return { id };
      },
    },
    replyAddresses,
    messageIds,
    blobs: store.blobs,
    bindAfterCommit(tx, register) {
      afterCommitOf.set(tx, register);
    },
  };

  registerSupportRoutes(
    options.mailroom,
    { services, config, text: options.text ?? coreMailText(), blobs: { put: (key, data, tx) => store.blobs.put(key, data, tx as unknown as Transaction) } },
    options.onInbound,
  );
  const kit = await createAppKit({
    store,
    realm: 'support',
    secret: Buffer.from(options.config.keys[0]!.secret).toString('base64'),
    production: config.production,
    cookie: { name: SESSION_COOKIE, path: config.basePath || '/', secure: config.secureCookies, ttlMs: SESSION_TTL_MS },
  });
  const web = createWebApp(services, config, kit);
  return {
    web,
    kit,
    config,
    services,
    onBounceEvent: (event) =>
      services.transaction((tx) => handleBounceEvent(tx, { ...event, ticket: ticketArg(event.customArgs) })),
    registerEventHandlers(dispatcher) {
      dispatcher.on('bounce', async (event, { tx }) => {
        // `blocked` is usually our reputation or content, not a dead mailbox.
        if (event.type !== 'bounce' || !event.email) return;
        await handleBounceEvent(tx as unknown as SupportDb, { email: event.email, reason: event.reason, status: event.status, ticket: ticketArg(event.customArgs) });
      });
      dispatcher.on('dropped', async (event, { tx }) => {
        if (!event.email) return;
        await handleBounceEvent(tx as unknown as SupportDb, { email: event.email, reason: `dropped: ${event.reason ?? 'no reason'}`, ticket: ticketArg(event.customArgs) });
      });
    },
  };
}

export { resolveConfig } from './config.js';
export type { SupportConfig, QueueConfig, ResolvedConfig } from './config.js';
export type { InboundResult, MailText } from './inbound.js';
export { createAgent, upsertAgent, issueApiToken, agentCount, agentByEmail } from './domain/agents.js';
export * as supportSchema from './db/schema.js';
