/**
 * Avatars: email a photo, it becomes your avatar (served like Gravatar).
 *
 * @example
 * ```ts
 * const store = await openStore();
 * const mailroom = createMailroom({ store, security: { publicKeys: [key] }, mail: { from: 'Avatars <no-reply@avatars.example.com>', transport } });
 * const avatars = await createAvatarsApp({ mailroom, store, config: { sessionSecret } }); // mails through mailroom.mailer
 * const app = new Hono();
 * app.route('/webhooks/sendgrid', mailroom.app());
 * app.route('/', avatars.web);          // or app.route('/avatars', …) with publicUrl ending in /avatars
 * mailroom.start();
 * ```
 */
import { Hono } from 'hono';
import { createAppKit, kitDeployment, securityHeaders, type AppKit } from '@mailroom/app-kit';
import type { Mailroom, Store } from '@mailroom/core';
import {
  basePathOf,
  resolveConfig,
  sharedUploadAddress,
  type AvatarsConfig,
  type AvatarsConfigInput,
} from './config.js';
import { avatarsMigrations } from './db/index.js';
import { renderDefaultAvatar } from './images/index.js';
import { registerMailRoutes } from './mail/routes.js';
import { createApi } from './web/api.js';
import { registerAvatarRoute } from './web/avatar-route.js';
import { createPages } from './web/pages.js';
import { SESSION_COOKIE } from './web/session.js';

export interface CreateAvatarsAppOptions {
  mailroom: Mailroom<object>;
  store: Store;
  config: AvatarsConfig | AvatarsConfigInput;
}

export interface AvatarsApp {
  /** Pages, the JSON API under /api and GET /avatar/<hash>; mount it at the path of `config.publicUrl`. */
  web: Hono;
  config: AvatarsConfig;
  /** Revocable sessions (`@mailroom/app-kit`). */
  kit: AppKit;
}

/**
 * Applies the app's migrations, renders the default avatar, declares the mail routes and builds the web app.
 * Mail goes through the Mailroom's own (`mail: { from, transport }`): answers by `ctx.autoReply`, the web's
 * confirmation and sign-in links by `mailroom.mailer`.
 */
export async function createAvatarsApp(options: CreateAvatarsAppOptions): Promise<AvatarsApp> {
  const config = resolveConfig(options.config);
  const { store, mailroom } = options;
  const mailer = mailroom.mailer;
  await store.migrate(avatarsMigrations);
  const defaults = await renderDefaultAvatar();

  registerMailRoutes(mailroom, { config, blobs: store.blobs });

  const kit = await createAppKit({
    store,
    realm: 'avatars',
    secret: config.sessionSecret,
    ...kitDeployment({ ...config, basePath: basePathOf(config) }, { name: SESSION_COOKIE, ttlMs: config.sessionTtlMs }),
  });
  const deps = { store, mailer, config, blobs: store.blobs, kit };
  const web = new Hono();
  // Avatars are embedded by other sites (cross-origin resources); the pages load the kit's stylesheet.
  web.use(securityHeaders({ crossOriginResourcePolicy: 'cross-origin' }));
  // hono/csrf: form and JSON posts from another origin are refused (the public URL's origin counts as ours).
  web.use(kit.formOriginCheck);
  registerAvatarRoute(web, { db: store.db, blobs: store.blobs, config, defaults });
  web.route('/api', createApi(deps));
  web.route('/', createPages(deps, sharedUploadAddress(config)));
  return { web, config, kit };
}

export { resolveConfig, configFromEnv } from './config.js';
export type { AvatarsConfig, AvatarsConfigInput } from './config.js';
export { avatarsMigrations } from './db/index.js';
export { processAvatar, ImageRefusedError } from './images/index.js';
