// Hono: SendGrid's Destination URL is https://<host>/webhooks/sendgrid/parse
import { once } from 'node:events';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createMailroom, openStore, securityFromEnv, type Store } from '@mailroom/core';

export async function start({ port = 3000, store }: { port?: number; store?: Store } = {}) {
  const mailroom = createMailroom({
    store: store ?? (await openStore()), // DATABASE_URL, else PGlite in ./.mailroom
    ...securityFromEnv(process.env),
  });
  mailroom.route('support', 'support+{ticket}@example.com', ({ params, email, log }) => {
    log.info('support_mail', { ticket: params.ticket, subject: email.subject });
  });
  mailroom.fallback((ctx) => ctx.ignore('not an address of this app'));

  const app = new Hono();
  app.get('/', (c) => c.text('ok'));
  app.route('/webhooks/sendgrid', mailroom.app());
  mailroom.start();
  const server = serve({ fetch: app.fetch, port });
  await once(server, 'listening');
  return { server, mailroom };
}

if (process.argv[1] === new URL(import.meta.url).pathname) await start();
