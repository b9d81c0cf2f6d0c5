import { sql } from 'drizzle-orm';
import {
  check,
  customType,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { InboundMode } from '../message/index.js';

/** Every core table lives in this PostgreSQL schema; apps keep their own. */
export const mailroomSchema = pgSchema('mailroom');

export const INBOUND_STATUSES = [
  'pending',
  'processing',
  'delivered',
  'bounced',
  'ignored',
  'failed',
  'unrouted',
] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];

/** Statuses after which the worker will not touch the row again (until a replay). */
export const PROCESSED_STATUSES = [
  'delivered',
  'bounced',
  'ignored',
  'unrouted',
  'failed',
] as const satisfies readonly InboundStatus[];
export type ProcessedStatus = (typeof PROCESSED_STATUSES)[number];

// drizzle 0.45 has no built-in bytea; PGlite hands back Uint8Array, postgres.js a Buffer.
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
});

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** One row per post SendGrid delivered: the stored bytes (as a blob) plus fields to list, search and schedule. */
export const inboundEmails = mailroomSchema.table(
  'inbound_emails',
  {
    id: uuid('id').primaryKey(),
    status: text('status').$type<InboundStatus>().notNull().default('pending'),
    mode: text('mode').$type<InboundMode>().notNull(),
    contentType: text('content_type').notNull(),
    bodyBlobKey: text('body_blob_key'),
    size: integer('size').notNull(),
    bodySha256: text('body_sha256').notNull(),
    dedupeKey: text('dedupe_key').notNull().unique('inbound_emails_dedupe_key_unique'),
    messageId: text('message_id').notNull(),
    envelopeFrom: text('envelope_from'),
    envelopeTo: text('envelope_to')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    fromAddress: text('from_address'),
    subject: text('subject').notNull().default(''),
    receivedAt: timestamptz('received_at').notNull().defaultNow(),
    processedAt: timestamptz('processed_at'),
    route: text('route'),
    recipient: text('recipient'),
    attempts: integer('attempts').notNull().default(0),
    /** Attempts whose worker stopped mid-attempt (lease expired) and were taken over by a claim. */
    takeovers: integer('takeovers').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at'),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamptz('lease_until'),
    lastError: text('last_error'),
    note: text('note'),
    forcedRoute: text('forced_route'),
    incineratedAt: timestamptz('incinerated_at'),
  },
  (t) => [
    check('inbound_emails_status_check', sql.raw(`"status" in (${INBOUND_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
    check('inbound_emails_mode_check', sql`"mode" in ('parsed', 'raw')`),
    // The worker's claim query: due pending rows, and processing rows whose lease ran out.
    index('inbound_emails_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`"status" = 'pending'`),
    index('inbound_emails_lease_idx')
      .on(t.leaseUntil)
      .where(sql`"status" = 'processing'`),
    // Listing (newest first, optionally by status) and retention.
    index('inbound_emails_received_idx').on(t.receivedAt, t.id),
    index('inbound_emails_status_received_idx').on(t.status, t.receivedAt),
    index('inbound_emails_retention_idx')
      .on(t.processedAt)
      .where(sql`"incinerated_at" is null`),
    index('inbound_emails_message_id_idx').on(t.messageId),
  ],
);

/** Database blob backend: stored post bodies (and anything else keyed by a generated id). */
export const blobs = mailroomSchema.table('blobs', {
  key: text('key').primaryKey(),
  /** The bytes, or empty when they are stored in `parts` rows of `blob_parts` (a large blob). */
  bytes: bytea('bytes').notNull(),
  size: integer('size').notNull(),
  sha256: text('sha256').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  parts: integer('parts').notNull().default(0),
});

/**
 * A large blob in 1 MiB pieces, one row each, written and read a statement per piece: one 35 MB value through the
 * driver was one 150–600 ms stall of the event loop (base64, the driver's Bind; on PGlite its WASM too).
 */
export const blobParts = mailroomSchema.table(
  'blob_parts',
  {
    key: text('key')
      .notNull()
      .references(() => blobs.key, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    bytes: bytea('bytes').notNull(),
  },
  (table) => [primaryKey({ columns: [table.key, table.seq] })],
);

/** Side effects a handler already performed (see `runOnce`): a replayed email skips them. */
export const handlerEffects = mailroomSchema.table('handler_effects', {
  key: text('key').primaryKey(),
  result: jsonb('result'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

export type InboundEmailRow = typeof inboundEmails.$inferSelect;
