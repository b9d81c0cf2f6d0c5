// What the package root offers of outbound/ (index.ts adds what only other folders use).
export type {
  AddressInput,
  OutboundAttachment,
  OutboundMessage,
  PreparedMessage,
  PreparedAttachment,
} from './message.js';
export { OutboundMessageError, MAILROOM_ID_ARG, sanitizeHeaderText } from './message.js';
export type { Transport, DeliveryResult } from './transport.js';
export { TransportError, outboxOnlyTransport } from './transport.js';
export { sendgridTransport, SendGridError, SENDGRID_MAX_PERSONALIZATIONS } from './transports/sendgrid.js';
export type { SendGridTransportOptions } from './transports/sendgrid.js';
export { smtpTransport } from './transports/smtp.js';
export type { SmtpTransportOptions } from './transports/smtp.js';
export {
  createMailer,
  listOutbound,
  getOutbound,
  listOutboundMessages,
  getOutboundMessage,
  requeueOutbound,
  sentTo,
} from './outbox.js';
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
export type { OutboxDeliverer, OutboxDelivererOptions } from './deliverer.js';
export {
  buildReply,
  conversationThreading,
  replySubject,
  replyRecipients,
  canAutoReply,
  reserveAutoReply,
} from './threading.js';
export type {
  ReplyContent,
  BuildReplyOptions,
  AutoReplyVerdict,
  AutoReplyRefusal,
  CanAutoReplyOptions,
  AutoReplyLimit,
} from './threading.js';
export { createReplyHelpers, verifyReplyToken } from './reply-helpers.js';
export type {
  ReplyHelpers,
  ReplyHelpersOptions,
  ReplyContext,
  ReplySendOptions,
  ReplyOutcome,
  VerifyReplyTokenInput,
} from './reply-helpers.js';
export { createReplyAddresses, ReplyAddressError } from './reply-address.js';
export type {
  ReplyAddresses,
  ReplyAddressOptions,
  CreateReplyAddress,
  ReplyTokenResult,
  ReplyTokenFailure,
} from './reply-address.js';
export { createMessageIds } from './message-id.js';
export type { MessageIds, MessageIdOptions, VerifiedMessageId, ThreadingHeaders } from './message-id.js';
export type { SigningKey } from './signing.js';
export { SigningKeyError } from './signing.js';
export { OUTBOUND_STATUSES } from './schema.js';
export type { OutboundStatus } from './schema.js';
