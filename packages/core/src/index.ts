/**
 * @mailroom/core — receive email from SendGrid's Inbound Parse Webhook, store it durably, route it to
 * handlers, answer it and follow what happened to the answers (Event Webhook).
 *
 * Each folder's index.ts states what it offers the other folders; this file picks the package's public
 * API from them (a folder's `public.ts`, where it has one, is that pick; its index.ts re-exports it). Folder internals that other folders need (drizzle tables, migration sets, codec pieces,
 * the dedupe identity) stay out of it. `@mailroom/core/testing` is the testing kit.
 */

// The model every part shares, and the text algorithms behind its methods.
export * from './message/index.js';
export * from './text/index.js';

// SendGrid Inbound Parse: verify and parse (the signature helpers are shared with the Event Webhook).
export * from './ingress/public.js';

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
  DatabaseOpenError,
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
export * from './routing/public.js';
export * from './runtime/index.js';

// Outbound mail: mailer, transports, outbox, threading, signed reply addresses and Message-IDs, and the
// bounded-attempts rule every queue follows (the sample apps' own queues use it too).
export * from './outbound/public.js';

// SendGrid Event Webhook.
export * from './events/public.js';

// The Mailroom (composes all of the above) and the HTTP surfaces.
export * from './mailroom/index.js';
export * from './http/index.js';
