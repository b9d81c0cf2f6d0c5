import { and, desc, eq, ilike, inArray, isNotNull, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { InboundEmail } from '../message/index.js';
import type { BlobStore } from './blobs.js';
import type { Database, Transaction } from './database.js';
import { InboundEmailNotFoundError, asStoreError } from './errors.js';
import { createIngest, type IngestDependencies, type IngestOptions, type IngestResult } from './ingest.js';
import type { InboxEvent, InboxEventName } from './log.js';
import type { StorablePost, StoredPostParser } from './post.js';
import { toRecord, type InboundRecord } from './records.js';
import { PROCESSED_STATUSES, inboundEmails, type InboundStatus, type ProcessedStatus } from './schema.js';
import { replayFields } from './status.js';

export type { IngestOptions, IngestResult } from './ingest.js';

export interface ListFilter {
  status?: InboundStatus | InboundStatus[];
  /** Case-insensitive substring of subject, sender, Message-ID or an envelope address. */
  search?: string;
  /** Default 50, at most 1000. */
  limit?: number;
  /** Id of a record: list the ones received before it (pagination cursor). */
  before?: string;
}

export interface IncinerateOptions {
  /**
   * Days after processing; one number for every processed status or per status (missing ones: 30).
   * `failed` mail is kept until named explicitly (`{ failed: 90 }`): incinerating it would make it unreplayable.
   */
  olderThanDays?: number | Partial<Record<InboundStatus, number>>;
  now?: Date;
  onProgress?: (done: number, total: number) => void;
}

/** The durable inbox: store-then-process, like Action Mailbox, without its orphan blobs. */
export interface Inbox {
  /** Stores the post in one transaction; resolves after commit. Duplicates write nothing. */
  ingest(post: StorablePost, options?: IngestOptions): Promise<IngestResult>;
  get(id: string): Promise<InboundRecord | null>;
  /** Newest first. */
  list(filter?: ListFilter): Promise<InboundRecord[]>;
  /** The stored request bytes, or null when unknown or incinerated. */
  loadPost(id: string): Promise<{ body: Buffer; contentType: string } | null>;
  /** Parses the stored bytes again (throws InboundEmailNotFoundError when unknown or incinerated). */
  loadEmail(id: string): Promise<InboundEmail>;
  /** Parses stored bytes exactly as the webhook parsed them (e.g. bytes a claim already returned). */
  parseStored(body: Buffer, contentType: string): Promise<InboundEmail>;
  /** Back to pending with attempts 0, by id or by status; `route` forces that route (reroute). Returns how many. */
  replay(target: string | { status: InboundStatus }, options?: { route?: string }): Promise<number>;
  /** Deletes the bytes of emails processed more than N days ago; rows stay with `incineratedAt`. Returns how many. */
  incinerate(options?: IncinerateOptions): Promise<number>;
}

export interface InboxDependencies extends IngestDependencies {
  db: Database;
  blobs: BlobStore;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  emit(event: InboxEventName, fields: Omit<InboxEvent, 'event'>): void;
  parser: StoredPostParser;
}

export const DEFAULT_RETENTION_DAYS = 30;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;

export function createInbox(deps: InboxDependencies): Inbox {
  const { db, blobs } = deps;
  const loadPost = async (id: string) => {
    const row = await findRow(db, id);
    if (!row || row.incineratedAt || !row.bodyBlobKey) return null;
    const body = await blobs.get(row.bodyBlobKey);
    return body ? { body, contentType: row.contentType } : null;
  };
  return {
    ingest: createIngest(deps),
    async get(id) {
      const row = await findRow(db, id).catch((error) => {
        throw asStoreError(error, 'get');
      });
      return row ? toRecord(row) : null;
    },
    list: (filter) => listEmails(db, filter),
    loadPost,
    async loadEmail(id) {
      const post = await loadPost(id);
      if (!post)
        throw new InboundEmailNotFoundError(`no stored bytes for inbound email ${id} (unknown or incinerated)`);
      return deps.parser(post.body, post.contentType);
    },
    parseStored: (body, contentType) => deps.parser(body, contentType),
    replay: (target, options) => replayEmails(deps, target, options),
    incinerate: (options) => incinerateEmails(deps, options),
  };
}

async function findRow(db: Database, id: string) {
  if (!UUID.test(id)) return undefined;
  const [row] = await db.select().from(inboundEmails).where(eq(inboundEmails.id, id));
  return row;
}

async function listEmails(db: Database, filter: ListFilter = {}): Promise<InboundRecord[]> {
  const conditions: SQL[] = [];
  if (filter.status) {
    const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
    conditions.push(inArray(inboundEmails.status, statuses));
  }
  if (filter.search) conditions.push(searchCondition(filter.search));
  if (filter.before) {
    if (!UUID.test(filter.before)) return [];
    // Compared in SQL: timestamps have microseconds a JS Date would lose.
    conditions.push(
      sql`(${inboundEmails.receivedAt}, ${inboundEmails.id}) < (select c.received_at, c.id from ${inboundEmails} c where c.id = ${filter.before})`,
    );
  }
  const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 50), 1), 1000);
  const rows = await db
    .select()
    .from(inboundEmails)
    .where(and(...conditions))
    .orderBy(desc(inboundEmails.receivedAt), desc(inboundEmails.id))
    .limit(limit);
  return rows.map(toRecord);
}

function searchCondition(search: string): SQL {
  const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(
    ilike(inboundEmails.subject, pattern),
    ilike(inboundEmails.fromAddress, pattern),
    ilike(inboundEmails.messageId, pattern),
    ilike(inboundEmails.envelopeFrom, pattern),
    sql`exists (select 1 from unnest(${inboundEmails.envelopeTo}) as rcpt where rcpt ilike ${pattern})`,
  )!;
}

/** Back to pending with attempts 0 (a status transition: the row processing now and incinerated rows stay). */
async function replayEmails(
  deps: InboxDependencies,
  target: string | { status: InboundStatus },
  options: { route?: string } = {},
): Promise<number> {
  const which =
    typeof target === 'string'
      ? UUID.test(target)
        ? eq(inboundEmails.id, target)
        : undefined
      : eq(inboundEmails.status, target.status);
  if (!which) return 0;
  const replayed = await deps.db
    .update(inboundEmails)
    .set(replayFields(options.route ?? null))
    // A row being processed right now is left alone; incinerated rows have nothing left to process.
    .where(and(which, ne(inboundEmails.status, 'processing'), isNull(inboundEmails.incineratedAt)))
    .returning({ id: inboundEmails.id });
  for (const { id } of replayed) deps.emit('replayed', { id, route: options.route ?? null });
  return replayed.length;
}

async function incinerateEmails(deps: InboxDependencies, options: IncinerateOptions = {}): Promise<number> {
  const { db, blobs } = deps;
  const now = options.now ?? new Date();
  const days = retentionDays(options.olderThanDays);
  const due = or(
    ...PROCESSED_STATUSES.filter((status) => Number.isFinite(days[status])).map((status) =>
      and(
        eq(inboundEmails.status, status),
        lt(inboundEmails.processedAt, new Date(now.getTime() - days[status] * DAY_MS)),
      ),
    ),
  )!;
  const eligible = and(due, isNull(inboundEmails.incineratedAt), isNotNull(inboundEmails.processedAt))!;
  const [counted] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(inboundEmails)
    .where(eligible);
  const total = counted?.total ?? 0;
  let done = 0;
  options.onProgress?.(0, total);
  for (;;) {
    const batch = await deps.transaction((tx) => incinerateBatch(tx, blobs, eligible, now));
    if (batch.length === 0) break;
    // Files go after the commit: a crash in between leaves a file without a row, never a row without bytes.
    if (blobs.kind !== 'database') for (const row of batch) if (row.key) await blobs.delete(row.key);
    done += batch.length;
    options.onProgress?.(done, Math.max(total, done));
  }
  if (done > 0) deps.emit('incinerated', { count: done });
  return done;
}

/** Up to 200 eligible rows lose their bytes (database blobs in this transaction); returns them. */
async function incinerateBatch(tx: Transaction, blobs: BlobStore, eligible: SQL, now: Date) {
  const rows = await tx
    .select({ id: inboundEmails.id, key: inboundEmails.bodyBlobKey })
    .from(inboundEmails)
    .where(eligible)
    .limit(200)
    .for('update', { skipLocked: true });
  if (rows.length === 0) return rows;
  if (blobs.kind === 'database') for (const row of rows) if (row.key) await blobs.delete(row.key, tx);
  await tx
    .update(inboundEmails)
    .set({ incineratedAt: now, bodyBlobKey: null })
    .where(
      inArray(
        inboundEmails.id,
        rows.map((row) => row.id),
      ),
    );
  return rows;
}

function retentionDays(option: IncinerateOptions['olderThanDays']): Record<ProcessedStatus, number> {
  const days = Object.fromEntries(
    PROCESSED_STATUSES.map((status) => [
      status,
      status === 'failed' ? Infinity : typeof option === 'number' ? option : DEFAULT_RETENTION_DAYS,
    ]),
  ) as Record<ProcessedStatus, number>;
  if (option && typeof option === 'object') {
    for (const status of PROCESSED_STATUSES) {
      const value = option[status];
      if (value !== undefined) days[status] = value;
    }
  }
  for (const [status, value] of Object.entries(days)) {
    if (Number.isNaN(value) || value < 0)
      throw new RangeError(`retention days for ${status} must be >= 0, got ${value}`);
  }
  return days;
}
