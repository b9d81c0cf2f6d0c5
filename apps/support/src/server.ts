/**
 * Standalone help desk: `npm start -w apps/support`. Configuration from the environment (see README).
 * Embedded PGlite by default (in MAILROOM_DATA_DIR), PostgreSQL with DATABASE_URL.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  createEventDispatcher,
  createMailer,
  createMailroom,
  createOutboxDeliverer,
  eventsHandler,
  openStore,
  outboxOnlyTransport,
  sendgridTransport,
  type IngressSecurity,
} from '@mailroom/core';
import { createSupportApp, upsertAgent, type SupportAppConfig } from './index.js';

export class EnvError extends Error {
  override name = 'EnvError';
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvError(`${name} is required (see apps/support/README.md)`);
  return value;
}

/** `support@x.com=general,billing@x.com=billing` (queue name optional). */
export function parseQueues(value: string): SupportAppConfig['queues'] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [address, name] = entry.split('=').map((s) => s.trim());
      return { address: address!, name: name || address!.split('@')[0]! };
    });
}

export function configFromEnv(env: Env = process.env): {
  app: SupportAppConfig;
  port: number;
  security: IngressSecurity;
  sendgridApiKey: string | null;
  eventsPublicKey: string | null;
  store: { databaseUrl?: string; dataDir?: string };
  admin: { email: string; password: string; name: string } | null;
} {
  const domain = required(env, 'SUPPORT_DOMAIN');
  const secret = required(env, 'SUPPORT_SECRET');
  if (secret.length < 32) throw new EnvError('SUPPORT_SECRET must be at least 32 characters');
  const keys = [{ id: 'current', secret }];
  if (env.SUPPORT_SECRET_PREVIOUS) keys.push({ id: 'previous', secret: env.SUPPORT_SECRET_PREVIOUS });
  const throttle = /^(\d+)\/(\d+)$/.exec(env.SUPPORT_THROTTLE ?? '5/60');
  if (!throttle) throw new EnvError('SUPPORT_THROTTLE must look like 5/60 (tickets/minutes)');
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EnvError('PORT must be a port number');

  const security: IngressSecurity = {};
  if (env.SENDGRID_PARSE_PUBLIC_KEY) security.publicKeys = [env.SENDGRID_PARSE_PUBLIC_KEY];
  if (env.SENDGRID_PARSE_BASIC) {
    const [username, ...rest] = env.SENDGRID_PARSE_BASIC.split(':');
    security.basic = [{ username: username!, password: rest.join(':') }];
  }
  if (!security.publicKeys && !security.basic) {
    if (env.MAILROOM_INSECURE !== '1') throw new EnvError('set SENDGRID_PARSE_PUBLIC_KEY or SENDGRID_PARSE_BASIC (or MAILROOM_INSECURE=1 for local development)');
    security.insecure = true;
  }
  return {
    app: {
      domain,
      queues: parseQueues(env.SUPPORT_ADDRESSES ?? `support@${domain}=general`),
      keys,
      helpdeskName: env.SUPPORT_NAME ?? 'Support',
      reopenWithinDays: Number(env.SUPPORT_REOPEN_DAYS ?? 30),
      throttle: { maxTickets: Number(throttle[1]), windowMinutes: Number(throttle[2]) },
      basePath: env.SUPPORT_BASE_PATH ?? '',
      secureCookies: env.SUPPORT_INSECURE_COOKIES !== '1',
    },
    port,
    security,
    sendgridApiKey: env.SENDGRID_API_KEY ?? null,
    eventsPublicKey: env.SENDGRID_EVENTS_PUBLIC_KEY ?? null,
    store: {
      ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
      ...(env.MAILROOM_DATA_DIR ? { dataDir: env.MAILROOM_DATA_DIR } : {}),
    },
    admin: env.SUPPORT_ADMIN_EMAIL
      ? { email: env.SUPPORT_ADMIN_EMAIL, password: required(env, 'SUPPORT_ADMIN_PASSWORD'), name: env.SUPPORT_ADMIN_NAME ?? 'Admin' }
      : null,
  };
}

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const settings = configFromEnv(env);
  const store = await openStore(settings.store);
  const mailroom = createMailroom({ store, security: settings.security });
  const transport = settings.sendgridApiKey ? sendgridTransport({ apiKey: settings.sendgridApiKey }) : outboxOnlyTransport();
  const deliverer = createOutboxDeliverer({ store, transport });
  const mailer = createMailer({ store, domain: settings.app.domain, onQueued: () => deliverer.kick() });
  const support = await createSupportApp({ mailroom, store, mailer, config: settings.app });
  if (settings.admin) await upsertAgent(support.services.db, settings.admin);
  const dispatcher = createEventDispatcher({ store });
  support.registerEventHandlers(dispatcher);

  const app = new Hono();
  if (settings.eventsPublicKey) {
    const handleEvents = eventsHandler({ store, publicKeys: [settings.eventsPublicKey], onStored: () => dispatcher.kick() });
    app.post('/webhooks/sendgrid/events', (c) => handleEvents(c.req.raw));
  }
  app.route('/webhooks/sendgrid', mailroom.app());
  app.get('/healthz', (c) => c.text('ok'));
  app.route(settings.app.basePath || '/', support.web);
  mailroom.start();
  deliverer.start();
  dispatcher.start();
  const server = serve({ fetch: app.fetch, port: settings.port });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  console.log(JSON.stringify({ event: 'support.listening', port, transport: transport.name }));
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mailroom.stop();
      await deliverer.stop();
      await dispatcher.stop();
      await store.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (running) => {
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(error instanceof EnvError ? error.message : error);
      process.exit(error instanceof EnvError ? 2 : 1);
    },
  );
}
