// Plain node:http: every POST to this server is an Inbound Parse post (the handler is path-agnostic).
import { createServer } from 'node:http';
import { openStore, type Store } from '@mailroom/core';
import { createSupportMailroom } from '../support-mailroom.js';

export async function start({ port = 3000, store }: { port?: number; store?: Store } = {}) {
  const mailroom = createSupportMailroom(store ?? (await openStore())); // DATABASE_URL, else PGlite in ./.mailroom

  const server = createServer(mailroom.nodeHandler());
  await new Promise<void>((resolve) => server.listen(port, resolve));
  mailroom.start();
  return { server, mailroom };
}

if (process.argv[1] === new URL(import.meta.url).pathname) await start();
