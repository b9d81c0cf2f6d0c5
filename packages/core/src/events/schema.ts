import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

// Self-contained (no relative imports) so drizzle-kit can load it; the schema object matches inbox's.
const mailroomSchema = pgSchema('mailroom');
const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const EVENT_STATUSES = ['pending', 'processing', 'done', 'failed'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** Event Webhook events, one row per `sg_event_id` (SendGrid repeats events; the unique key dedupes). */
export const events = mailroomSchema.table(
  'events',
  {
    id: uuid('id').primaryKey(),
    sgEventId: text('sg_event_id').notNull().unique('events_sg_event_id_unique'),
    event: text('event').notNull(),
    email: text('email'),
    timestamp: timestamptz('timestamp'),
    sgMessageId: text('sg_message_id'),
    /** The part of sg_message_id before the first `.`: Mail Send's X-Message-Id. */
    providerMessageId: text('provider_message_id'),
    /** From custom arg `mailroom_id`, or matched later via provider id + recipient. */
    outboundMessageId: uuid('outbound_message_id'),
    customArgs: jsonb('custom_args').$type<Record<string, unknown>>().notNull().default({}),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamptz('received_at').notNull().defaultNow(),
    status: text('status').$type<EventStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamptz('lease_until'),
    lastError: text('last_error'),
    processedAt: timestamptz('processed_at'),
  },
  (t) => [
    check('events_status_check', sql.raw(`"status" in (${EVENT_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
    index('events_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`"status" = 'pending'`),
    index('events_lease_idx')
      .on(t.leaseUntil)
      .where(sql`"status" = 'processing'`),
    index('events_outbound_idx').on(t.outboundMessageId, t.timestamp),
    index('events_provider_idx').on(t.providerMessageId, t.email),
  ],
);
