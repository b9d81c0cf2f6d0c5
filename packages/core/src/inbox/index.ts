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
export type { Statement } from './work.js';
export { rowsOf } from './database.js';
export { DEFAULT_RETENTION_DAYS } from './inbox.js';
export type { InboundRecord } from './records.js';
export { whyNotReplayable } from './records.js';
/** The inbound status machine's transitions (the worker asks these; nothing else writes the status). */
export { inboundTransitions } from './status.js';
export type { InboundTransitions, ClaimedInbound } from './status.js';
export { INBOUND_STATUSES, PROCESSED_STATUSES, inboundEmails, blobs as blobsTable, handlerEffects } from './schema.js';
export type { InboundStatus } from './schema.js';
export { filesystemBlobStore } from './blobs.js';
export type { BlobStore } from './blobs.js';
export { coreMigrationSets } from './migrations.js';
export type { MigrationSet } from './migrations.js';
export {
  StoreUnavailableError,
  DatabaseOpenError,
  InvalidBlobKeyError,
  InboundEmailNotFoundError,
  isUnavailableError,
  describeDatabaseError,
} from './errors.js';
export { runOnce } from './idempotency.js';
export { jsonLogger, silentLogger, describeError } from './log.js';
export type { Logger, InboxEvent } from './log.js';
