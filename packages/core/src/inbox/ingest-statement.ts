import type { InboundEmail } from '../message/index.js';
import type { Statement } from './work.js';

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

/** A row to insert and, when the statement stores them too, its posted bytes. */
export interface IngestItem {
  row: NewInboundRow;
  body: Buffer;
}

/** What the ingest statement returns per row; null when the dedupe key existed and nothing was written. */
export type InsertedRow = { receivedAt: Date; nextAttemptAt: Date; leaseUntil: Date | null } | null;

/** A RETURNING row as a driver hands it back (postgres.js through drizzle's parsers: text timestamps). */
export type InsertedRowText = {
  id: string;
  received_at: Date | string;
  next_attempt_at: Date | string;
  lease_until: Date | string | null;
};

/**
 * Where the bytes go: `with-bytes` writes them into `mailroom.blobs` in the same statement (the webhook's hot
 * path: one statement, atomic without BEGIN/COMMIT); `row-only` leaves them to the caller's transaction (a large
 * body in pieces, or a blob store outside the database).
 */
export type IngestBytes = 'with-bytes' | 'row-only';

const COLUMNS_PER_ROW = 15;
const texts = new Map<string, string>();

/**
 * The one statement every ingest inserts inbound rows with: multi-row VALUES with `ON CONFLICT (dedupe_key) DO
 * NOTHING`, so a duplicate writes nothing (and, with bytes, no blob: the blob insert selects from the row insert).
 * The text is the same per row count and mode, so a driver prepares it once. A row with a lease owner is born
 * leased to it (`processing`, attempt 1) instead of `pending`. Bytes travel as base64 (1.33× the body; a bytea
 * sent as text would be hex, 2×) and are decoded by the server.
 */
export function ingestStatement(items: readonly IngestItem[], bytes: IngestBytes): Statement {
  const params: unknown[] = [];
  for (const { row, body } of items) {
    params.push(
      row.id,
      row.mode,
      row.contentType,
      row.bodyBlobKey,
      row.size,
      row.bodySha256,
      row.dedupeKey,
      row.messageId,
      row.envelopeFrom,
      JSON.stringify(row.envelopeTo),
      row.fromAddress,
      row.subject,
      bytes === 'with-bytes' ? body.toString('base64') : null,
      row.leaseOwner,
      row.leaseMs,
    );
  }
  return { text: ingestText(items.length, bytes), params };
}

function ingestText(count: number, bytes: IngestBytes): string {
  const key = `${bytes}:${count}`;
  let text = texts.get(key);
  if (text) return text;
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = (n: number) => `$${i * COLUMNS_PER_ROW + n}`;
    rows.push(
      `(${p(1)}::uuid, ${p(2)}::text, ${p(3)}::text, ${p(4)}::text, ${p(5)}::int, ${p(6)}::text, ${p(7)}::text, ` +
        `${p(8)}::text, ${p(9)}::text, ${p(10)}::jsonb, ${p(11)}::text, ${p(12)}::text, decode(${p(13)}::text, 'base64'), ` +
        `${p(14)}::text, ${p(15)}::int)`,
    );
  }
  const storeBytes =
    bytes === 'with-bytes'
      ? `, stored as (
      insert into mailroom.blobs (key, bytes, size, sha256)
      select input.body_blob_key, input.bytes, input.size, input.body_sha256 from input join inserted using (id)
    )`
      : '';
  text = `with input (id, mode, content_type, body_blob_key, size, body_sha256, dedupe_key, message_id, envelope_from,
      envelope_to, from_address, subject, bytes, lease_owner, lease_ms) as (values ${rows.join(', ')}
    ), inserted as (
      insert into mailroom.inbound_emails (id, status, mode, content_type, body_blob_key, size, body_sha256, dedupe_key,
        message_id, envelope_from, envelope_to, from_address, subject, next_attempt_at, lease_owner, lease_until, attempts)
      select id, case when lease_owner is null then 'pending' else 'processing' end, mode, content_type,
        body_blob_key, size, body_sha256, dedupe_key, message_id, envelope_from, array(select jsonb_array_elements_text(envelope_to)),
        from_address, subject, now(), lease_owner, now() + lease_ms * interval '1 millisecond',
        case when lease_owner is null then 0 else 1 end
      from input
      on conflict (dedupe_key) do nothing
      returning id, received_at, next_attempt_at, lease_until
    )${storeBytes}
    select id, received_at, next_attempt_at, lease_until from inserted`;
  texts.set(key, text);
  return text;
}

/** Maps RETURNING rows (any order) back to the input order; missing ids are the skipped duplicates. */
export function alignInserted(
  items: ReadonlyArray<{ row: NewInboundRow }>,
  rows: readonly InsertedRowText[],
): InsertedRow[] {
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

/**
 * Runs the ingest statement and aligns its rows; `run` is the driver's (prepared on postgres.js). Dedupe keys must
 * be distinct within `items` (the group commit sees to it).
 */
export type InsertRows = (items: IngestItem[]) => Promise<InsertedRow[]>;

export function insertRowsWith(run: (statement: Statement) => Promise<readonly InsertedRowText[]>): InsertRows {
  return async (items) => alignInserted(items, await run(ingestStatement(items, 'with-bytes')));
}
