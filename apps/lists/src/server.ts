/**
 * Standalone mailing lists: `npm start -w apps/lists`. Configuration from the environment (see README).
 * Embedded PGlite by default (in MAILROOM_DATA_DIR), PostgreSQL with DATABASE_URL.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createEventDispatcher, createMailroom, eventsHandler, openStore, outboxOnlyTransport, sendgridTransport, type IngressSecurity } from '@mailroom/core';
import { createListsApp, type ListsConfig } from './index.js';
import { hashPassword } from './web/auth.js';

export class EnvError extends Error {
  override name = 'EnvError';
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvError(`${name} is required (see apps/lists/README.md)`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min || value > max) throw new EnvError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

export interface ServerSettings {
  app: Omit<ListsConfig, 'adminPasswordHash'>;
  /** An scrypt hash, or a plain password hashed at startup. */
  admin: { hash: string } | { password: string } | null;
  port: number;
  security: IngressSecurity;
  sendgrid: { apiKey: string; baseUrl?: string } | null;
  eventsPublicKey: string | null;
  store: { databaseUrl?: string; dataDir?: string };
}

export function configFromEnv(env: Env = process.env): ServerSettings {
  const domain = env.LISTS_DOMAIN?.trim() || 'lists.example.com';
  const secret = required(env, 'LISTS_SECRET');
  if (secret.length < 32) throw new EnvError('LISTS_SECRET must be at least 32 characters');
  const keys = [{ id: 'current', secret }];
  if (env.LISTS_SECRET_PREVIOUS) keys.push({ id: 'previous', secret: env.LISTS_SECRET_PREVIOUS });
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const basePath = env.LISTS_BASE_PATH ?? '/lists';

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
  let admin: ServerSettings['admin'] = null;
  if (env.LISTS_ADMIN_PASSWORD_HASH) {
    if (!env.LISTS_ADMIN_PASSWORD_HASH.startsWith('scrypt$')) throw new EnvError('LISTS_ADMIN_PASSWORD_HASH must be an scrypt$… hash (see README)');
    admin = { hash: env.LISTS_ADMIN_PASSWORD_HASH };
  } else if (env.LISTS_ADMIN_PASSWORD) {
    if (env.LISTS_ADMIN_PASSWORD.length < 8) throw new EnvError('LISTS_ADMIN_PASSWORD must be at least 8 characters');
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
    security,
    sendgrid: env.SENDGRID_API_KEY ? { apiKey: env.SENDGRID_API_KEY, ...(env.SENDGRID_API_URL ? { baseUrl: env.SENDGRID_API_URL } : {}) } : null,
    eventsPublicKey: env.SENDGRID_EVENTS_PUBLIC_KEY ?? null,
    store: {
      ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
      ...(env.MAILROOM_DATA_DIR ? { dataDir: env.MAILROOM_DATA_DIR } : {}),
    },
  };
}

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const settings = configFromEnv(env);
  const store = await openStore(settings.store);
  const mailroom = createMailroom({ store, security: settings.security });
  const transport = settings.sendgrid ? sendgridTransport(settings.sendgrid) : outboxOnlyTransport();
  const adminPasswordHash = !settings.admin ? undefined : 'hash' in settings.admin ? settings.admin.hash : await hashPassword(settings.admin.password);
  const lists = await createListsApp({ mailroom, store, transport, config: { ...settings.app, ...(adminPasswordHash ? { adminPasswordHash } : {}) } });
  const dispatcher = createEventDispatcher({ store });
  lists.registerEventHandlers(dispatcher);

  const app = new Hono();
  if (settings.eventsPublicKey) {
    const handleEvents = eventsHandler({ store, publicKeys: [settings.eventsPublicKey], onStored: () => dispatcher.kick() });
    app.post('/webhooks/sendgrid/events', (c) => handleEvents(c.req.raw));
  }
  app.route('/webhooks/sendgrid', mailroom.app());
  app.get('/healthz', (c) => c.text('ok'));
  app.route(lists.config.basePath || '/', lists.web);
  mailroom.start();
  lists.start();
  dispatcher.start();
  const server = serve({ fetch: app.fetch, port: settings.port });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  console.log(JSON.stringify({ event: 'lists.listening', port, basePath: lists.config.basePath, transport: transport.name }));
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mailroom.stop();
      await lists.stop();
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
