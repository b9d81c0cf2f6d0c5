/**
 * Durable inbox: every post SendGrid delivers is committed (row + bytes, deduplicated) before the webhook
 * answers 2xx, then processed by the worker. PostgreSQL via `DATABASE_URL`, else PGlite.
 *
 * @example
 * ```ts
 * import { openStore } from '@mailroom/core';
 * const store = await openStore();                       // applies migrations
 * const { id, duplicate } = await store.inbox.ingest(post);
 * await store.inbox.replay({ status: 'failed' }, { route: 'support' });
 * await store.inbox.incinerate({ olderThanDays: 30 });
 * ```
 */
export { openStore } from './store.js';
export type { Store, StoreOptions } from './store.js';
export type { Database, Transaction, Queryable } from './database.js';
export type { UnitOfWork, Statement } from './work.js';
export { rowsOf } from './database.js';
export type { Inbox, IngestOptions, IngestResult, ListFilter, IncinerateOptions } from './inbox.js';
export { DEFAULT_RETENTION_DAYS } from './inbox.js';
export type { InboundRecord } from './records.js';
/** Row → InboundRecord, for the worker that claims rows with its own query. */
export { toRecord } from './records.js';
export type { StorablePost, StoredPostParser } from './post.js';
export { INBOUND_STATUSES, PROCESSED_STATUSES, inboundEmails, blobs as blobsTable, handlerEffects, mailroomSchema } from './schema.js';
export type { InboundStatus, ProcessedStatus } from './schema.js';
export { databaseBlobStore, filesystemBlobStore, assertBlobKey } from './blobs.js';
export type { BlobStore, BlobData } from './blobs.js';
export { coreMigrationSets, pendingMigrations } from './migrations.js';
export type { MigrationSet, AppliedMigration } from './migrations.js';
export { StoreUnavailableError, DatabaseOpenError, InvalidBlobKeyError, InboundEmailNotFoundError, isUnavailableError, asStoreError, describeDatabaseError } from './errors.js';
export { runOnce } from './idempotency.js';
export { identify, contentChecksum, fallbackMessageId } from './dedupe.js';
export type { EmailIdentity } from './dedupe.js';
export { jsonLogger, silentLogger, describeError } from './log.js';
export type { Logger, InboxEvent, InboxEventName } from './log.js';
