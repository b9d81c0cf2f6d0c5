import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../inbox/index.js';
import { MAILROOM_ID_ARG, outboundMessagesTable as outboundMessages } from '../outbound/index.js';
import { parseEvent } from './parse.js';
import { events, type EventStatus } from './schema.js';
import type { SendGridEvent } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// 14 parameters per row; PostgreSQL allows 65,535 per statement.
const INSERT_CHUNK = 1000;

export interface StoreEventsResult {
  /** Events in the batch. */
  received: number;
  /** New rows. */
  stored: number;
  /** Already stored (same sg_event_id), in this batch or before. */
  duplicates: number;
}

/**
 * Stores a batch, deduplicated on `sg_event_id`, and links each event to its outbox message:
 * by custom arg `mailroom_id`, else by X-Message-Id (sg_message_id prefix) plus recipient.
 * Call inside a transaction so the batch commits as a unit.
 */
export async function storeEvents(db: Queryable, batch: readonly SendGridEvent[]): Promise<StoreEventsResult> {
  const unique = new Map<string, SendGridEvent>();
  for (const event of batch) if (!unique.has(event.sgEventId)) unique.set(event.sgEventId, event);
  const rows = [...unique.values()].map((event) => {
    const mailroomId = event.customArgs[MAILROOM_ID_ARG];
    return {
      id: randomUUID(),
      sgEventId: event.sgEventId,
      event: event.event,
      email: event.email ? event.email.toLowerCase() : null,
      timestamp: event.timestamp,
      sgMessageId: event.sgMessageId,
      providerMessageId: event.providerMessageId,
      outboundMessageId: typeof mailroomId === 'string' && UUID.test(mailroomId) ? mailroomId.toLowerCase() : null,
      customArgs: event.customArgs,
      payload: event.payload,
    };
  });
  let stored = 0;
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    const inserted = await db.insert(events).values(chunk).onConflictDoNothing({ target: events.sgEventId }).returning({
      id: events.id,
      outboundMessageId: events.outboundMessageId,
      providerMessageId: events.providerMessageId,
    });
    stored += inserted.length;
    const unlinked = inserted
      .filter((r) => r.outboundMessageId === null && r.providerMessageId !== null)
      .map((r) => r.id);
    if (unlinked.length > 0) await linkByProviderId(db, unlinked);
  }
  return { received: batch.length, stored, duplicates: batch.length - stored };
}

/** Events without `mailroom_id` (SMTP without X-SMTPAPI, older sends): match X-Message-Id and recipient. */
async function linkByProviderId(db: Queryable, ids: string[]): Promise<void> {
  await db
    .update(events)
    .set({ outboundMessageId: sql`${outboundMessages.id}` })
    .from(outboundMessages)
    .where(
      and(
        inArray(events.id, ids),
        isNull(events.outboundMessageId),
        eq(outboundMessages.providerMessageId, events.providerMessageId),
        sql`${events.email} = any(${outboundMessages.recipients})`,
      ),
    );
}

export interface StoredEvent {
  id: string;
  status: EventStatus;
  receivedAt: Date;
  outboundMessageId: string | null;
  attempts: number;
  lastError: string | null;
  event: SendGridEvent;
}

type EventRow = typeof events.$inferSelect;

export function toStoredEvent(row: EventRow): StoredEvent {
  const event = parseEvent(row.payload);
  return {
    id: row.id,
    status: row.status,
    receivedAt: row.receivedAt,
    outboundMessageId: row.outboundMessageId,
    attempts: row.attempts,
    lastError: row.lastError,
    event: { ...event, sgEventId: row.sgEventId },
  };
}

/** Every stored event for an outbox message, oldest first. */
export async function findEventsForMessage(db: Queryable, outboundMessageId: string): Promise<StoredEvent[]> {
  if (!UUID.test(outboundMessageId)) return [];
  const rows = await db
    .select()
    .from(events)
    .where(eq(events.outboundMessageId, outboundMessageId))
    .orderBy(asc(events.timestamp), asc(events.receivedAt));
  return rows.map(toStoredEvent);
}

export type DeliveryStatus = 'processed' | 'deferred' | 'delivered' | 'bounced' | 'blocked' | 'dropped';

export interface DeliveryStatusResult {
  /** The latest delivery outcome; `bounced`/`blocked`/`dropped` are final failures. */
  status: DeliveryStatus;
  at: Date | null;
  /** SendGrid's reason or SMTP response, when given. */
  detail: string | null;
  /** Per recipient, when the message had several. */
  recipients: Record<string, { status: DeliveryStatus; at: Date | null; detail: string | null }>;
}

// Later stages win over earlier ones whatever the timestamps say (events can arrive out of order).
const STAGE: Record<DeliveryStatus, number> = {
  processed: 0,
  deferred: 1,
  delivered: 2,
  bounced: 3,
  blocked: 3,
  dropped: 3,
};
const DELIVERY_EVENTS = ['processed', 'deferred', 'delivered', 'bounce', 'dropped'];

/**
 * "Did my reply to ticket 42 bounce?" Per recipient, the furthest delivery stage its events reached;
 * overall, a failure (bounced/blocked/dropped) if any recipient failed, else the least advanced
 * recipient. Null when no delivery event arrived yet. Engagement events (open, click) are ignored.
 */
export async function lastDeliveryStatus(
  db: Queryable,
  outboundMessageId: string,
): Promise<DeliveryStatusResult | null> {
  if (!UUID.test(outboundMessageId)) return null;
  const rows = await db
    .select({ event: events.event, email: events.email, timestamp: events.timestamp, payload: events.payload })
    .from(events)
    .where(and(eq(events.outboundMessageId, outboundMessageId), inArray(events.event, DELIVERY_EVENTS)))
    .orderBy(asc(events.timestamp), asc(events.receivedAt));
  if (rows.length === 0) return null;
  const recipients: DeliveryStatusResult['recipients'] = {};
  for (const row of rows) {
    const parsed = parseEvent(row.payload);
    let status: DeliveryStatus;
    let detail: string | null = null;
    switch (parsed.kind) {
      case 'bounce':
        status = parsed.type === 'blocked' ? 'blocked' : 'bounced';
        detail = parsed.reason;
        break;
      case 'dropped':
        status = 'dropped';
        detail = parsed.reason;
        break;
      case 'deferred':
        status = 'deferred';
        detail = parsed.response ?? parsed.reason;
        break;
      case 'delivered':
        status = 'delivered';
        detail = parsed.response;
        break;
      default:
        status = 'processed';
    }
    const key = row.email ?? '';
    const current = recipients[key];
    if (!current || STAGE[status] >= STAGE[current.status]) recipients[key] = { status, at: row.timestamp, detail };
  }
  // Overall: any recipient's failure; otherwise the least advanced recipient (delivered = all delivered).
  const all = Object.values(recipients);
  const failed = all.find((r) => failure(r.status));
  const overall = failed ?? all.reduce((a, b) => (STAGE[b.status] < STAGE[a.status] ? b : a));
  return { ...overall, recipients };
}

function failure(status: DeliveryStatus): boolean {
  return status === 'bounced' || status === 'blocked' || status === 'dropped';
}

/** Newest first, for the console. */
export async function listEvents(
  db: Queryable,
  filter: { event?: string; status?: EventStatus; limit?: number } = {},
): Promise<StoredEvent[]> {
  const conditions = [];
  if (filter.event) conditions.push(eq(events.event, filter.event));
  if (filter.status) conditions.push(eq(events.status, filter.status));
  const rows = await db
    .select()
    .from(events)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(events.receivedAt), desc(events.id))
    .limit(Math.min(filter.limit ?? 100, 1000));
  return rows.map(toStoredEvent);
}
