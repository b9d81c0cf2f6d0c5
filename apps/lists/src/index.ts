/**
 * @mailroom/app-lists — mailing lists with reply-by-email on @mailroom/core: posts are archived and
 * redistributed to every member through the outbox (batched per SendGrid request), replies thread by
 * signed reply addresses and Message-IDs, bounces and spam reports manage membership, and a web app
 * serves the archive, the admin UI, one-click unsubscribe and a JSON API.
 *
 * @example
 * ```ts
 * const lists = await createListsApp({ mailroom, store, config: {
 *   domain: 'lists.example.com', publicUrl: 'https://example.com/lists',
 *   keys: [{ id: 'k1', secret: process.env.LISTS_SECRET! }], adminPasswordHash: process.env.LISTS_ADMIN_HASH,
 * }, transport: sendgridTransport({ apiKey: process.env.SENDGRID_API_KEY! }) });
 * app.route('/lists', lists.web);
 * lists.registerEventHandlers(dispatcher);   // Event Webhook bounces, drops, spam reports
 * lists.start();
 * ```
 */
import type { Hono } from 'hono';
import {
  createMailer,
  createMessageIds,
  createOutboxDeliverer,
  createReplyAddresses,
  outboxOnlyTransport,
  type EventDispatcher,
  type Mailer,
  type Mailroom,
  type OutboxDeliverer,
  type Store,
  type Transport,
} from '@mailroom/core';
import { REPLY_PREFIX, resolveConfig, type ListsConfig, type ResolvedConfig } from './config.js';
import { LISTS_MIGRATIONS, type ListsDb } from './db/index.js';
import { createFanout, type Fanout } from './fanout.js';
import { handleDeliveryEvent, type InboundResult } from './inbound.js';
import { registerListRoutes } from './mail.js';
import type { ListsServices } from './service.js';
import { createWebApp } from './web/app.js';

export interface ListsAppOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  mailroom: Mailroom<any>;
  store: Store;
  config: ListsConfig;
  /**
   * The host's mailer (then the host runs the outbox deliverer). Without one the app creates a mailer
   * and its own deliverer over `transport`, claiming 1,000 rows a round so a batch fills one request.
   */
  mailer?: Mailer;
  /** Transport of the app's own deliverer; default `outboxOnlyTransport()` (mail stays listable in the outbox). */
  transport?: Transport;
  /** Called with what each inbound email did (logging, tests). */
  onInbound?: (result: InboundResult) => void;
}

export interface ListsApp {
  /** Archive, admin UI, unsubscribe/confirm pages and, under `/api`, the JSON API. Mount at `config.basePath`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  web: Hono<any>;
  config: ResolvedConfig;
  services: ListsServices;
  fanout: Fanout;
  /** The app's own deliverer (null when the host passed a mailer). */
  deliverer: OutboxDeliverer | null;
  /** Event Webhook: `bounce`/`dropped` raise bounce scores, `spamreport` unsubscribes. */
  registerEventHandlers(dispatcher: EventDispatcher): void;
  /** Runs pending fan-outs and (own deliverer) delivers the outbox; resolves when nothing is left. */
  drain(): Promise<void>;
  /** Starts polling (fan-outs left by an earlier run, own deliverer). */
  start(): void;
  stop(): Promise<void>;
}

export const LISTS_MIGRATION_SET = LISTS_MIGRATIONS;

/** Applies migrations, registers the mail routes on the Mailroom and builds the web app. */
export async function createListsApp(options: ListsAppOptions): Promise<ListsApp> {
  const config = resolveConfig(options.config);
  const { store } = options;
  await store.migrate(LISTS_MIGRATIONS);
  const messageIds = createMessageIds({ keys: config.keys, domain: config.domain });
  const replyAddresses = createReplyAddresses({ keys: config.keys, domain: config.domain, localPrefix: REPLY_PREFIX });

  let deliverer: OutboxDeliverer | null = null;
  let mailer = options.mailer;
  if (!mailer) {
    deliverer = createOutboxDeliverer({ store, transport: options.transport ?? outboxOnlyTransport(), claimLimit: 1000 });
    const own = deliverer;
    mailer = createMailer({ store, messageIds, onQueued: () => own.kick() });
  }
  let fanout: Fanout | null = null;
  const services: ListsServices = {
    config,
    mailer,
    replyAddresses,
    messageIds,
    kickFanout: () => fanout?.kick(),
  };
  fanout = createFanout({ store, services, onQueued: () => deliverer?.kick() });
  registerListRoutes(options.mailroom, services, options.onInbound);
  // Web actions run in a transaction whose after-commit hooks wake the fan-out and the deliverer.
  const inTransaction = async <T>(fn: (tx: ListsDb, afterCommit: (f: () => unknown) => void) => Promise<T>): Promise<T> => {
    const hooks: Array<() => unknown> = [];
    const result = await store.transaction((tx) => fn(tx as unknown as ListsDb, (f) => hooks.push(f)));
    for (const hook of hooks) await hook();
    return result;
  };
  const web = createWebApp({ db: store.db as unknown as ListsDb, services, transaction: inTransaction });

  return {
    web,
    config,
    services,
    fanout,
    deliverer,
    registerEventHandlers(dispatcher) {
      const on = (kind: 'bounce' | 'dropped' | 'spamreport') =>
        dispatcher.on(kind, async (event, { tx }) => {
          // `blocked` bounces are usually about our reputation or content, not a dead mailbox.
          if (event.kind === 'bounce' && event.type === 'blocked') return;
          const detail = event.kind === 'spamreport' ? 'spam report' : `${event.reason ?? ''}${'status' in event && event.status ? ` (${event.status})` : ''}`;
          // The dispatcher offers no after-commit hook, and kicking the deliverer before the event's transaction
          // commits would find nothing: a probe queued here goes out on the deliverer's next poll (or drain).
          const noKickBeforeCommit = () => undefined;
          await handleDeliveryEvent(tx as ListsDb, services, { kind, email: event.email, detail, customArgs: event.customArgs }, noKickBeforeCommit);
        });
      on('bounce');
      on('dropped');
      on('spamreport');
    },
    async drain() {
      await fanout.drain();
      await deliverer?.drain();
    },
    start() {
      fanout.start();
      deliverer?.start();
    },
    async stop() {
      await fanout.stop();
      await deliverer?.stop();
    },
  };
}

export { resolveConfig, ListsConfigError } from './config.js';
export type { ListsConfig, ResolvedConfig } from './config.js';
export type { InboundResult } from './inbound.js';
export { hashPassword } from './web/auth.js';
export * as listsSchema from './db/schema.js';
export { createList, upsertMember, listBySlug, threadMessages } from './service.js';
export type { List, Member, Message, Thread, ModerationItem, ListsServices } from './service.js';
