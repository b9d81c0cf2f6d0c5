import type { InboundMode } from '../message/index.js';
import type { InboundEmailRow, InboundStatus } from './schema.js';

/** A stored inbound email as listed and inspected (the bytes stay in the blob store). */
export interface InboundRecord {
  id: string;
  status: InboundStatus;
  messageId: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  fromAddress: string | null;
  subject: string;
  receivedAt: Date;
  processedAt: Date | null;
  route: string | null;
  recipient: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  note: string | null;
  dedupeKey: string;
  bodySha256: string;
  size: number;
  mode: InboundMode;
  forcedRoute: string | null;
  incineratedAt: Date | null;
  contentType: string;
  leaseOwner: string | null;
  leaseUntil: Date | null;
}

export function toRecord(row: InboundEmailRow): InboundRecord {
  return {
    id: row.id,
    status: row.status,
    messageId: row.messageId,
    envelopeFrom: row.envelopeFrom,
    envelopeTo: row.envelopeTo,
    fromAddress: row.fromAddress,
    subject: row.subject,
    receivedAt: row.receivedAt,
    processedAt: row.processedAt,
    route: row.route,
    recipient: row.recipient,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    lastError: row.lastError,
    note: row.note,
    dedupeKey: row.dedupeKey,
    bodySha256: row.bodySha256,
    size: row.size,
    mode: row.mode,
    forcedRoute: row.forcedRoute,
    incineratedAt: row.incineratedAt,
    contentType: row.contentType,
    leaseOwner: row.leaseOwner,
    leaseUntil: row.leaseUntil,
  };
}

/**
 * Why `inbox.replay(id)` changed nothing for this email (the CLI's `mailroom replay` and the console say the same):
 * unknown, incinerated, or being processed right now.
 */
export function whyNotReplayable(record: InboundRecord | null): string {
  if (!record) return 'no such inbound email';
  if (record.incineratedAt) return 'incinerated (its bytes were removed)';
  if (record.status === 'processing') return 'being processed right now';
  return `not replayable (${record.status})`;
}
