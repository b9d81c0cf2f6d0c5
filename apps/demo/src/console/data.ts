/** The console's reads: the inbox, the outbox (full rows: headers, bodies, threading) and stored events. */
import { eq } from 'drizzle-orm';
import {
  findEventsForMessage,
  lastDeliveryStatus,
  outboundMessagesTable,
  type AuthVerdict,
  type Classification,
  type DeliveryStatusResult,
  type ExtractedReply,
  type InboundEmail,
  type InboundRecord,
  type Store,
  type StoredEvent,
} from '@mailroom/core';

export type OutboundRow = typeof outboundMessagesTable.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface InboundDetail {
  record: InboundRecord;
  /** Null when the bytes were incinerated (or cannot be parsed any more: `loadError`). */
  email: InboundEmail | null;
  loadError: string | null;
  analysis: { verdict: AuthVerdict; classification: Classification; reply: ExtractedReply } | null;
}

export async function inboundDetail(store: Store, id: string, ownDomains: string[]): Promise<InboundDetail | null> {
  const record = await store.inbox.get(id);
  if (!record) return null;
  let email: InboundEmail | null = null;
  let loadError: string | null = null;
  if (record.incineratedAt) loadError = `incinerated on ${record.incineratedAt.toISOString()}`;
  else {
    try {
      email = await store.inbox.loadEmail(id);
    } catch (error) {
      loadError = (error as Error).message;
    }
  }
  const analysis = email ? { verdict: email.authVerdict(), classification: email.classify({ ownDomains }), reply: email.reply() } : null;
  return { record, email, loadError, analysis };
}

export async function outboundRow(store: Store, id: string): Promise<OutboundRow | null> {
  if (!UUID.test(id)) return null;
  const [row] = await store.db.select().from(outboundMessagesTable).where(eq(outboundMessagesTable.id, id));
  return row ?? null;
}

export interface OutboundDetail {
  message: OutboundRow;
  events: StoredEvent[];
  delivery: DeliveryStatusResult | null;
}

export async function outboundDetail(store: Store, id: string): Promise<OutboundDetail | null> {
  const message = await outboundRow(store, id);
  if (!message) return null;
  const [events, delivery] = await Promise.all([findEventsForMessage(store.db, id), lastDeliveryStatus(store.db, id)]);
  return { message, events, delivery };
}

/** The JSON form of an outbox row for the API (lease bookkeeping left out). */
export function outboundJSON(row: OutboundRow): Omit<OutboundRow, 'leaseOwner' | 'leaseUntil'> {
  const { leaseOwner: _owner, leaseUntil: _until, ...rest } = row;
  return rest;
}

/** Everything every recipient of a message has (to, cc, bcc), for "simulate event" and "reply as". */
export function recipientsOf(row: OutboundRow): string[] {
  return [...new Set([...row.to, ...row.cc, ...row.bcc].map((a) => a.address))];
}
