/**
 * Standalone mailing lists: `npm start -w apps/lists`. Configuration from the environment (see README).
 * Embedded PGlite by default (in MAILROOM_DATA_DIR), PostgreSQL with DATABASE_URL.
 */
import { Hono } from 'hono';
import {
  createMailroom,
  EnvError,
  openStore,
  outboxOnlyTransport,
  portFromEnv,
  requireEnv,
  runMain,
  securityFromEnv,
  sendgridTransport,
  startServer,
  storeOptionsFromEnv,
  type EnvSecurity,
  type IngressSecurity,
  type MailroomEventsSecurity,
} from '@mailroom/core';
import { createListsApp, type ListsConfig } from './index.js';
import { firstPassword, secureCookieWarning } from '@mailroom/app-kit';
import { ADMIN_ACCOUNT } from './web/auth.js';

type Env = Record<string, string | undefined>;
const DOCS = 'apps/lists/README.md';

export { EnvError };

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min || value > max) throw new EnvError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

export interface ServerSettings {
  app: Omit<ListsConfig, 'adminPasswordHash'>;
  /** The first admin password: an scrypt hash, or a plain one hashed at startup; null: generated and printed once. */
  admin: { hash: string } | { password: string } | null;
  port: number;
  security: IngressSecurity;
  /** From SENDGRID_EVENTS_PUBLIC_KEY; undefined leaves the Event Webhook off. */
  eventsSecurity: MailroomEventsSecurity | undefined;
  sendgrid: { apiKey: string; baseUrl?: string } | null;
  store: { databaseUrl?: string; dataDir?: string };
}

export function configFromEnv(env: Env = process.env): ServerSettings {
  const domain = env.LISTS_DOMAIN?.trim() || 'lists.example.com';
  const secret = requireEnv(env, 'LISTS_SECRET', DOCS);
  if (secret.length < 32) throw new EnvError('LISTS_SECRET must be at least 32 characters');
  const keys = [{ id: 'current', secret }];
  if (env.LISTS_SECRET_PREVIOUS) keys.push({ id: 'previous', secret: env.LISTS_SECRET_PREVIOUS });
  const port = portFromEnv(env);
  const basePath = env.LISTS_BASE_PATH ?? '/lists';

  let webhooks: EnvSecurity;
  try {
    webhooks = securityFromEnv(env);
  } catch (error) {
    throw new EnvError((error as Error).message);
  }
  let admin: ServerSettings['admin'] = null;
  if (env.LISTS_ADMIN_PASSWORD_HASH) {
    if (!env.LISTS_ADMIN_PASSWORD_HASH.startsWith('scrypt$')) throw new EnvError('LISTS_ADMIN_PASSWORD_HASH must be an scrypt$… hash (see README)');
    admin = { hash: env.LISTS_ADMIN_PASSWORD_HASH };
  } else if (env.LISTS_ADMIN_PASSWORD) {
    admin = { password: env.LISTS_ADMIN_PASSWORD };
  }
  return {
    app: {
      domain,
      publicUrl: env.LISTS_PUBLIC_URL ?? `http://localhost:${port || 3000}${basePath}`,
      basePath,
      keys,
      bounceThreshold: integer(env, 'LISTS_BOUNCE_THRESHOLD', 3, 1, 1000),
      secureCookies: env.LISTS_INSECURE_COOKIES !== '1',
    },
    admin,
    port,
    ...webhooks,
    sendgrid: env.SENDGRID_API_KEY ? { apiKey: env.SENDGRID_API_KEY, ...(env.SENDGRID_API_URL ? { baseUrl: env.SENDGRID_API_URL } : {}) } : null,
    store: storeOptionsFromEnv(env),
  };
}

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const settings = configFromEnv(env);
  const store = await openStore(settings.store);
  const transport = settings.sendgrid ? sendgridTransport(settings.sendgrid) : outboxOnlyTransport();
  // The lists sign reply addresses, links and Message-IDs with the Mailroom's signers: LISTS_SECRET, on the lists' domain.
  const signers = { keys: settings.app.keys, domain: settings.app.domain ?? 'lists.example.com' };
  const mailroom = createMailroom({
    store,
    security: settings.security,
    eventsSecurity: settings.eventsSecurity, // POST /webhooks/sendgrid/events when SENDGRID_EVENTS_PUBLIC_KEY is set
    // 1,000 rows a round: a batch of list copies fills one SendGrid request.
    mail: { from: `lists@${settings.app.domain}`, domain: settings.app.domain, transport, deliverer: { claimLimit: 1000 }, replyAddresses: signers, messageIds: signers },
  });
  const production = settings.app.production ?? env.NODE_ENV === 'production';
  const adminPasswordHash = settings.admin && 'hash' in settings.admin ? settings.admin.hash : undefined;
  const lists = await createListsApp({ mailroom, store, config: { ...settings.app, ...(adminPasswordHash ? { adminPasswordHash } : {}) } });
  if (!(await lists.kit.credentials.hashOf(ADMIN_ACCOUNT))) {
    const first = firstPassword(env, 'LISTS_ADMIN_PASSWORD', production);
    await lists.kit.credentials.setIfMissing(ADMIN_ACCOUNT, await lists.kit.hashPassword(first.take('lists admin')));
    for (const line of first.announcement()) console.log(line);
  }
  const cookieWarning = secureCookieWarning({ production, publicUrl: lists.config.publicUrl, secureCookies: lists.config.secureCookies });
  if (cookieWarning) console.warn(cookieWarning);
  lists.registerEventHandlers(mailroom.events);

  const app = new Hono();
  app.route('/webhooks/sendgrid', mailroom.app());
  app.get('/healthz', (c) => c.text('ok'));
  app.route(lists.config.basePath || '/', lists.web);
  mailroom.start();
  lists.start();
  const server = await startServer(app.fetch, { port: settings.port });
  const port = server.port;
  console.log(JSON.stringify({ event: 'lists.listening', port, basePath: lists.config.basePath, transport: transport.name }));
  return {
    port,
    async close() {
      await server.close();
      await lists.stop();
      await mailroom.stop();
      await store.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) void runMain(() => main());
