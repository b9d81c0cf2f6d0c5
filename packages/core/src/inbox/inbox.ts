import { createHash, randomUUID } from 'node:crypto';
import { and, desc, eq, ilike, inArray, isNotNull, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { InboundEmail } from '../message/index.js';
import { BLOB_PART_BYTES, type BlobStore } from './blobs.js';
import { rowsOf, type Database, type Queryable, type Transaction } from './database.js';
import { identify } from './dedupe.js';
import { InboundEmailNotFoundError, asStoreError, isUnavailableError, withDeadline } from './errors.js';
import { groupCommit } from './group-commit.js';
import type { InboxEvent, InboxEventName } from './log.js';
import type { StorablePost, StoredPostParser } from './post.js';
import { toRecord, type InboundRecord } from './records.js';
import { PROCESSED_STATUSES, blobs as blobsTable, inboundEmails, type InboundStatus, type ProcessedStatus } from './schema.js';

export interface IngestResult {
  id: string;
  /** True when this post was already stored; nothing new was written. */
  duplicate: boolean;
  record: InboundRecord;
}

export interface IngestOptions {
  /**
   * Store the row already leased to this worker (status `processing`, attempt 1, lease until now + `ms`), for a
   * worker that will process the email right away: it needs no claim statement and no second read of the bytes.
   * If that worker dies first, the lease runs out and any worker takes the email over, as after a claim.
   */
  lease?: { owner: string; ms: number };
}

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

export interface InboxDependencies {
  db: Database;
  blobs: BlobStore;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  emit(event: InboxEventName, fields: Omit<InboxEvent, 'event'>): void;
  parser: StoredPostParser;
  ensureOpen(): void;
  ingestTimeoutMs: number;
  /** The ingest's one statement, when the driver can run it faster than drizzle (postgres.js: prepared). */
  insertRows?: InsertRows;
  /** Ingest statements in flight at once (group commit); default 1. */
  ingestParallel?: number;
}

/** The columns an ingest writes (the rest take their defaults). */
export interface NewInboundRow {
  id: string;
  mode: InboundEmail['mode'];
  contentType: string;
  bodyBlobKey: string;
  size: number;
  bodySha256: string;
  dedupeKey: string;
  messageId: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  fromAddress: string | null;
  subject: string;
  /** Born leased (IngestOptions.lease): the worker, and the lease's length; null for a pending row. */
  leaseOwner: string | null;
  leaseMs: number | null;
}

/** What the ingest statement returns per row; null when the dedupe key existed and nothing was written. */
export type InsertedRow = { receivedAt: Date; nextAttemptAt: Date; leaseUntil: Date | null } | null;

/**
 * Inserts rows and, in the same statement, their bytes into `mailroom.blobs`; a row whose dedupe key exists
 * is skipped with its bytes (null in the result). Results are in input order; dedupe keys are distinct.
 */
export type InsertRows = (items: Array<{ row: NewInboundRow; body: Buffer }>) => Promise<InsertedRow[]>;

/** The one statement through drizzle (PGlite): multi-row VALUES, atomic without BEGIN/COMMIT. */
export function insertRowsViaDrizzle(db: Queryable): InsertRows {
  return async (items) => {
    const values = sql.join(
      items.map(
        ({ row, body }) => sql`(${row.id}::uuid, ${row.mode}::text, ${row.contentType}::text, ${row.bodyBlobKey}::text,
          ${row.size}::int, ${row.bodySha256}::text, ${row.dedupeKey}::text, ${row.messageId}::text, ${row.envelopeFrom}::text,
          ${JSON.stringify(row.envelopeTo)}::jsonb, ${row.fromAddress}::text, ${row.subject}::text,
          decode(${body.toString('base64')}, 'base64'), ${row.leaseOwner}::text, ${row.leaseMs}::int)`,
      ),
      sql`, `,
    );
    const rows = rowsOf<InsertedRowText>(
      await db.execute(sql`
        with input (id, mode, content_type, body_blob_key, size, body_sha256, dedupe_key, message_id, envelope_from,
          envelope_to, from_address, subject, bytes, lease_owner, lease_ms) as (values ${values}
        ), inserted as (
          insert into ${inboundEmails} (${sql.raw(INSERT_COLUMNS)})
          select ${sql.raw(INSERT_SELECT)}
          from input
          on conflict (dedupe_key) do nothing
          returning id, received_at, next_attempt_at, lease_until
        ), stored as (
          insert into ${blobsTable} (key, bytes, size, sha256)
          select input.body_blob_key, input.bytes, input.size, input.body_sha256 from input join inserted using (id)
        )
        select id, received_at, next_attempt_at, lease_until from inserted`),
    );
    return alignInserted(items, rows);
  };
}

/**
 * The ingest's row insert, shared by both statements (input columns … lease_owner, lease_ms): a row with a lease
 * owner is born leased to it — `processing`, attempt 1 — instead of `pending`.
 */
export const INSERT_COLUMNS = `id, status, mode, content_type, body_blob_key, size, body_sha256, dedupe_key, message_id,
  envelope_from, envelope_to, from_address, subject, next_attempt_at, lease_owner, lease_until, attempts`;
export const INSERT_SELECT = `id, case when lease_owner is null then 'pending' else 'processing' end, mode, content_type,
  body_blob_key, size, body_sha256, dedupe_key, message_id, envelope_from, array(select jsonb_array_elements_text(envelope_to)),
  from_address, subject, now(), lease_owner, now() + lease_ms * interval '1 millisecond',
  case when lease_owner is null then 0 else 1 end`;

export type InsertedRowText = { id: string; received_at: Date | string; next_attempt_at: Date | string; lease_until: Date | string | null };

/** Maps RETURNING rows (any order) back to the input order; missing ids are the skipped duplicates. */
export function alignInserted(items: Array<{ row: NewInboundRow }>, rows: InsertedRowText[]): InsertedRow[] {
  const byId = new Map(rows.map((r) => [String(r.id).toLowerCase(), r]));
  return items.map(({ row }) => {
    const inserted = byId.get(row.id.toLowerCase());
    return inserted
      ? {
          receivedAt: new Date(inserted.received_at),
          nextAttemptAt: new Date(inserted.next_attempt_at),
          leaseUntil: inserted.lease_until === null ? null : new Date(inserted.lease_until),
        }
      : null;
  });
}

// Group commit limits: enough rows to absorb a burst, few enough bytes that one statement stays small.
const GROUP_MAX_ROWS = 64;
const GROUP_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The ingest's writer: concurrent posts share one statement (group commit). Two posts with the same dedupe key
 * in one batch: the first is written, the second is the duplicate it would have been one statement later.
 */
function groupedInsert(insertRows: InsertRows, parallel: number) {
  return groupCommit<{ row: NewInboundRow; body: Buffer }, InsertedRow>(
    async (items) => {
      const firstOfKey = new Map<string, number>();
      const distinct: typeof items = [];
      for (const item of items) {
        if (firstOfKey.has(item.row.dedupeKey)) continue;
        firstOfKey.set(item.row.dedupeKey, distinct.length);
        distinct.push(item);
      }
      const results = await insertRows(distinct);
      return items.map((item) => {
        const index = firstOfKey.get(item.row.dedupeKey)!;
        return distinct[index] === item ? results[index]! : null;
      });
    },
    {
      parallel,
      maxItems: GROUP_MAX_ROWS,
      maxBytes: GROUP_MAX_BYTES,
      sizeOf: (item) => item.body.length,
      // An unreachable database fails every post alike; anything else may be one post's fault.
      isolate: (error) => !isUnavailableError(error),
    },
  );
}

export const DEFAULT_RETENTION_DAYS = 30;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const blobKeyOf = (id: string) => `inbound/${id.toLowerCase()}`;
const DAY_MS = 86_400_000;

export function createInbox(deps: InboxDependencies): Inbox {
  const { db, blobs } = deps;
  const insertGrouped = groupedInsert(deps.insertRows ?? insertRowsViaDrizzle(db), deps.ingestParallel ?? 1);

  async function findRow(id: string) {
    if (!UUID.test(id)) return undefined;
    const [row] = await db.select().from(inboundEmails).where(eq(inboundEmails.id, id));
    return row;
  }

  async function loadPost(id: string) {
    const row = await findRow(id);
    if (!row || row.incineratedAt || !row.bodyBlobKey) return null;
    const body = await blobs.get(row.bodyBlobKey);
    return body ? { body, contentType: row.contentType } : null;
  }

  return {
    async ingest(post, options = {}) {
      deps.ensureOpen();
      const started = performance.now();
      const email = post.email;
      // Attachment digests feed the dedupe checksum; a large one (decoded on read) is hashed a block per turn.
      for (const attachment of email.attachments) await attachment.digest();
      const { messageId, dedupeKey } = await identify(email);
      const body = Buffer.from(post.body.buffer, post.body.byteOffset, post.body.byteLength);
      const id = randomUUID();
      const bodyBlobKey = blobKeyOf(id);
      const bodySha256 = post.sha256 ?? createHash('sha256').update(body).digest('hex');
      const lease = options.lease ?? null;
      if (lease && !(Number.isSafeInteger(lease.ms) && lease.ms > 0 && lease.owner)) {
        throw new RangeError(`ingest: lease needs an owner and a positive whole number of ms, got ${JSON.stringify(lease)}`);
      }
      const values = {
        id,
        mode: email.mode,
        contentType: post.contentType,
        bodyBlobKey,
        size: body.length,
        bodySha256,
        dedupeKey,
        messageId: pgText(messageId),
        envelopeFrom: pgText(email.envelope.from),
        envelopeTo: email.envelope.to.map((to) => pgText(to)),
        fromAddress: pgText(email.from?.address ?? null),
        subject: pgText(email.subject),
        leaseOwner: lease?.owner ?? null,
        leaseMs: lease?.ms ?? null,
      };
      const born = {
        status: lease ? ('processing' as const) : ('pending' as const),
        attempts: lease ? 1 : 0,
        leaseOwner: lease?.owner ?? null,
      };
      const existing = async (tx: Queryable) => {
        // Someone stored this email already (maybe concurrently: ON CONFLICT waited for their commit).
        const [row] = await tx.select().from(inboundEmails).where(eq(inboundEmails.dedupeKey, dedupeKey));
        if (!row) throw new Error('ingest: dedupe conflict but no existing row');
        return { duplicate: true, row };
      };
      const result = await withDeadline(deps.ingestTimeoutMs, 'ingest', async () => {
        if (blobs.kind === 'database' && body.length <= BLOB_PART_BYTES) {
          // One statement — row and bytes, atomic without BEGIN/COMMIT round trips: the webhook's hot path.
          // The blob insert selects from the row insert, so a duplicate (no row) writes no bytes.
          try {
            const inserted = await insertGrouped({ row: values, body });
            if (!inserted) return await existing(db);
            const { leaseMs: _, ...columns } = values;
            const row: typeof inboundEmails.$inferSelect = {
              ...columns,
              ...born,
              receivedAt: inserted.receivedAt,
              nextAttemptAt: inserted.nextAttemptAt,
              leaseUntil: inserted.leaseUntil,
              processedAt: null,
              route: null,
              recipient: null,
              lastError: null,
              note: null,
              forcedRoute: null,
              incineratedAt: null,
              takeovers: 0,
            };
            return { duplicate: false, row };
          } catch (error) {
            throw asStoreError(error, 'ingest');
          }
        }
        let wroteFile = false;
        try {
          return await deps.transaction(async (tx) => {
            const { leaseMs, ...columns } = values;
            const inserted = await tx
              .insert(inboundEmails)
              .values({
                ...columns,
                ...born,
                nextAttemptAt: sql`now()`,
                leaseUntil: lease ? sql`now() + ${leaseMs} * interval '1 millisecond'` : null,
              })
              .onConflictDoNothing({ target: inboundEmails.dedupeKey })
              .returning();
            const row = inserted[0];
            if (!row) return existing(tx);
            // Only now, after the dedupe check, do the bytes get written: in this transaction for database blobs (a
            // large body in pieces), before commit for the others (removed if it fails).
            wroteFile = blobs.kind !== 'database';
            await blobs.put(bodyBlobKey, body, blobs.kind === 'database' ? tx : undefined);
            return { duplicate: false, row };
          });
        } catch (error) {
          if (wroteFile) await blobs.delete(bodyBlobKey).catch(() => undefined);
          throw blobs.kind === 'database' ? asStoreError(error, 'ingest') : error;
        }
      });
      const record = toRecord(result.row);
      const durationMs = Math.round(performance.now() - started);
      deps.emit(result.duplicate ? 'duplicate' : 'received', {
        id: record.id,
        messageId,
        size: record.size,
        envelopeTo: record.envelopeTo,
        durationMs,
      });
      return { id: record.id, duplicate: result.duplicate, record };
    },

    async get(id) {
      const row = await findRow(id).catch((error) => {
        throw asStoreError(error, 'get');
      });
      return row ? toRecord(row) : null;
    },

    async list(filter = {}) {
      const conditions: SQL[] = [];
      if (filter.status) {
        const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
        conditions.push(inArray(inboundEmails.status, statuses));
      }
      if (filter.search) {
        const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        conditions.push(
          or(
            ilike(inboundEmails.subject, pattern),
            ilike(inboundEmails.fromAddress, pattern),
            ilike(inboundEmails.messageId, pattern),
            ilike(inboundEmails.envelopeFrom, pattern),
            sql`exists (select 1 from unnest(${inboundEmails.envelopeTo}) as rcpt where rcpt ilike ${pattern})`,
          )!,
        );
      }
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
    },

    loadPost,

    async loadEmail(id) {
      const post = await loadPost(id);
      if (!post) throw new InboundEmailNotFoundError(`no stored bytes for inbound email ${id} (unknown or incinerated)`);
      return deps.parser(post.body, post.contentType);
    },

    parseStored(body, contentType) {
      return deps.parser(body, contentType);
    },

    async replay(target, options = {}) {
      const which =
        typeof target === 'string'
          ? UUID.test(target)
            ? eq(inboundEmails.id, target)
            : undefined
          : eq(inboundEmails.status, target.status);
      if (!which) return 0;
      const replayed = await db
        .update(inboundEmails)
        .set({
          status: 'pending',
          attempts: 0,
          takeovers: 0,
          nextAttemptAt: sql`now()`,
          leaseOwner: null,
          leaseUntil: null,
          lastError: null,
          processedAt: null,
          route: null,
          recipient: null,
          note: null,
          forcedRoute: options.route ?? null,
        })
        // A row being processed right now is left alone; incinerated rows have nothing left to process.
        .where(and(which, ne(inboundEmails.status, 'processing'), isNull(inboundEmails.incineratedAt)))
        .returning({ id: inboundEmails.id });
      for (const { id } of replayed) deps.emit('replayed', { id, route: options.route ?? null });
      return replayed.length;
    },

    async incinerate(options = {}) {
      const now = options.now ?? new Date();
      const days = retentionDays(options.olderThanDays);
      const due = or(
        ...PROCESSED_STATUSES.filter((status) => Number.isFinite(days[status])).map((status) =>
          and(eq(inboundEmails.status, status), lt(inboundEmails.processedAt, new Date(now.getTime() - days[status] * DAY_MS))),
        ),
      )!;
      const eligible = and(due, isNull(inboundEmails.incineratedAt), isNotNull(inboundEmails.processedAt))!;
      const [counted] = await db.select({ total: sql<number>`count(*)::int` }).from(inboundEmails).where(eligible);
      const total = counted?.total ?? 0;
      let done = 0;
      options.onProgress?.(0, total);
      for (;;) {
        const batch = await deps.transaction(async (tx) => {
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
            .where(inArray(inboundEmails.id, rows.map((row) => row.id)));
          return rows;
        });
        if (batch.length === 0) break;
        // Files go after the commit: a crash in between leaves a file without a row, never a row without bytes.
        if (blobs.kind !== 'database') for (const row of batch) if (row.key) await blobs.delete(row.key);
        done += batch.length;
        options.onProgress?.(done, Math.max(total, done));
      }
      if (done > 0) deps.emit('incinerated', { count: done });
      return done;
    },
  };
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
    if (Number.isNaN(value) || value < 0) throw new RangeError(`retention days for ${status} must be >= 0, got ${value}`);
  }
  return days;
}

/**
 * PostgreSQL text and jsonb hold neither U+0000 nor a lone UTF-16 surrogate, and a sender can put either in any
 * decoded header (an odd-length UTF-16 subject, an encoded word): the columns that index the email drop NULs and
 * turn lone surrogates into U+FFFD (the stored bytes stay exact), so such a post is stored instead of answered
 * 500 and retried by SendGrid for days.
 */
function pgText<T extends string | null>(value: T): T {
  if (value === null) return value;
  return value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd') as T;
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
