// The one Mailroom every example mounts: a route for `support+{ticket}@example.com`, the key from the environment.
import { createMailroom, securityFromEnv, type Store } from '@mailroom/core';

export function createSupportMailroom(store: Store) {
  const mailroom = createMailroom({
    store,
    ...securityFromEnv(process.env),
  });
  mailroom.route('support', 'support+{ticket}@example.com', ({ params, email, log }) => {
    log.info('support_mail', { ticket: params.ticket, subject: email.subject });
  });
  return mailroom;
}
