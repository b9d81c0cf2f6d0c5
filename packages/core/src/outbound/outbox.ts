import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, arrayOverlaps, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { BlobStore, Queryable, Store } from '../inbox/index.js';
import { normalizeAddress } from '../message/index.js';
import { base32Encode } from './base32.js';
import {
  MAILROOM_ID_ARG,
  bareMessageId,
  toAddress,
  toAddressList,
  validateOutbound,
  type OutboundMessage,
  type PreparedMessage,
} from './message.js';
import type { MessageIds } from './message-id.js';
import { outboundMessages, type OutboundStatus, type StoredAttachment } from './schema.js';

export interface MailerOptions {
  store: Store;
  /** Domain for generated Message-IDs (when no `messageIds` signer is given). */
  domain?: string;
  /** Signs `threadScope` into Message-IDs. */
  messageIds?: MessageIds;
  /** Used when a message has no `from`. */
  defaultFrom?: OutboundMessage['from'];
  /** Called after a message committed to the outbox (e.g. `deliverer.kick`). */
  onQueued?: (ids: string[]) => void;
}

export interface SendOptions {
  /** Queue inside this transaction: the message exists (and is sent) only if it commits. */
  tx?: Queryable;
  /** With `tx`: registers the after-commit hook (a handler ctx's `afterCommit`) that wakes the deliverer. */
  afterCommit?: (fn: () => unknown) => void;
}

export interface SendResult {
  /** Outbox id (also the `mailroom_id` custom arg on every event). */
  id: string;
  /** Without angle brackets. */
  messageId: string;
}

export type MailerMessage = Omit<OutboundMessage, 'from'> & { from?: OutboundMessage['from'] };

/**
 * Sending mail = writing it to the outbox; the deliverer sends it after commit.
 *
 * @example
 * ```ts
 * const mailer = createMailer({ store, domain: 'mail.example.com' });
 * await mailer.send({ from: 'help@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' });
 * ```
 */
export interface Mailer {
  send(message: MailerMessage, options?: SendOptions): Promise<SendResult>;
  /** Several messages in one transaction (give them one `batchKey` to send as one SendGrid request). */
  sendMany(messages: readonly MailerMessage[], options?: SendOptions): Promise<SendResult[]>;
}

/** Rows per INSERT statement (PostgreSQL allows 65,535 parameters; an outbox row uses 20). */
const INSERT_CHUNK = 500;

export function createMailer(options: MailerOptions): Mailer {
  const { store } = options;
  const domain = options.messageIds?.domain ?? options.domain;

  function newMessageId(message: MailerMessage): string {
    if (message.messageId) return bareMessageId(message.messageId);
    if (message.threadScope) {
      if (!options.messageIds) throw new Error('threadScope needs createMailer({ messageIds })');
      return options.messageIds.createMessageId(message.threadScope);
    }
    if (options.messageIds) return options.messageIds.createMessageId();
    if (!domain) throw new Error('createMailer needs a domain (or messageIds) to generate Message-IDs');
    return `${base32Encode(randomBytes(15))}@${domain}`;
  }

  async function queue(tx: Queryable, messages: readonly MailerMessage[]): Promise<SendResult[]> {
    const results: SendResult[] = [];
    const rows: Array<typeof outboundMessages.$inferInsert> = [];
    for (const input of messages) {
      const message = { ...input, from: input.from ?? options.defaultFrom } as OutboundMessage;
      if (message.from === undefined) throw new Error('message has no from (and the mailer no defaultFrom)');
      validateOutbound(message);
      const id = randomUUID();
      const messageId = newMessageId(message);
      const attachments = await storeAttachments(store.blobs, tx, message);
      const to = toAddressList(message.to);
      const cc = toAddressList(message.cc);
      const bcc = toAddressList(message.bcc);
      rows.push({
        id,
        from: toAddress(message.from, 'from'),
        to,
        cc,
        bcc,
        replyTo: toAddressList(message.replyTo),
        recipients: [...new Set([...to, ...cc, ...bcc].map((a) => normalizeAddress(a.address)))],
        subject: message.subject,
        text: message.text ?? null,
        html: message.html ?? null,
        headers: message.headers ?? {},
        attachments,
        customArgs: { ...message.customArgs, [MAILROOM_ID_ARG]: id },
        categories: [...(message.categories ?? [])],
        messageId,
        inReplyTo: message.inReplyTo ? bareMessageId(message.inReplyTo) : null,
        references: (message.references ?? []).map(bareMessageId),
        batchKey: message.batchKey ?? null,
      });
      results.push({ id, messageId });
    }
    // Multi-row inserts: a list fan-out of thousands of copies is a handful of statements, not one per copy.
    for (let i = 0; i < rows.length; i += INSERT_CHUNK)
      await tx.insert(outboundMessages).values(rows.slice(i, i + INSERT_CHUNK));
    return results;
  }

  async function sendMany(messages: readonly MailerMessage[], sendOptions: SendOptions = {}): Promise<SendResult[]> {
    const notify = (results: SendResult[]) => options.onQueued?.(results.map((r) => r.id));
    if (sendOptions.tx) {
      const results = await queue(sendOptions.tx, messages);
      sendOptions.afterCommit?.(() => notify(results));
      return results;
    }
    const results = await store.transaction((tx) => queue(tx, messages));
    notify(results);
    return results;
  }

  return {
    sendMany,
    async send(message, sendOptions) {
      const [result] = await sendMany([message], sendOptions);
      return result!;
    },
  };
}

/** Content-addressed (`outbound/<sha256>`): identical attachments of a list batch are stored once. */
async function storeAttachments(
  blobs: BlobStore,
  tx: Queryable,
  message: OutboundMessage,
): Promise<StoredAttachment[]> {
  const stored: StoredAttachment[] = [];
  for (const attachment of message.attachments ?? []) {
    const content =
      typeof attachment.content === 'string'
        ? Buffer.from(attachment.content, 'utf8')
        : Buffer.from(attachment.content);
    const blobKey = `outbound/${createHash('sha256').update(content).digest('hex')}`;
    if (!(await blobs.has(blobKey, tx))) await blobs.put(blobKey, content, tx);
    stored.push({
      filename: attachment.filename,
      contentType: attachment.contentType ?? 'application/octet-stream',
      blobKey,
      size: content.length,
      contentId: attachment.contentId ?? null,
      inline: attachment.inline ?? Boolean(attachment.contentId),
    });
  }
  return stored;
}

export type OutboundRow = typeof outboundMessages.$inferSelect;

/** An outbox row in summary form (what a list shows); `getOutboundMessage` has everything. */
export interface OutboundRecord {
  id: string;
  createdAt: Date;
  status: OutboundStatus;
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  providerMessageId: string | null;
  transport: string | null;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  sentAt: Date | null;
  batchKey: string | null;
}

export function toOutboundRecord(row: OutboundRow): OutboundRecord {
  return {
    id: row.id,
    createdAt: row.createdAt,
    status: row.status,
    from: row.from.address,
    to: row.to.map((a) => a.address),
    subject: row.subject,
    messageId: row.messageId,
    inReplyTo: row.inReplyTo,
    providerMessageId: row.providerMessageId,
    transport: row.transport,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    lastError: row.lastError,
    sentAt: row.sentAt,
    batchKey: row.batchKey,
  };
}

/** Which outbox rows to list: newest first; `before` = the id of the last row of the previous page. */
export interface OutboundFilter {
  status?: OutboundStatus | OutboundStatus[];
  /** Default 50, at most 500. */
  limit?: number;
  before?: string;
}

/** An outbox attachment as stored (its bytes stay in the blob store). */
export interface OutboundAttachmentRecord {
  filename: string;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
}

/**
 * An outbox message in full: everything it is sent with (addresses, bodies, headers, threading, custom
 * args, categories, attachment list) plus its delivery state. Lease bookkeeping is left out.
 */
export interface OutboundMessageRecord
  extends
    Omit<OutboundRecord, 'from' | 'to'>,
    Pick<
      PreparedMessage,
      | 'from'
      | 'to'
      | 'cc'
      | 'bcc'
      | 'replyTo'
      | 'text'
      | 'html'
      | 'headers'
      | 'customArgs'
      | 'categories'
      | 'references'
    > {
  /** Every to/cc/bcc address, normalized. */
  recipients: string[];
  attachments: OutboundAttachmentRecord[];
}

export function toOutboundMessageRecord(row: OutboundRow): OutboundMessageRecord {
  return {
    ...toOutboundRecord(row),
    from: row.from,
    to: row.to,
    cc: row.cc,
    bcc: row.bcc,
    replyTo: row.replyTo,
    recipients: row.recipients,
    text: row.text,
    html: row.html,
    headers: row.headers,
    attachments: row.attachments.map(({ filename, contentType, size, contentId, inline }) => ({
      filename,
      contentType,
      size,
      contentId,
      inline,
    })),
    customArgs: row.customArgs,
    categories: row.categories,
    references: row.references,
  };
}

async function selectOutbound(db: Queryable, filter: OutboundFilter): Promise<OutboundRow[]> {
  const conditions: SQL[] = [];
  if (filter.status)
    conditions.push(inArray(outboundMessages.status, Array.isArray(filter.status) ? filter.status : [filter.status]));
  if (filter.before && isUuid(filter.before)) {
    const [anchor] = await db
      .select({ createdAt: outboundMessages.createdAt })
      .from(outboundMessages)
      .where(eq(outboundMessages.id, filter.before));
    if (anchor) {
      conditions.push(
        or(
          lt(outboundMessages.createdAt, anchor.createdAt),
          and(eq(outboundMessages.createdAt, anchor.createdAt), lt(outboundMessages.id, filter.before)),
        )!,
      );
    }
  }
  return db
    .select()
    .from(outboundMessages)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(outboundMessages.createdAt), desc(outboundMessages.id))
    .limit(Math.min(filter.limit ?? 50, 500));
}

async function selectOneOutbound(db: Queryable, id: string): Promise<OutboundRow | null> {
  // Ids are UUIDs: anything else (a typo in a URL) is simply not found, not a database error.
  if (!isUuid(id)) return null;
  const [row] = await db.select().from(outboundMessages).where(eq(outboundMessages.id, id));
  return row ?? null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Newest first, summary form (see `listOutboundMessages` for everything). */
export async function listOutbound(db: Queryable, filter: OutboundFilter = {}): Promise<OutboundRecord[]> {
  return (await selectOutbound(db, filter)).map(toOutboundRecord);
}

/** Newest first, in full (bodies, headers, all addresses, custom args…). */
export async function listOutboundMessages(
  db: Queryable,
  filter: OutboundFilter = {},
): Promise<OutboundMessageRecord[]> {
  return (await selectOutbound(db, filter)).map(toOutboundMessageRecord);
}

/** One outbox message, summary form; null when there is none with that id. */
export async function getOutbound(db: Queryable, id: string): Promise<OutboundRecord | null> {
  const row = await selectOneOutbound(db, id);
  return row ? toOutboundRecord(row) : null;
}

/** One outbox message in full; null when there is none with that id. */
export async function getOutboundMessage(db: Queryable, id: string): Promise<OutboundMessageRecord | null> {
  const row = await selectOneOutbound(db, id);
  return row ? toOutboundMessageRecord(row) : null;
}

/**
 * Of `addresses`, those we sent a message with this Message-ID to (an outbox row in status `sent`, any of To/Cc/Bcc),
 * normalized. A delivery report is anyone's to write: it is about our mail for a recipient only when this holds.
 */
export async function sentTo(db: Queryable, messageId: string, addresses: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(addresses.map(normalizeAddress))].filter(Boolean).slice(0, 1000);
  if (!wanted.length) return [];
  const rows = await db
    .select({ recipients: outboundMessages.recipients })
    .from(outboundMessages)
    .where(
      and(
        eq(outboundMessages.messageId, bareMessageId(messageId)),
        eq(outboundMessages.status, 'sent'),
        arrayOverlaps(outboundMessages.recipients, wanted),
      ),
    )
    .limit(1000);
  const sent = new Set(rows.flatMap((row) => row.recipients));
  return wanted.filter((address) => sent.has(address));
}

/** Puts a failed (or queued) message back in the queue now, attempts reset. */
export async function requeueOutbound(db: Queryable, id: string): Promise<boolean> {
  const updated = await db
    .update(outboundMessages)
    .set({
      status: 'queued',
      attempts: 0,
      nextAttemptAt: sql`now()`,
      lastError: null,
      leaseOwner: null,
      leaseUntil: null,
    })
    .where(and(eq(outboundMessages.id, id), inArray(outboundMessages.status, ['failed', 'queued'])))
    .returning({ id: outboundMessages.id });
  return updated.length > 0;
}

/** The prepared form transports take, attachments loaded from blobs. */
export async function prepareOutbound(blobs: BlobStore, row: OutboundRow, db?: Queryable): Promise<PreparedMessage> {
  const attachments = await Promise.all(
    row.attachments.map(async (a) => {
      const content = await blobs.get(a.blobKey, db);
      if (!content) throw new Error(`attachment ${a.filename} of outbound message ${row.id} is missing (${a.blobKey})`);
      return { filename: a.filename, contentType: a.contentType, content, contentId: a.contentId, inline: a.inline };
    }),
  );
  return {
    id: row.id,
    from: row.from,
    to: row.to,
    cc: row.cc,
    bcc: row.bcc,
    replyTo: row.replyTo,
    subject: row.subject,
    text: row.text,
    html: row.html,
    headers: row.headers,
    attachments,
    customArgs: row.customArgs,
    categories: row.categories,
    messageId: row.messageId,
    inReplyTo: row.inReplyTo,
    references: row.references,
  };
}
