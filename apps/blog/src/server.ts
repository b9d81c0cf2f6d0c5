/**
 * Standalone blog: `npm start -w apps/blog`. Configuration from the environment (table in README.md).
 * Embedded PGlite by default (under MAILROOM_DATA_DIR, default `.mailroom`), PostgreSQL with DATABASE_URL.
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
  type StoreOptions,
} from '@mailroom/core';
import { firstPassword, secureCookieWarning } from '@mailroom/app-kit';
import { authorByEmail } from './domain/authors.js';
import { createAuthor, createBlogApp, resolveConfig, type BlogConfigInput } from './index.js';

type Env = Record<string, string | undefined>;
const DOCS = 'apps/blog/README.md';

export { EnvError };

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new EnvError(`${name} must be 1 or 0`);
}

export interface ServerSettings extends EnvSecurity {
  app: BlogConfigInput;
  port: number;
  sendgridApiKey: string | null;
  store: StoreOptions;
  /** The first administrator, created at start when no author has this email (its password is never reset). */
  admin: { email: string; name: string } | null;
  /** The environment, for the first password (BLOG_ADMIN_PASSWORD, else generated and printed once). */
  env: Env;
}

export function configFromEnv(env: Env = process.env): ServerSettings {
  const port = portFromEnv(env);
  const domain = requireEnv(env, 'BLOG_DOMAIN', DOCS);
  const secret = requireEnv(env, 'BLOG_SECRET', DOCS);
  if (secret.length < 32) throw new EnvError('BLOG_SECRET must be at least 32 characters');
  const keys = [{ id: 'current', secret }];
  if (env.BLOG_SECRET_PREVIOUS) keys.push({ id: 'previous', secret: env.BLOG_SECRET_PREVIOUS });
  const postsPerPage = env.BLOG_POSTS_PER_PAGE ? Number(env.BLOG_POSTS_PER_PAGE) : undefined;

  let webhooks: EnvSecurity;
  try {
    webhooks = securityFromEnv(env);
  } catch (error) {
    throw new EnvError((error as Error).message);
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
    ...webhooks,
    sendgridApiKey: env.SENDGRID_API_KEY ?? null,
    store: storeOptionsFromEnv(env),
    admin: env.BLOG_ADMIN_EMAIL ? { email: env.BLOG_ADMIN_EMAIL, name: env.BLOG_ADMIN_NAME ?? 'Admin' } : null,
    env,
  };
}

export async function main(env: Env = process.env): Promise<{ port: number; close(): Promise<void> }> {
  const settings = configFromEnv(env);
  const store = await openStore(settings.store);
  const transport = settings.sendgridApiKey ? sendgridTransport({ apiKey: settings.sendgridApiKey }) : outboxOnlyTransport();
  const config = resolveConfig(settings.app);
  const mailroom = createMailroom({
    store,
    security: settings.security,
    eventsSecurity: settings.eventsSecurity,
    mail: { from: { address: config.fromAddress, name: config.title }, domain: config.domain, transport },
  });
  const blog = await createBlogApp({ mailroom, store, config });
  if (settings.admin && !(await authorByEmail(blog.db, settings.admin.email))) {
    const first = firstPassword(settings.env, 'BLOG_ADMIN_PASSWORD', config.production);
    await createAuthor(blog.db, { ...settings.admin, password: first.take(settings.admin.email), isAdmin: true }, blog.kit.hashPassword);
    for (const line of first.announcement()) console.log(line);
  }
  const cookieWarning = secureCookieWarning({ production: config.production, publicUrl: config.publicUrl, secureCookies: config.secureCookies });
  if (cookieWarning) console.warn(cookieWarning);

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
  const server = await startServer(app.fetch, { port: settings.port });
  const port = server.port;
  console.log(JSON.stringify({ event: 'blog.listening', port, publicUrl: blog.config.publicUrl, transport: transport.name }));
  return {
    port,
    async close() {
      await server.close();
      await mailroom.stop();
      await store.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) void runMain(() => main());
