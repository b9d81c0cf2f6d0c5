import { createHash, randomUUID } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import type { InboundEmail, UnparsedEmail } from '../message/index.js';
import { BLOB_PART_BYTES, type BlobStore } from './blobs.js';
import { rowsOf, type Database, type Queryable, type Transaction } from './database.js';
import { identify, identifyUnparsed, type EmailIdentity } from './dedupe.js';
import { asStoreError, isUnavailableError, withDeadline } from './errors.js';
import { groupCommit } from './group-commit.js';
import {
  alignInserted,
  ingestStatement,
  type IngestItem,
  type InsertRows,
  type InsertedRow,
  type InsertedRowText,
  type NewInboundRow,
} from './ingest-statement.js';
import type { InboxEvent, InboxEventName } from './log.js';
import type { StorablePost } from './post.js';
import { toRecord, type InboundRecord } from './records.js';
import { inboundEmails, type InboundEmailRow } from './schema.js';
import type { Statement } from './work.js';

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

export interface IngestDependencies {
  db: Database;
  blobs: BlobStore;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  emit(event: InboxEventName, fields: Omit<InboxEvent, 'event'>): void;
  ensureOpen(): void;
  ingestTimeoutMs: number;
  /** The hot path's statement run by the driver itself (prepared on postgres.js); default through drizzle. */
  insertRows?: InsertRows;
  /** Ingest statements in flight at once (group commit); default 1. */
  ingestParallel?: number;
}

type Stored = { duplicate: boolean; row: InboundEmailRow };

// Group commit limits: enough rows to absorb a burst, few enough bytes that one statement stays small.
const GROUP_MAX_ROWS = 64;
const GROUP_MAX_BYTES = 8 * 1024 * 1024;

/** The inbox's `ingest`: one statement for a small body in the database, a transaction otherwise. */
export function createIngest(
  deps: IngestDependencies,
): (post: StorablePost, options?: IngestOptions) => Promise<IngestResult> {
  const { db, blobs } = deps;
  const insertGrouped = groupedInsert(deps.insertRows ?? insertRowsThrough(db), deps.ingestParallel ?? 1);

  // One statement — row and bytes, atomic without BEGIN/COMMIT round trips: the webhook's hot path.
  async function inOneStatement(item: IngestItem): Promise<Stored> {
    try {
      const inserted = await insertGrouped(item);
      return inserted
        ? { duplicate: false, row: storedRow(item.row, inserted) }
        : await existing(db, item.row.dedupeKey);
    } catch (error) {
      throw asStoreError(error, 'ingest');
    }
  }

  async function inTransaction({ row, body }: IngestItem): Promise<Stored> {
    let wroteFile = false;
    try {
      return await deps.transaction(async (tx) => {
        const [inserted] = alignInserted(
          [{ row }],
          rowsOf<InsertedRowText>(await tx.execute(statementSql(ingestStatement([{ row, body }], 'row-only')))),
        );
        if (!inserted) return existing(tx, row.dedupeKey);
        // Only now, after the dedupe check, do the bytes get written: in this transaction for database blobs (a
        // large body in pieces), before commit for the others (removed if it fails).
        wroteFile = blobs.kind !== 'database';
        await blobs.put(row.bodyBlobKey, body, blobs.kind === 'database' ? tx : undefined);
        return { duplicate: false, row: storedRow(row, inserted) };
      });
    } catch (error) {
      if (wroteFile) await blobs.delete(row.bodyBlobKey).catch(() => undefined);
      throw blobs.kind === 'database' ? asStoreError(error, 'ingest') : error;
    }
  }

  return async (post, options = {}) => {
    deps.ensureOpen();
    const started = performance.now();
    const item = await ingestItemOf(post, options.lease ?? null);
    const stored = await withDeadline(deps.ingestTimeoutMs, 'ingest', () =>
      blobs.kind === 'database' && item.body.length <= BLOB_PART_BYTES ? inOneStatement(item) : inTransaction(item),
    );
    const record = toRecord(stored.row);
    deps.emit(stored.duplicate ? 'duplicate' : 'received', {
      id: record.id,
      messageId: item.row.messageId,
      size: record.size,
      envelopeTo: record.envelopeTo,
      durationMs: Math.round(performance.now() - started),
    });
    return { id: record.id, duplicate: stored.duplicate, record };
  };
}

/** The row a post becomes (and its bytes), identified for dedupe. */
async function ingestItemOf(post: StorablePost, lease: IngestOptions['lease'] | null): Promise<IngestItem> {
  if (lease && !(Number.isSafeInteger(lease.ms) && lease.ms > 0 && lease.owner)) {
    throw new RangeError(
      `ingest: lease needs an owner and a positive whole number of ms, got ${JSON.stringify(lease)}`,
    );
  }
  const email = post.email ? await parsedFacts(post.email) : unparsedFacts(post.unparsed);
  const { messageId, dedupeKey } = email.identity;
  const body = Buffer.from(post.body.buffer, post.body.byteOffset, post.body.byteLength);
  const id = randomUUID();
  const row: NewInboundRow = {
    id,
    mode: email.mode,
    contentType: post.contentType,
    bodyBlobKey: `inbound/${id.toLowerCase()}`,
    size: body.length,
    bodySha256: post.sha256 ?? createHash('sha256').update(body).digest('hex'),
    dedupeKey,
    messageId: pgText(messageId),
    envelopeFrom: pgText(email.envelope.from),
    envelopeTo: email.envelope.to.map((to) => pgText(to)),
    fromAddress: pgText(email.fromAddress),
    subject: pgText(email.subject),
    leaseOwner: lease?.owner ?? null,
    leaseMs: lease?.ms ?? null,
  };
  return { row, body };
}

/** What the row says of an email, and its identity. */
interface EmailFacts {
  mode: InboundEmail['mode'];
  envelope: InboundEmail['envelope'];
  fromAddress: string | null;
  subject: string;
  identity: EmailIdentity;
}

async function parsedFacts(email: InboundEmail): Promise<EmailFacts> {
  // Attachment digests feed the dedupe checksum; a large one (decoded on read) is hashed a block per turn.
  for (const attachment of email.attachments) await attachment.digest();
  const { mode, envelope, subject } = email;
  return { mode, envelope, subject, fromAddress: email.from?.address ?? null, identity: await identify(email) };
}

function unparsedFacts(email: UnparsedEmail): EmailFacts {
  const { mode, envelope, subject, fromAddress } = email;
  return { mode, envelope, subject, fromAddress, identity: identifyUnparsed(email) };
}

/** The full row just inserted: what was sent plus what the database set (times), without reading it back. */
function storedRow({ leaseMs: _, ...columns }: NewInboundRow, inserted: NonNullable<InsertedRow>): InboundEmailRow {
  const leased = columns.leaseOwner !== null;
  return {
    ...columns,
    status: leased ? 'processing' : 'pending',
    attempts: leased ? 1 : 0,
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
}

/** Someone stored this email already (maybe concurrently: ON CONFLICT waited for their commit). */
async function existing(tx: Queryable, dedupeKey: string): Promise<Stored> {
  const [row] = await tx.select().from(inboundEmails).where(eq(inboundEmails.dedupeKey, dedupeKey));
  if (!row) throw new Error('ingest: dedupe conflict but no existing row');
  return { duplicate: true, row };
}

/**
 * The ingest's writer: concurrent posts share one statement (group commit). Two posts with the same dedupe key
 * in one batch: the first is written, the second is the duplicate it would have been one statement later.
 */
function groupedInsert(insertRows: InsertRows, parallel: number) {
  return groupCommit<IngestItem, InsertedRow>(
    async (items) => {
      const firstOfKey = new Map<string, number>();
      const distinct: IngestItem[] = [];
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

/** The ingest statement through drizzle, for a store whose driver does not run it itself. */
function insertRowsThrough(db: Queryable): InsertRows {
  return async (items) =>
    alignInserted(items, rowsOf<InsertedRowText>(await db.execute(statementSql(ingestStatement(items, 'with-bytes')))));
}

/** A `$n` statement as drizzle SQL (its values bound as parameters again), to run it in a drizzle transaction. */
function statementSql({ text, params }: Statement): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const placeholder of text.matchAll(PLACEHOLDER)) {
    chunks.push(sql.raw(text.slice(last, placeholder.index)), sql`${params[Number(placeholder[1]) - 1]}`);
    last = placeholder.index + placeholder[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}
const PLACEHOLDER = /\$(\d+)/g;

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
