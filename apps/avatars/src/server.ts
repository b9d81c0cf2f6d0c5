/**
 * Standalone avatars service: `npm start -w apps/avatars` (after `npm run build`). Configuration from the
 * environment (table in README.md). PGlite in MAILROOM_DATA_DIR by default, PostgreSQL with DATABASE_URL.
 */
import { pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import {
  createMailroom,
  openStore,
  outboxOnlyTransport,
  portFromEnv,
  runMain,
  securityFromEnv,
  sendgridTransport,
  startServer,
  storeOptionsFromEnv,
} from '@mailroom/core';
import { secureCookieWarning } from '@mailroom/app-kit';
import { basePathOf, configFromEnv } from './config.js';
import { createAvatarsApp } from './index.js';

type Env = Record<string, string | undefined>;

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const config = configFromEnv(env);
  const port = portFromEnv(env);

  const store = await openStore(storeOptionsFromEnv(env));
  const transport = env.SENDGRID_API_KEY ? sendgridTransport({ apiKey: env.SENDGRID_API_KEY }) : outboxOnlyTransport();
  const mailroom = createMailroom({ store, ...securityFromEnv(env), mail: { from: config.from, domain: config.domain, transport } });
  const avatars = await createAvatarsApp({ mailroom, store, config });
  const cookieWarning = secureCookieWarning({ production: config.production, publicUrl: config.publicUrl, secureCookies: config.secureCookies });
  if (cookieWarning) console.warn(cookieWarning);

  const app = new Hono();
  app.route('/webhooks/sendgrid', mailroom.app()); // SendGrid's Parse URL: <host>/webhooks/sendgrid/parse
  app.route(basePathOf(config) || '/', avatars.web);
  app.get('/healthz', (c) => c.json({ ok: true }));

  const server = await startServer(app.fetch, { port, hostname: env.HOST ?? '0.0.0.0' });
  const actualPort = server.port;
  mailroom.start();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', port: actualPort, publicUrl: config.publicUrl, upload: `${config.uploadLocalPart}@${config.domain}`, transport: transport.name, database: store.dialect })}\n`,
  );
  return {
    port: actualPort,
    async close() {
      await server.close();
      await mailroom.stop();
      await store.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void runMain(() => main(), { label: 'avatars' });
