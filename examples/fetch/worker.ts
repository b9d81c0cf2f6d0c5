// Any Web-standard runtime (Bun, Deno): `bun run examples/fetch/worker.ts`, `deno serve examples/fetch/worker.ts`.
// The handler is path-agnostic: every POST is an Inbound Parse post.
import { createMailroom, openStore, securityFromEnv } from '@mailroom/core';

export const mailroom = createMailroom({
  store: await openStore(), // DATABASE_URL, else PGlite in $MAILROOM_DATA_DIR or ./.mailroom
  ...securityFromEnv(process.env),
});
mailroom.route('support', 'support+{ticket}@example.com', ({ params, email, log }) => {
  log.info('support_mail', { ticket: params.ticket, subject: email.subject });
});

export default { fetch: mailroom.fetch };
