/**
 * Outbound mail: the outbox-backed mailer, transports (SendGrid v3, SMTP, store-only), the delivery
 * worker, reply threading, automatic-reply policy, signed reply addresses and signed Message-IDs.
 *
 * @example
 * ```ts
 * import { createMailer, createOutboxDeliverer, sendgridTransport, createMessageIds, createReplyAddresses,
 *   createReplyHelpers, getOutboundMessage, sentTo } from '@mailroom/core';
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
export type { AddressInput, OutboundAttachment, OutboundMessage, PreparedMessage, PreparedAttachment } from './message.js';
export { OutboundMessageError, MAILROOM_ID_ARG, sanitizeHeaderText } from './message.js';
export type { Transport, DeliveryResult } from './transport.js';
export { TransportError, outboxOnlyTransport } from './transport.js';
export { sendgridTransport, sendgridMailBody, SendGridError, SENDGRID_MAX_PERSONALIZATIONS } from './transports/sendgrid.js';
export type { SendGridTransportOptions } from './transports/sendgrid.js';
export { smtpTransport, smtpApiHeader } from './transports/smtp.js';
export type { SmtpTransportOptions } from './transports/smtp.js';
export { createMailer, listOutbound, getOutbound, listOutboundMessages, getOutboundMessage, requeueOutbound, sentTo } from './outbox.js';
export type {
  Mailer,
  MailerOptions,
  MailerMessage,
  SendOptions,
  SendResult,
  OutboundRecord,
  OutboundMessageRecord,
  OutboundAttachmentRecord,
  OutboundFilter,
} from './outbox.js';
export { createOutboxDeliverer } from './deliverer.js';
// Shared with the event dispatcher (the loop itself is not part of the package's public API).
export { createPollLoop, defaultWorkerId, retryDelayMs, withTimeout, JobTimeoutError } from './poll-loop.js';
export type { PollLoop, PollLoopOptions } from './poll-loop.js';
// The bounded-attempts rule every queue follows (public: the sample apps' own queues use it too).
export { decideRetry, attemptsUsedUp } from './poll-loop.js';
export type { RetryPolicy, RetryDecision } from './poll-loop.js';
export type { OutboxDeliverer, OutboxDelivererOptions } from './deliverer.js';
export { buildReply, conversationThreading, replySubject, replyRecipients, canAutoReply, reserveAutoReply } from './threading.js';
export type { ReplyContent, BuildReplyOptions, AutoReplyVerdict, AutoReplyRefusal, CanAutoReplyOptions, AutoReplyLimit } from './threading.js';
export { createReplyHelpers, verifyReplyToken, replyTokenGuard } from './reply-helpers.js';
export type { ReplyHelpers, ReplyHelpersOptions, ReplyContext, ReplySendOptions, ReplyOutcome, VerifyReplyTokenInput } from './reply-helpers.js';
export { createReplyAddresses, ReplyAddressError } from './reply-address.js';
export type { ReplyAddresses, ReplyAddressOptions, CreateReplyAddress, ReplyTokenResult, ReplyTokenFailure } from './reply-address.js';
export { createMessageIds } from './message-id.js';
export type { MessageIds, MessageIdOptions, VerifiedMessageId, ThreadingHeaders } from './message-id.js';
export type { SigningKey } from './signing.js';
export { SigningKeyError } from './signing.js';
export { outboundMessages as outboundMessagesTable, autoReplyLog as autoReplyLogTable, OUTBOUND_STATUSES } from './schema.js';
export type { OutboundStatus } from './schema.js';
export { outboundMigrationSet } from './migrations.js';
