/**
 * @mailroom/core — receive email from SendGrid's Inbound Parse Webhook, store it durably, route it to
 * handlers, answer it and follow what happened to the answers (Event Webhook).
 *
 * The root is the framework: `createMailroom`, `openStore`, `startServer`, the `InboundEmail` model, the handler
 * context types, the transports a Mailroom is configured with and the errors it throws. The building blocks
 * under it are subpaths, each with its own index doc (a folder's `public.ts`):
 * `@mailroom/core/ingress` (verify and parse posts without a Mailroom), `/text` (reply extraction,
 * classification, DSNs, addresses), `/inbox` (blob stores, statuses, idempotency), `/routing`, `/queue` (lease
 * queues: claim, lease, backoff, bounded attempts), `/runtime` (the
 * generic worker), `/outbound` (mailer, outbox, threading, signed reply addresses), `/events` (Event Webhook),
 * `/http` (handlers, Node adapters, health, metrics, credentials from the environment) and `/testing`.
 * `scripts/count-root-exports.mjs` (run by CI) keeps the root at 40 runtime values or fewer.
 *
 * @example
 * ```ts
 * import { createMailroom, openStore, securityFromEnv } from '@mailroom/core';
 *
 * const mailroom = createMailroom({ store: await openStore(), ...securityFromEnv(process.env) });
 * mailroom.route('support', 'help@example.com', async (ctx) => {
 *   await ctx.reply({ text: `We have your message "${ctx.email.subject}".` });
 * });
 * mailroom.start();
 * ```
 */

// The Mailroom, its handler contract and its configuration.
export {
  createMailroom,
  MailroomConfigurationError,
  isConfigurationError,
  requireAuthenticatedSender,
  DkimLookupError,
  securityFromEnv,
} from './mailroom/index.js';
export type {
  Mailroom,
  MailroomOptions,
  MailroomWorkerOptions,
  MailroomEventsSecurity,
  MailroomEvents,
  MailroomMailOptions,
  MailroomSenderAuthOptions,
  MailroomWebhookProviders,
  RouteOptions,
  ParamName,
  RouteTarget,
  MailFields,
  VerifiedReplyToken,
  ReplyTokenRouteOptions,
  RouteFields,
  RequireAuthenticatedSenderOptions,
  MailContext,
  RouteContext,
  FallbackContext,
  Handler,
  FallbackHandler,
  Middleware,
  ContextExtension,
  HandlerOutcome,
  ReceiveResult,
  EnvSecurity,
  SecurityFromEnvOptions,
} from './mailroom/index.js';

// The model every handler receives.
export { InboundEmail, Attachment, UnprocessableEmailError } from './message/index.js';
export type {
  InboundEmailInit,
  InboundEmailJSON,
  InboundMode,
  Header,
  Envelope,
  DkimResult,
  AuthResults,
  SpamCheck,
  ProviderName,
  ProviderData,
  SendgridData,
  PostmarkData,
  MailgunData,
  SesData,
  SesVerdict,
  RelayData,
  SmtpData,
  AttachmentInit,
  AttachmentJSON,
  AttachmentSource,
  EmailAddress,
} from './message/index.js';
export { assertAuthenticatedSender, authVerdict } from './text/index.js';
export type { AuthVerdict, SenderCheck, SenderEvidence } from './text/index.js';

// The durable store.
export {
  openStore,
  StoreUnavailableError,
  DatabaseOpenError,
  InboundEmailNotFoundError,
  isUnavailableError,
  jsonLogger,
  silentLogger,
} from './inbox/index.js';
export type {
  Store,
  StoreOptions,
  Database,
  Transaction,
  Queryable,
  Logger,
  InboundRecord,
  InboundStatus,
  MigrationSet,
} from './inbox/index.js';

// Routes and handlers.
export { FALLBACK_ROUTE, RouteNameError, RoutePatternError } from './routing/public.js';
export type {
  Route,
  RoutePattern,
  RouteMatcher,
  HeaderCondition,
  EmailPredicate,
  ParamsOf,
  NoParams,
  Params,
} from './routing/public.js';
export { HandlerTimeoutError, HandlerStallError } from './runtime/index.js';

// What a Mailroom receives with and sends through.
export { IngressError, IngressConfigurationError, DEFAULT_LIMITS } from './ingress/public.js';
export type { IngressLimits, IngressSecurity, ReceivedPost } from './ingress/public.js';
export {
  sendgridTransport,
  smtpTransport,
  outboxOnlyTransport,
  TransportError,
  OutboundMessageError,
  ReplyAddressError,
} from './outbound/public.js';
export { JobTimeoutError } from './queue/public.js';
export type {
  Transport,
  DeliveryResult,
  SendGridTransportOptions,
  SmtpTransportOptions,
  Mailer,
  OutboundMessage,
  PreparedMessage,
  SigningKey,
} from './outbound/public.js';
export { startServer } from './http/index.js';
export type { StartServerOptions, RunningServer } from './http/index.js';
