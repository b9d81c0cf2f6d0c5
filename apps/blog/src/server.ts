/**
 * Standalone blog: `npm start -w apps/blog`. Configuration from the environment (table in README.md).
 * Embedded PGlite by default (under MAILROOM_DATA_DIR, default `.mailroom`), PostgreSQL with DATABASE_URL.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  createMailer,
  createMailroom,
  createOutboxDeliverer,
  openStore,
  outboxOnlyTransport,
  sendgridTransport,
  type IngressSecurity,
  type StoreOptions,
} from '@mailroom/core';
import { createBlogApp, upsertAuthor, type BlogConfigInput } from './index.js';

export class EnvError extends Error {
  override name = 'EnvError';
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvError(`${name} is required (see apps/blog/README.md)`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new EnvError(`${name} must be 1 or 0`);
}

export interface ServerSettings {
  app: BlogConfigInput;
  port: number;
  security: IngressSecurity;
  sendgridApiKey: string | null;
  store: StoreOptions;
  admin: { email: string; password: string; name: string } | null;
}

export function configFromEnv(env: Env = process.env): ServerSettings {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EnvError('PORT must be a port number');
  const domain = required(env, 'BLOG_DOMAIN');
  const secret = required(env, 'BLOG_SECRET');
  if (secret.length < 32) throw new EnvError('BLOG_SECRET must be at least 32 characters');
  const keys = [{ id: 'current', secret }];
  if (env.BLOG_SECRET_PREVIOUS) keys.push({ id: 'previous', secret: env.BLOG_SECRET_PREVIOUS });
  const postsPerPage = env.BLOG_POSTS_PER_PAGE ? Number(env.BLOG_POSTS_PER_PAGE) : undefined;

  const security: IngressSecurity = {};
  if (env.SENDGRID_PARSE_PUBLIC_KEY) security.publicKeys = [env.SENDGRID_PARSE_PUBLIC_KEY];
  if (env.SENDGRID_PARSE_BASIC) {
    const [username, ...rest] = env.SENDGRID_PARSE_BASIC.split(':');
    if (!username || !rest.length) throw new EnvError('SENDGRID_PARSE_BASIC must look like user:password');
    security.basic = [{ username, password: rest.join(':') }];
  }
  if (!security.publicKeys && !security.basic) {
    if (env.MAILROOM_INSECURE !== '1') {
      throw new EnvError('set SENDGRID_PARSE_PUBLIC_KEY or SENDGRID_PARSE_BASIC (or MAILROOM_INSECURE=1 for local development)');
    }
    security.insecure = true;
  }
  const app: BlogConfigInput = {
    domain,
    publicUrl: env.BLOG_PUBLIC_URL ?? `http://localhost:${port}`,
    keys,
    title: env.BLOG_TITLE ?? 'Blog',
    tagline: env.BLOG_TAGLINE ?? '',
    allowPlainAddress: flag(env, 'BLOG_ALLOW_PLAIN_ADDRESS', true),
    timeZone: env.BLOG_TIME_ZONE ?? 'UTC',
    ...(env.BLOG_FROM ? { fromAddress: env.BLOG_FROM } : {}),
    ...(env.BLOG_POSTING_LOCAL_PART ? { postingLocalPart: env.BLOG_POSTING_LOCAL_PART } : {}),
    ...(postsPerPage !== undefined ? { postsPerPage } : {}),
    ...(env.BLOG_INSECURE_COOKIES === '1' ? { secureCookies: false } : {}),
  };
  return {
    app,
    port,
    security,
    sendgridApiKey: env.SENDGRID_API_KEY ?? null,
    store: {
      ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
      ...(env.MAILROOM_DATA_DIR ? { dataDir: env.MAILROOM_DATA_DIR } : {}),
    },
    admin: env.BLOG_ADMIN_EMAIL
      ? { email: env.BLOG_ADMIN_EMAIL, password: required(env, 'BLOG_ADMIN_PASSWORD'), name: env.BLOG_ADMIN_NAME ?? 'Admin' }
      : null,
  };
}

export async function main(env: Env = process.env): Promise<{ port: number; close(): Promise<void> }> {
  const settings = configFromEnv(env);
  const store = await openStore(settings.store);
  const mailroom = createMailroom({ store, security: settings.security });
  const transport = settings.sendgridApiKey ? sendgridTransport({ apiKey: settings.sendgridApiKey }) : outboxOnlyTransport();
  const deliverer = createOutboxDeliverer({ store, transport });
  const mailer = createMailer({ store, domain: settings.app.domain, onQueued: () => deliverer.kick() });
  const blog = await createBlogApp({ mailroom, store, mailer, config: settings.app });
  if (settings.admin) await upsertAuthor(blog.db, { ...settings.admin, isAdmin: true });

  const base = blog.config.basePath;
  const app = new Hono();
  app.route('/webhooks/sendgrid', mailroom.app());
  app.get('/healthz', (c) => c.text('ok'));
  if (base) {
    app.get('/', (c) => c.redirect(base, 302));
    app.get(`${base}/`, (c) => c.redirect(base, 301));
  }
  app.route(base || '/', blog.web);
  mailroom.start();
  deliverer.start();
  const server = serve({ fetch: app.fetch, port: settings.port });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  console.log(JSON.stringify({ event: 'blog.listening', port, publicUrl: blog.config.publicUrl, transport: transport.name }));
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mailroom.stop();
      await deliverer.stop();
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
