/**
 * @mailroom/app-lists — mailing lists with reply-by-email on @mailroom/core: posts are archived and
 * redistributed to every member through the outbox (batched per SendGrid request), replies thread by
 * signed reply addresses and Message-IDs, bounces and spam reports manage membership, and a web app
 * serves the archive, the admin UI, one-click unsubscribe and a JSON API.
 *
 * @example
 * ```ts
 * // One Mailroom owns the outbox (1,000 rows a round: a list batch fills one SendGrid request) and the
 * // signers: lists' reply addresses, confirmation links and Message-IDs are the Mailroom's.
 * const keys = [{ id: 'k1', secret: process.env.LISTS_SECRET! }];
 * const mailroom = createMailroom({ store, security, eventsSecurity, mail: {
 *   from: 'lists@lists.example.com', transport: sendgridTransport({ apiKey: process.env.SENDGRID_API_KEY! }),
 *   replyAddresses: { keys, domain: 'lists.example.com' }, messageIds: { keys, domain: 'lists.example.com' },
 *   deliverer: { claimLimit: 1000 },
 * } });
 * const lists = await createListsApp({ mailroom, store, config: {
 *   domain: 'lists.example.com', publicUrl: 'https://example.com/lists',
 *   keys, adminPasswordHash: process.env.LISTS_ADMIN_HASH,
 * } });
 * app.route('/lists', lists.web);
 * lists.registerEventHandlers(mailroom.events);   // Event Webhook bounces, drops, spam reports
 * mailroom.start();
 * lists.start();                                  // the fan-out loop
 * ```
 */
import { Hono } from 'hono';
import { createAppKit, kitDeployment, type AppKit } from '@mailroom/app-kit';
import type { Mailer, Mailroom, Store } from '@mailroom/core';
import type { EventHandlerRegistry } from '@mailroom/core/events';
import { ListsConfigError, resolveConfig, type ListsConfig, type ResolvedConfig } from './config.js';
import { LISTS_MIGRATIONS, type ListsDb } from './db/index.js';
import { handleDeliveryEvent, type ListsServices } from './domain/index.js';
import { createFanout, type Fanout } from './fanout.js';
import { registerListRoutes, type InboundResult } from './mail/index.js';
import { createWebApp } from './web/app.js';
import { ADMIN_ACCOUNT, SESSION_COOKIE, SESSION_TTL_MS } from './web/auth.js';

export interface ListsAppOptions {
  mailroom: Mailroom<object>;
  store: Store;
  config: ListsConfig;
  /**
   * Where list mail is queued; default `mailroom.mailer`, delivered by the Mailroom's deliverer (give it
   * `mail: { deliverer: { claimLimit: 1000 } }` so a 1,000-copy batch fills one SendGrid request).
   */
  mailer?: Mailer;
  /** Called with what each inbound email did (logging, tests). */
  onInbound?: (result: InboundResult) => void;
  /** The fan-out loop: attempts per chunk before a distribution is set aside (default 8), backoff (30 s … 1 h), polling (5 s), lease (5 min). */
  fanout?: { maxAttempts?: number; backoff?: { baseMs?: number; maxMs?: number }; pollMs?: number; leaseMs?: number };
}

export interface ListsApp {
  /** Archive, admin UI, unsubscribe/confirm pages and, under `/api`, the JSON API. Mount at `config.basePath`. */
  web: Hono;
  config: ResolvedConfig;
  services: ListsServices;
  /** Admin sessions, login throttling and the admin password (`kit.credentials`, account `admin`). */
  kit: AppKit;
  fanout: Fanout;
  /** Event Webhook (`mailroom.events`): `bounce`/`dropped` raise bounce scores, `spamreport` unsubscribes. */
  registerEventHandlers(events: EventHandlerRegistry): void;
  /** Runs pending fan-outs, then drains the Mailroom (which delivers them); resolves when nothing is left. */
  drain(): Promise<void>;
  /** Starts the fan-out loop (also picks up fan-outs left by an earlier run). */
  start(): void;
  stop(): Promise<void>;
}

/** Applies migrations, registers the mail routes on the Mailroom and builds the web app. */
export async function createListsApp(options: ListsAppOptions): Promise<ListsApp> {
  const config = resolveConfig(options.config);
  const { store } = options;
  const { replyAddresses, messageIds } = options.mailroom;
  if (!replyAddresses || !messageIds) {
    throw new ListsConfigError(
      "lists signs reply addresses, links and Message-IDs with the Mailroom's signers: createMailroom({ mail: { replyAddresses, messageIds } })",
    );
  }
  await store.migrate(LISTS_MIGRATIONS);
  const mailer = options.mailer ?? options.mailroom.mailer;
  let fanout: Fanout | null = null;
  const services: ListsServices = {
    config,
    mailer,
    replyAddresses,
    messageIds,
    kickFanout: () => fanout?.kick(),
  };
  fanout = createFanout({ store, services, ...options.fanout });
  registerListRoutes(options.mailroom, services, options.onInbound);
  // Web actions run in a transaction whose after-commit hooks wake the fan-out and the deliverer.
  const inTransaction = async <T>(
    fn: (tx: ListsDb, afterCommit: (f: () => unknown) => void) => Promise<T>,
  ): Promise<T> => {
    const hooks: Array<() => unknown> = [];
    const result = await store.transaction((tx) => fn(tx, (f) => hooks.push(f)));
    for (const hook of hooks) await hook();
    return result;
  };
  const kit = await createAppKit({
    store,
    realm: 'lists',
    secret: Buffer.from(config.keys[0]!.secret).toString('base64'),
    ...kitDeployment(config, { name: SESSION_COOKIE, ttlMs: SESSION_TTL_MS }),
  });
  if (config.adminPasswordHash) await kit.credentials.setIfMissing(ADMIN_ACCOUNT, config.adminPasswordHash);
  // Mounted as a plain Hono: the admin session variable is the web app's own business.
  const web = new Hono().route('/', createWebApp({ db: store.db, services, transaction: inTransaction, kit }));

  return {
    web,
    kit,
    config,
    services,
    fanout,
    registerEventHandlers(events) {
      const on = (kind: 'bounce' | 'dropped' | 'spamreport') =>
        events.on(kind, async (event, { tx, afterCommit }) => {
          // `blocked` bounces are usually about our reputation or content, not a dead mailbox.
          if (event.kind === 'bounce' && event.type === 'blocked') return;
          const detail =
            event.kind === 'spamreport'
              ? 'spam report'
              : `${event.reason ?? ''}${'status' in event && event.status ? ` (${event.status})` : ''}`;
          // Mail queued here (a probe, a goodbye) goes out once the event's transaction committed.
          await handleDeliveryEvent(
            tx,
            services,
            { kind, email: event.email, detail, customArgs: event.customArgs },
            afterCommit,
          );
        });
      on('bounce');
      on('dropped');
      on('spamreport');
    },
    async drain() {
      await fanout.drain();
      await options.mailroom.drain();
    },
    start() {
      fanout.start();
    },
    async stop() {
      await fanout.stop();
    },
  };
}

export { resolveConfig, ListsConfigError } from './config.js';
export type { ListsConfig, ResolvedConfig } from './config.js';
export type { InboundResult } from './mail/index.js';
export { hashPassword, ADMIN_ACCOUNT } from './web/auth.js';
export * as listsSchema from './db/schema.js';
export { createList, upsertMember, listBySlug, threadMessages } from './domain/index.js';
export { requeueDistribution } from './fanout.js';
export type { List, Member, Message, Thread, ModerationItem, ListsServices } from './domain/index.js';
