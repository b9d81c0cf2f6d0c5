/**
 * @mailroom/core — receive email from SendGrid's Inbound Parse Webhook, store it durably, route it to
 * handlers, answer it and follow what happened to the answers (Event Webhook).
 *
 * Each folder's index.ts states what it offers the other folders; this file picks the package's public
 * API from them. Folder internals that other folders need (drizzle tables, migration sets, codec pieces,
 * the dedupe identity) stay out of it. `@mailroom/core/testing` is the testing kit.
 */

// The model every part shares, and the text algorithms behind its methods.
export * from './message/index.js';
export * from './text/index.js';

// SendGrid Inbound Parse: verify and parse (the signature helpers are shared with the Event Webhook).
export {
  createIngress,
  parseInboundBody,
  IngressError,
  IngressConfigurationError,
  DEFAULT_LIMITS,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySendGridSignature,
  createSignatureCheck,
  parseSendGridPublicKey,
} from './ingress/index.js';
export type {
  Ingress,
  ReceivedPost,
  ReceiveOptions,
  IngressErrorStatus,
  IngressLimits,
  IngressSecurity,
  AuthMethod,
  SignatureCheck,
  BasicCredential,
} from './ingress/index.js';

// Durable inbox.
export {
  openStore,
  rowsOf,
  DEFAULT_RETENTION_DAYS,
  INBOUND_STATUSES,
  PROCESSED_STATUSES,
  databaseBlobStore,
  filesystemBlobStore,
  assertBlobKey,
  StoreUnavailableError,
  InvalidBlobKeyError,
  InboundEmailNotFoundError,
  isUnavailableError,
  runOnce,
  jsonLogger,
  silentLogger,
} from './inbox/index.js';
export type {
  Store,
  StoreOptions,
  Database,
  Transaction,
  Queryable,
  Inbox,
  IngestOptions,
  IngestResult,
  ListFilter,
  IncinerateOptions,
  InboundRecord,
  StorablePost,
  StoredPostParser,
  InboundStatus,
  ProcessedStatus,
  BlobStore,
  BlobData,
  MigrationSet,
  AppliedMigration,
  Logger,
  InboxEvent,
  InboxEventName,
} from './inbox/index.js';

// Routing and the generic worker.
export { Router, createRouter, RouteNameError, FALLBACK_ROUTE, RoutePatternError, recipientsOf } from './routing/index.js';
export type {
  Route,
  RouteMatch,
  MatchOptions,
  RoutePattern,
  RouteMatcher,
  HeaderCondition,
  EmailPredicate,
  ParamsOf,
  NoParams,
  ParamNames,
  PatternParams,
  Params,
  RecipientSource,
  MatchedRecipient,
} from './routing/index.js';
export * from './runtime/index.js';

// Outbound mail: mailer, transports, outbox, threading, signed reply addresses and Message-IDs.
export {
  OutboundMessageError,
  MAILROOM_ID_ARG,
  sanitizeHeaderText,
  TransportError,
  outboxOnlyTransport,
  sendgridTransport,
  SendGridError,
  SENDGRID_MAX_PERSONALIZATIONS,
  smtpTransport,
  createMailer,
  listOutbound,
  getOutbound,
  listOutboundMessages,
  getOutboundMessage,
  requeueOutbound,
  createOutboxDeliverer,
  buildReply,
  replySubject,
  replyRecipients,
  canAutoReply,
  reserveAutoReply,
  createReplyHelpers,
  verifyReplyToken,
  createReplyAddresses,
  ReplyAddressError,
  createMessageIds,
  SigningKeyError,
  OUTBOUND_STATUSES,
} from './outbound/index.js';
export type {
  AddressInput,
  OutboundAttachment,
  OutboundMessage,
  PreparedMessage,
  PreparedAttachment,
  Transport,
  DeliveryResult,
  SendGridTransportOptions,
  SmtpTransportOptions,
  Mailer,
  MailerOptions,
  MailerMessage,
  SendOptions,
  SendResult,
  OutboundRecord,
  OutboundMessageRecord,
  OutboundAttachmentRecord,
  OutboundFilter,
  OutboxDeliverer,
  OutboxDelivererOptions,
  ReplyContent,
  BuildReplyOptions,
  AutoReplyVerdict,
  AutoReplyRefusal,
  CanAutoReplyOptions,
  AutoReplyLimit,
  ReplyHelpers,
  ReplyHelpersOptions,
  ReplyContext,
  ReplySendOptions,
  ReplyOutcome,
  VerifyReplyTokenInput,
  ReplyAddresses,
  ReplyAddressOptions,
  CreateReplyAddress,
  ReplyTokenResult,
  ReplyTokenFailure,
  MessageIds,
  MessageIdOptions,
  VerifiedMessageId,
  ThreadingHeaders,
  SigningKey,
  OutboundStatus,
} from './outbound/index.js';

// SendGrid Event Webhook.
export {
  eventsHandler,
  EventsConfigurationError,
  parseEventBody,
  EventParseError,
  KNOWN_EVENT_KINDS,
  findEventsForMessage,
  lastDeliveryStatus,
  listEvents,
  createEventDispatcher,
  eventsTable,
  EVENT_STATUSES,
} from './events/index.js';
export type {
  EventsHandlerOptions,
  SendGridEvent,
  EventKind,
  KnownEventKind,
  EventOfKind,
  EventBase,
  ProcessedEvent,
  DroppedEvent,
  DeliveredEvent,
  DeferredEvent,
  BounceEvent,
  OpenEvent,
  ClickEvent,
  SpamReportEvent,
  UnsubscribeEvent,
  GroupUnsubscribeEvent,
  GroupResubscribeEvent,
  UnknownEvent,
  StoreEventsResult,
  StoredEvent,
  DeliveryStatus,
  DeliveryStatusResult,
  EventDispatcher,
  EventDispatcherOptions,
  EventHandlerRegistry,
  EventHandler,
  EventHandlerContext,
  EventStatus,
} from './events/index.js';

// The Mailroom (composes all of the above) and the HTTP surfaces.
export * from './mailroom/index.js';
export * from './http/index.js';
