/**
 * The SMTP receiver: run your own MX. Each message for one of your domains is handed to `mailroom.deliver()` and
 * answered `250` only once it committed, so a message the sending MTA believes delivered is never lost.
 * `smtp-server` is loaded by `listen()`, so apps that only receive SendGrid's webhook never load it.
 *
 * @example
 * ```ts
 * import { createMailroom, openStore } from '@mailroom/core';
 * import { createSmtpReceiver } from '@mailroom/core/ingress';
 *
 * const store = await openStore({ databaseUrl: process.env.DATABASE_URL! });
 * const mailroom = createMailroom({ store, security: { publicKeys: [process.env.SENDGRID_PARSE_KEY!] } });
 * mailroom.route('support@example.com', async (ctx) => { … }); // ctx.email.provider === 'smtp'
 * const receiver = createSmtpReceiver(mailroom, {
 *   hostname: 'mx.example.com',
 *   domains: ['example.com', '*.example.com'],
 *   port: 2525, // port 25 forwarded here (docs/deployment.md, "Run your own MX")
 *   tls: { key: readFileSync('mx.key'), cert: readFileSync('mx.crt') }, // offers STARTTLS
 * });
 * await receiver.listen();
 * process.once('SIGTERM', async () => {
 *   await receiver.close(); // messages being received finish and are answered first
 *   await mailroom.stop();
 *   await store.close();
 * });
 * ```
 *
 * What the sending MTA hears:
 * - `550 5.1.2` for a recipient outside `domains` (exact names, case-insensitive, or `*.example.com`; never an
 *   address literal). No AUTH is offered and nothing is relayed: the receiver only ever stores.
 * - `452 4.5.3` past `maxRecipients` (100) recipients of one message; `421` past `maxClients` (100) connections.
 * - `552` for a message over `maxMessageBytes` (advertised with SIZE: refused at MAIL FROM when declared,
 *   else `552 5.3.4` after DATA; the bytes past the limit are counted and discarded, never kept).
 *   `452 4.3.1` while the messages being received hold `maxInFlightBytes`.
 * - `250` after the message committed; a message received again (an MTA's retry) is stored once and also 250.
 * - `554 5.6.0` with the reason for a message the Mailroom will never take (an IngressError: empty, malformed
 *   with `parseRaw: 'on-receipt'`; too large ones are `552 5.3.4`).
 * - `451 4.3.0` for anything else, the database being down or too slow included: the MTA keeps the message and
 *   retries (logged as `smtp_deferred`).
 * - STARTTLS only with `tls` (key and certificate, PEM). A connection silent for `idleTimeoutMs` (60 s), or open
 *   for `sessionTimeoutMs` (10 min), is closed.
 * The envelope (`email.envelope`) is MAIL FROM (null for the `<>` of a bounce) and the accepted RCPT TO addresses,
 * Bcc recipients included; the message is stored byte for byte as received (no Received header is added, so an
 * MTA's retry dedupes).
 */
export { createSmtpReceiver } from './receiver.js';
export type { SmtpReceiver, SmtpReceiverOptions, SmtpDeliveryTarget, SmtpLogger } from './receiver.js';
