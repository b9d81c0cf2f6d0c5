/**
 * Outbound mail: the outbox-backed mailer, transports (SendGrid v3, SMTP, store-only), the delivery
 * worker, reply threading, automatic-reply policy, signed reply addresses and signed Message-IDs.
 *
 * @example
 * ```ts
 * import { sendgridTransport } from '@mailroom/core';
 * import { createMailer, createOutboxDeliverer, createMessageIds, createReplyAddresses,
 *   createReplyHelpers, getOutboundMessage, sentTo } from '@mailroom/core/outbound';
 *
 * const keys = [{ id: '2026-11', secret: process.env.MAILROOM_SECRET! }];
 * const messageIds = createMessageIds({ keys, domain: 'mail.example.com' });
 * const replyAddresses = createReplyAddresses({ keys, domain: 'replies.example.com' });
 * const deliverer = createOutboxDeliverer({ store, transport: sendgridTransport({ apiKey: process.env.SENDGRID_API_KEY! }) });
 * const mailer = createMailer({ store, messageIds, onQueued: () => deliverer.kick() });
 * const replies = createReplyHelpers({ mailer, from: 'Support <help@example.com>', messageIds, replyAddresses });
 * deliverer.start();
 * // in a handler: await replies.reply(ctx, { text: 'On it.' }, { scope: 't:42' });
 * const sent = await getOutboundMessage(store.db, outboxId); // everything it was sent with, and its status
 * const proven = await sentTo(store.db, report.originalMessageId, failedAddresses); // a DSN is about our mail only for these
 * ```
 *
 * On a Mailroom, `createMailroom({ mail })` builds these for you and owns the one deliverer: use
 * `mailroom.mailer` and `ctx.reply()` rather than a second mailer and deliverer on the same outbox.
 */
export * from './public.js';
// For other folders only: codec pieces, tables.
export { errorMessages as sendgridErrorMessages, retryAfter as sendgridRetryAfterMs } from './transports/sendgrid.js';
export { outboundMessages as outboundMessagesTable } from './schema.js';
