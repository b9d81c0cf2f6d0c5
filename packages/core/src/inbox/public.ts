// `@mailroom/core/inbox`: the durable inbox's building blocks (the root offers openStore and the Store types).
export { openStore, type Store, type StoreOptions } from './store.js';
export type { Database, Transaction, Queryable } from './database.js';
export { rowsOf } from './database.js';
export type { Inbox, IngestOptions, IngestResult, ListFilter, IncinerateOptions } from './inbox.js';
export { DEFAULT_RETENTION_DAYS } from './inbox.js';
export type { InboundRecord } from './records.js';
export { whyNotReplayable } from './records.js';
export type { StorablePost, StoredPostParser } from './post.js';
export { INBOUND_STATUSES, PROCESSED_STATUSES } from './schema.js';
export type { InboundStatus, ProcessedStatus } from './schema.js';
export { databaseBlobStore, filesystemBlobStore, assertBlobKey } from './blobs.js';
export type { BlobStore, BlobData } from './blobs.js';
export type { MigrationSet, AppliedMigration } from './migrations.js';
export {
  StoreUnavailableError,
  DatabaseOpenError,
  InvalidBlobKeyError,
  InboundEmailNotFoundError,
  isUnavailableError,
} from './errors.js';
export { runOnce } from './idempotency.js';
export { jsonLogger, silentLogger, describeError } from './log.js';
export type { Logger, InboxEvent, InboxEventName } from './log.js';
