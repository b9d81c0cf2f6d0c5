// Plain node:http: every POST to this server is an Inbound Parse post (the handler is path-agnostic).
import { createServer } from 'node:http';
import { createMailroom, openStore, securityFromEnv, type Store } from '@mailroom/core';

export async function start({ port = 3000, store }: { port?: number; store?: Store } = {}) {
  const mailroom = createMailroom({
    store: store ?? (await openStore()), // DATABASE_URL, else PGlite in ./.mailroom
    ...securityFromEnv(process.env),
  });
  mailroom.route('support', 'support+{ticket}@example.com', ({ params, email, log }) => {
    log.info('support_mail', { ticket: params.ticket, subject: email.subject });
  });

  const server = createServer(mailroom.nodeHandler());
  await new Promise<void>((resolve) => server.listen(port, resolve));
  mailroom.start();
  return { server, mailroom };
}

if (process.argv[1] === new URL(import.meta.url).pathname) await start();
