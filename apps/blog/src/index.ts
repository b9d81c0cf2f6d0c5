/**
 * @mailroom/app-blog — blog by email on @mailroom/core: authors mail posts to a secret address (or the
 * plain one), get a confirmation with the URL, and reply to it to update the post. Public blog, Atom
 * feed, author UI and JSON API.
 *
 * @example
 * ```ts
 * const store = await openStore();
 * const mailroom = createMailroom({ store, ...securityFromEnv(process.env), mail: { from: 'Blog <blog@blog.example.com>', transport } });
 * const blog = await createBlogApp({ mailroom, store, config: {
 *   domain: 'blog.example.com', publicUrl: 'https://example.com/blog',
 *   keys: [{ id: 'k1', secret: process.env.BLOG_SECRET! }],
 * } });
 * const app = new Hono();
 * app.route('/webhooks/sendgrid', mailroom.app());
 * app.route('/blog', blog.web);            // the path of publicUrl
 * mailroom.start();
 * ```
 */
import type { Hono } from 'hono';
import { createAppKit, kitDeployment, type AppKit } from '@mailroom/app-kit';
import type { Mailroom, Store } from '@mailroom/core';
import { resolveConfig, type BlogConfig, type BlogConfigInput } from './config.js';
import { blogMigrations, type BlogDb } from './db/index.js';
import { registerBlogRoutes, type MailOutcome } from './mail/index.js';
import { SESSION_TTL_MS } from './domain/authors.js';
import { createWebApp } from './web/app.js';
import { SESSION_COOKIE } from './web/session.js';

export interface CreateBlogAppOptions {
  mailroom: Mailroom<object>;
  store: Store;
  config: BlogConfigInput | BlogConfig;
  /** Called with what each inbound email did (logs, tests). */
  onMail?: (outcome: MailOutcome) => void;
}

export interface BlogApp {
  /** Public blog, author UI, media, feed and `/api`; mount it at the path of `config.publicUrl`. */
  web: Hono;
  config: BlogConfig;
  db: BlogDb;
  /** Sessions, login throttling and the password policy of the blog's authors. */
  kit: AppKit;
}

/**
 * Applies the blog's migrations, declares its mail routes on the Mailroom and builds the web app. Answers are
 * queued by the Mailroom's own mail (`createMailroom({ mail: { from, transport } })`), through `ctx.autoReply`.
 */
export async function createBlogApp(options: CreateBlogAppOptions): Promise<BlogApp> {
  const config = resolveConfig(options.config);
  const { store, mailroom } = options;
  await store.migrate(blogMigrations);
  registerBlogRoutes(mailroom, { config, store, ...(options.onMail ? { onOutcome: options.onMail } : {}) });
  const db: BlogDb = store.db;
  const kit = await createAppKit({
    store,
    realm: 'blog',
    secret: Buffer.from(config.keys[0]!.secret).toString('base64'),
    ...kitDeployment(config, { name: SESSION_COOKIE, ttlMs: SESSION_TTL_MS }),
    now: config.now,
  });
  const web = createWebApp({ db, blobs: store.blobs, config, kit });
  return { web, config, db, kit };
}

export { resolveConfig, postingAddress, plainPostingAddress, postUrl, BlogConfigError } from './config.js';
export type { BlogConfig, BlogConfigInput } from './config.js';
export type { MailOutcome } from './mail/index.js';
export { blogMigrations } from './db/index.js';
export {
  createAuthor,
  upsertAuthor,
  hasAdmin,
  regeneratePostingAddress,
  setPostingAddressRevoked,
} from './domain/authors.js';
export { buildContent } from './content/pipeline.js';
export * as blogSchema from './db/schema.js';
