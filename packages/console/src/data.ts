/** The console's reads: the inbox, the outbox (full rows: headers, bodies, threading) and stored events. */
import { type AuthVerdict, type InboundEmail, type InboundRecord, type Store } from '@mailroom/core';
import {
  findEventsForMessage,
  lastDeliveryStatus,
  type DeliveryStatusResult,
  type StoredEvent,
} from '@mailroom/core/events';
import { getOutboundMessage, type OutboundMessageRecord } from '@mailroom/core/outbound';
import { type Classification, type ExtractedReply } from '@mailroom/core/text';

/** An outbox message in full (core's `getOutboundMessage`). */
export type OutboundRow = OutboundMessageRecord;

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
  const analysis = email
    ? { verdict: email.authVerdict(), classification: email.classify({ ownDomains }), reply: email.reply() }
    : null;
  return { record, email, loadError, analysis };
}

export function outboundRow(store: Store, id: string): Promise<OutboundRow | null> {
  return getOutboundMessage(store.db, id);
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

/** Everything every recipient of a message has (to, cc, bcc), for "simulate event" and "reply as". */
export function recipientsOf(row: OutboundRow): string[] {
  return [...new Set([...row.to, ...row.cc, ...row.bcc].map((a) => a.address))];
}
