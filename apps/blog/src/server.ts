/**
 * Standalone blog: `npm start -w apps/blog`. Configuration from the environment (table in README.md).
 * Embedded PGlite by default (under MAILROOM_DATA_DIR, default `.mailroom`), PostgreSQL with DATABASE_URL.
 */
import {
  createFirstAccount,
  EnvError,
  openStandalone,
  portFromEnv,
  requireEnv,
  runIfEntry,
  serveStandalone,
  signingKeysFromEnv,
  standaloneFromEnv,
  type Env,
  type StandaloneSettings,
} from '@mailroom/app-kit';
import { authorByEmail } from './domain/authors.js';
import { createAuthor, createBlogApp, resolveConfig, type BlogApp, type BlogConfigInput } from './index.js';

const DOCS = 'apps/blog/README.md';

export { EnvError };

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new EnvError(`${name} must be 1 or 0`);
}

export interface ServerSettings extends StandaloneSettings {
  app: BlogConfigInput;
  /** The first administrator, created at start when no author has this email (its password is never reset). */
  admin: { email: string; name: string } | null;
  /** The environment, for the first password (BLOG_ADMIN_PASSWORD, else generated and printed once) and the transport. */
  env: Env;
}

export function configFromEnv(env: Env = process.env): ServerSettings {
  const port = portFromEnv(env);
  const postsPerPage = env.BLOG_POSTS_PER_PAGE ? Number(env.BLOG_POSTS_PER_PAGE) : undefined;
  const app: BlogConfigInput = {
    domain: requireEnv(env, 'BLOG_DOMAIN', DOCS),
    publicUrl: env.BLOG_PUBLIC_URL ?? `http://localhost:${port}`,
    keys: signingKeysFromEnv(env, 'BLOG_SECRET', DOCS),
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
    ...standaloneFromEnv(env),
    admin: env.BLOG_ADMIN_EMAIL ? { email: env.BLOG_ADMIN_EMAIL, name: env.BLOG_ADMIN_NAME ?? 'Admin' } : null,
    env,
  };
}

export async function main(env: Env = process.env): Promise<{ port: number; close(): Promise<void> }> {
  const settings = configFromEnv(env);
  const config = resolveConfig(settings.app);
  const { store, transport, mailroom } = await openStandalone(settings, settings.env, {
    from: { address: config.fromAddress, name: config.title },
    domain: config.domain,
  });
  const blog = await createBlogApp({ mailroom, store, config });
  await createFirstAdmin(blog, settings);
  return serveStandalone({
    worker: settings.worker,
    store,
    mailroom,
    web: blog.web,
    basePath: blog.config.basePath,
    port: settings.port,
    cookies: blog.config,
    announce: { event: 'blog.listening', publicUrl: blog.config.publicUrl, transport: transport.name },
  });
}

async function createFirstAdmin(blog: BlogApp, settings: ServerSettings): Promise<void> {
  const admin = settings.admin;
  if (!admin || (await authorByEmail(blog.db, admin.email))) return;
  await createFirstAccount(settings.env, 'BLOG_ADMIN_PASSWORD', blog.config.production, admin.email, (password) =>
    createAuthor(blog.db, { ...admin, password, isAdmin: true }, blog.kit.hashPassword),
  );
}

runIfEntry(import.meta.url, () => main(), { label: 'blog' });
