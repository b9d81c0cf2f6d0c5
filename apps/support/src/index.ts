/**
 * @mailroom/app-support — a help desk on @mailroom/core: support tickets by email, an agent web UI
 * and a JSON API. It signs nothing itself: reply addresses and Message-IDs are the Mailroom's.
 *
 * @example
 * ```ts
 * const keys = [{ id: 'k1', secret: process.env.SUPPORT_SECRET! }];
 * const mailroom = createMailroom({ store, security, mail: {
 *   from: 'support@support.example.com', transport,
 *   replyAddresses: { keys, domain: 'support.example.com' },
 *   messageIds: { keys, domain: 'support.example.com' },
 * } });
 * const support = await createSupportApp({ mailroom, store, sessionSecret: process.env.SUPPORT_SECRET!, config: {
 *   domain: 'support.example.com',
 *   queues: [{ address: 'support@support.example.com', name: 'general' }],
 * } });
 * app.route('/support', support.web);           // with config.basePath = '/support'
 * support.registerEventHandlers(mailroom.events); // bounces and drops from the Event Webhook
 * ```
 */
import type { Hono } from 'hono';
import type { Mailroom, Store } from '@mailroom/core';
import type { EventHandlerRegistry } from '@mailroom/core/events';
import { resolveConfig, SupportConfigError, type ResolvedConfig, type SupportConfig } from './config.js';
import { migrationsFolder } from './db/index.js';
import type { AfterCommit, SupportServices } from './domain/services.js';
import { registerBounceEvents, registerSupportRoutes, type InboundResult } from './mail/index.js';
import { createAppKit, kitDeployment, type AppKit } from '@mailroom/app-kit';
import { SESSION_TTL_MS } from './domain/agents.js';
import { createWebApp } from './web/app.js';
import { SESSION_COOKIE } from './web/session.js';

/** The help desk's settings (signing keys are the Mailroom's `mail.replyAddresses` / `mail.messageIds`). */
export type SupportAppConfig = SupportConfig;

export interface SupportAppOptions<E extends object = {}> {
  /** Needs `mail: { from, replyAddresses, messageIds }`: the help desk's mail goes through its mailer and signers. */
  mailroom: Mailroom<E>;
  store: Store;
  config: SupportAppConfig;
  /** Signs the agents' session cookies (a long random secret; e.g. the one the Mailroom's signers use). */
  sessionSecret: string;
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
  /**
   * Handles the Event Webhook's hard `bounce` and `dropped` events for our mail (custom arg
   * `support_ticket`): the address becomes undeliverable on the ticket, in the event's transaction.
   */
  registerEventHandlers(events: EventHandlerRegistry): void;
}

export const SUPPORT_MIGRATIONS = { name: 'support', folder: migrationsFolder };

function servicesOf(mailroom: Mailroom<object>, store: Store): SupportServices {
  const { replyAddresses, messageIds } = mailroom;
  if (!replyAddresses || !messageIds) {
    throw new SupportConfigError(
      'support: the Mailroom needs mail.replyAddresses and mail.messageIds (createMailroom({ mail: { from, replyAddresses, messageIds } }))',
    );
  }
  return {
    db: store.db,
    async transaction(fn) {
      // Mail queued in the transaction wakes the deliverer once it committed.
      const hooks: Parameters<AfterCommit>[0][] = [];
      const result = await store.transaction((tx) => fn(tx, (hook) => hooks.push(hook)));
      for (const hook of hooks) await hook();
      return result;
    },
    mailer: mailroom.mailer,
    replyAddresses,
    messageIds,
    blobs: store.blobs,
  };
}

/** Applies migrations, registers the mail routes on the Mailroom and builds the web app. */
export async function createSupportApp<E extends object>(options: SupportAppOptions<E>): Promise<SupportApp> {
  const config = resolveConfig(options.config);
  const services = servicesOf(options.mailroom, options.store);
  await options.store.migrate(SUPPORT_MIGRATIONS);
  registerSupportRoutes(options.mailroom, { services, config }, options.onInbound);
  const kit = await createAppKit({
    store: options.store,
    realm: 'support',
    secret: Buffer.from(options.sessionSecret).toString('base64'),
    ...kitDeployment(config, { name: SESSION_COOKIE, ttlMs: SESSION_TTL_MS }),
  });
  return {
    web: createWebApp(services, config, kit),
    kit,
    config,
    services,
    registerEventHandlers: registerBounceEvents,
  };
}

export { resolveConfig } from './config.js';
export type { SupportConfig, QueueConfig, ResolvedConfig } from './config.js';
export type { InboundResult } from './mail/index.js';
export type { SupportServices } from './domain/services.js';
export { createAgent, upsertAgent, issueApiToken, agentCount, agentByEmail } from './domain/agents.js';
export * as supportSchema from './db/schema.js';
