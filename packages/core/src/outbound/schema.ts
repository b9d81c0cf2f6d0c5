import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// Self-contained (no relative imports) so drizzle-kit can load it; the schema object matches inbox's.
const mailroomSchema = pgSchema('mailroom');
const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const OUTBOUND_STATUSES = ['queued', 'sending', 'sent', 'failed'] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];

export interface StoredAddress {
  address: string;
  name: string;
}

export interface StoredAttachment {
  filename: string;
  contentType: string;
  /** `outbound/<sha256>`: content-addressed, so a list batch stores one copy. */
  blobKey: string;
  size: number;
  contentId: string | null;
  inline: boolean;
}

/** The outbox: every message sent, queued by `mailer.send()` and delivered by the outbox deliverer. */
export const outboundMessages = mailroomSchema.table(
  'outbound_messages',
  {
    id: uuid('id').primaryKey(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    status: text('status').$type<OutboundStatus>().notNull().default('queued'),
    from: jsonb('from').$type<StoredAddress>().notNull(),
    to: jsonb('to').$type<StoredAddress[]>().notNull(),
    cc: jsonb('cc').$type<StoredAddress[]>().notNull().default([]),
    bcc: jsonb('bcc').$type<StoredAddress[]>().notNull().default([]),
    replyTo: jsonb('reply_to').$type<StoredAddress[]>().notNull().default([]),
    /** Every to/cc/bcc address, normalized: links Event Webhook events that only carry sg_message_id. */
    recipients: text('recipients').array().notNull(),
    subject: text('subject').notNull(),
    text: text('text'),
    html: text('html'),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    attachments: jsonb('attachments').$type<StoredAttachment[]>().notNull().default([]),
    customArgs: jsonb('custom_args').$type<Record<string, string>>().notNull().default({}),
    categories: text('categories')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    messageId: text('message_id').notNull(),
    inReplyTo: text('in_reply_to'),
    references: text('references')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    batchKey: text('batch_key'),
    transport: text('transport'),
    providerMessageId: text('provider_message_id'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamptz('lease_until'),
    lastError: text('last_error'),
    sentAt: timestamptz('sent_at'),
  },
  (t) => [
    check(
      'outbound_messages_status_check',
      sql.raw(`"status" in (${OUTBOUND_STATUSES.map((s) => `'${s}'`).join(', ')})`),
    ),
    index('outbound_messages_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`"status" = 'queued'`),
    index('outbound_messages_lease_idx')
      .on(t.leaseUntil)
      .where(sql`"status" = 'sending'`),
    index('outbound_messages_created_idx').on(t.createdAt.desc(), t.id.desc()),
    index('outbound_messages_provider_idx').on(t.providerMessageId),
    index('outbound_messages_message_id_idx').on(t.messageId),
  ],
);

/** Automatic replies sent, for the per-recipient rate limit. */
export const autoReplyLog = mailroomSchema.table(
  'auto_reply_log',
  {
    id: uuid('id').primaryKey(),
    recipient: text('recipient').notNull(),
    sentAt: timestamptz('sent_at').notNull().defaultNow(),
    scope: text('scope'),
    outboundMessageId: uuid('outbound_message_id'),
  },
  (t) => [
    index('auto_reply_log_recipient_idx').on(t.recipient, t.sentAt),
    index('auto_reply_log_sent_at_idx').on(t.sentAt),
  ],
);
