// Hono: SendGrid's Destination URL is https://<host>/webhooks/sendgrid/parse
import { once } from 'node:events';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { openStore, type Store } from '@mailroom/core';
import { createSupportMailroom } from '../support-mailroom.js';

export async function start({ port = 3000, store }: { port?: number; store?: Store } = {}) {
  const mailroom = createSupportMailroom(store ?? (await openStore())); // DATABASE_URL, else PGlite in ./.mailroom
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
