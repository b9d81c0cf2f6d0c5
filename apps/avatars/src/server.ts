/**
 * Standalone avatars service: `npm start -w apps/avatars` (after `npm run build`). Configuration from the
 * environment (table in README.md). PGlite in MAILROOM_DATA_DIR by default, PostgreSQL with DATABASE_URL.
 */
import { pathToFileURL } from 'node:url';
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
} from '@mailroom/core';
import { basePathOf, configFromEnv } from './config.js';
import { createAvatarsApp } from './index.js';

type Env = Record<string, string | undefined>;

/** How SendGrid's posts are authenticated: signature key(s), basic credentials, or explicit insecure mode. */
export function securityFromEnv(env: Env = process.env): IngressSecurity {
  const security: IngressSecurity = {};
  const keys = (env.SENDGRID_PARSE_PUBLIC_KEY ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  if (keys.length) security.publicKeys = keys;
  if (env.SENDGRID_PARSE_BASIC) {
    const [username, ...rest] = env.SENDGRID_PARSE_BASIC.split(':');
    security.basic = [{ username: username!, password: rest.join(':') }];
  }
  if (!security.publicKeys && !security.basic) {
    if (env.MAILROOM_INSECURE !== '1') {
      throw new Error('set SENDGRID_PARSE_PUBLIC_KEY or SENDGRID_PARSE_BASIC (or MAILROOM_INSECURE=1 for local development)');
    }
    security.insecure = true;
  }
  return security;
}

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const config = configFromEnv(env);
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('PORT must be a port number');

  const store = await openStore({ databaseUrl: env.DATABASE_URL || undefined, dataDir: env.MAILROOM_DATA_DIR || undefined });
  const transport = env.SENDGRID_API_KEY ? sendgridTransport({ apiKey: env.SENDGRID_API_KEY }) : outboxOnlyTransport();
  const deliverer = createOutboxDeliverer({ store, transport, logger: store.logger });
  const mailer = createMailer({ store, domain: config.domain, defaultFrom: config.from, onQueued: () => deliverer.kick() });
  const mailroom = createMailroom({ store, security: securityFromEnv(env) });
  const avatars = await createAvatarsApp({ mailroom, store, mailer, config });

  const app = new Hono();
  app.route('/webhooks/sendgrid', mailroom.app()); // SendGrid's Parse URL: <host>/webhooks/sendgrid/parse
  app.route(basePathOf(config) || '/', avatars.web);
  app.get('/healthz', (c) => c.json({ ok: true }));

  const server = serve({ fetch: app.fetch, port, hostname: env.HOST ?? '0.0.0.0' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  mailroom.start();
  deliverer.start();
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', port: actualPort, publicUrl: config.publicUrl, upload: `${config.uploadLocalPart}@${config.domain}`, transport: transport.name, database: store.dialect })}\n`,
  );
  return {
    port: actualPort,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await mailroom.stop();
      await deliverer.stop();
      await store.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (running) => {
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      process.stderr.write(`avatars: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
