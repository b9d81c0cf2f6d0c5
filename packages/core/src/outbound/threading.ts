import { randomUUID } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../inbox/index.js';
import type { InboundEmail } from '../message/index.js';
import { normalizeAddress, type EmailAddress } from '../message/index.js';
import type { MessageKind } from '../text/index.js';
import { sanitizeHeaderText, type AddressInput, type OutboundMessage } from './message.js';
import type { MessageIds } from './message-id.js';
import { autoReplyLog } from './schema.js';

/** Reply prefixes in common mail clients' languages (Re, Aw, Sv, Antw, Odp, R, Rif, Res, Ynt, Vs, ΑΠ, Отв, 回复 …). */
const REPLY_PREFIX =
  /^\s*(?:(?:re|aw|sv|vs|antw|antwort|odp|r|rif|res|ynt|atb|vá|ha|απ|σχετ|отв|回复|回覆|答复)\s*(?:(?:\[\d+\]|\(\d+\))\s*)?[:：]\s*)+/iu;

/** `Re: <subject>` exactly once, whatever reply prefixes (`RE:`, `Aw:`, `Sv:`, `Re[2]:` …) were stacked before. */
export function replySubject(subject: string): string {
  // An inbound subject may carry decoded CR/LF or other controls; a header line must not (and refusing to
  // reply would let any sender make their own mail unprocessable), so they collapse to one space.
  return `Re: ${sanitizeHeaderText(subject, 998).replace(REPLY_PREFIX, '').trim()}`;
}

/** At most this many References: the thread root plus the most recent ones (RFC 5322 §3.6.4 allows trimming). */
const MAX_REFERENCES = 20;

function trimReferences(references: readonly string[]): string[] {
  return references.length > MAX_REFERENCES
    ? [references[0]!, ...references.slice(-(MAX_REFERENCES - 1))]
    : [...references];
}

/**
 * Threading headers for a new message in a conversation an app keeps itself (an agent's reply sent from a
 * web page, where there is no inbound email to `buildReply` to): In-Reply-To the newest id, References the
 * ids oldest first, deduplicated and trimmed like `buildReply`'s (the root plus the most recent).
 */
export function conversationThreading(messageIds: readonly string[]): {
  inReplyTo: string | null;
  references: string[];
} {
  const ids = [...new Set(messageIds.map((id) => id.trim().replace(/^<|>$/g, '')).filter(Boolean))];
  return { inReplyTo: ids.at(-1) ?? null, references: trimReferences(ids) };
}

export interface ReplyContent {
  text?: string;
  html?: string;
  attachments?: OutboundMessage['attachments'];
  headers?: Record<string, string>;
  customArgs?: Record<string, string>;
  categories?: readonly string[];
  cc?: OutboundMessage['cc'];
  bcc?: OutboundMessage['bcc'];
  replyTo?: OutboundMessage['replyTo'];
  /** Overrides the derived `Re:` subject. */
  subject?: string;
}

export interface BuildReplyOptions {
  from: AddressInput;
  /** Our domain for the Message-ID (random, unsigned) when no `messageIds` signer is given. */
  domain?: string;
  /** Signs `scope` into the Message-ID so the next reply threads back without a database lookup. */
  messageIds?: MessageIds;
  scope?: string;
  /** An automatic reply (acknowledgement, out-of-office): RFC 3834 headers, sent to the envelope sender. */
  auto?: boolean;
  /** Recipient override; default Reply-To, else From (auto: the envelope sender first, RFC 3834 §4). */
  to?: AddressInput | readonly AddressInput[];
}

/** The address a reply goes to (see BuildReplyOptions.to). */
export function replyRecipients(inbound: InboundEmail, auto = false): EmailAddress[] {
  if (auto && inbound.envelope.from) return [{ address: inbound.envelope.from, name: inbound.from?.name ?? '' }];
  if (inbound.replyTo.length > 0) return [...inbound.replyTo];
  return inbound.from ? [inbound.from] : [];
}

/**
 * A reply to `inbound`: In-Reply-To and References from it, `Re:` once, a Message-ID on our domain
 * (signed with `scope` when a signer is given), and for automatic replies `Auto-Submitted: auto-replied`
 * plus `X-Auto-Response-Suppress: All`.
 */
export function buildReply(inbound: InboundEmail, reply: ReplyContent, options: BuildReplyOptions): OutboundMessage {
  const to = options.to ?? replyRecipients(inbound, options.auto);
  const references = [...inbound.references];
  if (inbound.messageId && !references.includes(inbound.messageId)) references.push(inbound.messageId);
  const trimmed = trimReferences(references);
  let messageId: string | undefined;
  if (options.messageIds) messageId = options.messageIds.createMessageId(options.scope);
  else if (options.domain) messageId = `${randomUUID()}@${options.domain}`;
  const headers: Record<string, string> = { ...reply.headers };
  if (options.auto) {
    headers['Auto-Submitted'] = 'auto-replied';
    headers['X-Auto-Response-Suppress'] = 'All';
  }
  return {
    from: options.from,
    to: Array.isArray(to) ? to : [to as AddressInput],
    ...(reply.cc ? { cc: reply.cc } : {}),
    ...(reply.bcc ? { bcc: reply.bcc } : {}),
    ...(reply.replyTo ? { replyTo: reply.replyTo } : {}),
    subject: reply.subject ?? replySubject(inbound.subject),
    ...(reply.text !== undefined ? { text: reply.text } : {}),
    ...(reply.html !== undefined ? { html: reply.html } : {}),
    ...(reply.attachments ? { attachments: reply.attachments } : {}),
    headers,
    ...(reply.customArgs ? { customArgs: reply.customArgs } : {}),
    ...(reply.categories ? { categories: reply.categories } : {}),
    ...(messageId ? { messageId } : {}),
    inReplyTo: inbound.messageId,
    references: trimmed,
  };
}

/** Why an automatic reply is refused: no address to answer, or what `email.classify()` found instead of a human. */
export type AutoReplyRefusal = 'no-sender' | Exclude<MessageKind, 'human'>;
export type AutoReplyVerdict = { ok: true } | { ok: false; reason: AutoReplyRefusal; detail: string };

export interface CanAutoReplyOptions {
  /** Our own domains: mail from them or with our Message-IDs is a loop. */
  ownDomains?: readonly string[];
  /** Values we put in our outgoing `X-Loop` header (see `ClassifyOptions.loopMarkers`). */
  loopMarkers?: readonly string[];
}

/**
 * May we send an automatic reply to this email (RFC 3834)? Only to a human: `email.classify()` decides
 * (auto-replies, out-of-office notices, bounces, lists, bulk mail and loops with our own domains are
 * refused, with its reasons as `detail`), the sender must not have asked for none (`X-Auto-Response-Suppress`), and
 * there must be an address to answer.
 */
export function canAutoReply(inbound: InboundEmail, options: CanAutoReplyOptions = {}): AutoReplyVerdict {
  const sender = replyRecipients(inbound, true)[0]?.address;
  if (!sender || !sender.includes('@')) {
    return { ok: false, reason: 'no-sender', detail: 'no address to reply to (null envelope sender and no From)' };
  }
  const { kind, reasons } = inbound.classify({
    ownDomains: [...(options.ownDomains ?? [])],
    ...(options.loopMarkers ? { loopMarkers: [...options.loopMarkers] } : {}),
  });
  if (kind !== 'human') return { ok: false, reason: kind, detail: reasons.join('; ') };
  // Exchange's X-Auto-Response-Suppress is a weak sign that the mail itself is automatic, but a clear request
  // not to be sent automatic replies: honoured here whatever the classification.
  const suppress = inbound.header('x-auto-response-suppress') ?? '';
  if (/(?:^|[\s,])(?:all|oof|autoreply)(?:$|[\s,])/i.test(suppress.slice(0, 200))) {
    return {
      ok: false,
      reason: 'auto-reply',
      detail: `X-Auto-Response-Suppress: ${suppress.slice(0, 60)} asks for no automatic replies`,
    };
  }
  return { ok: true };
}

export interface AutoReplyLimit {
  /** Automatic replies per recipient per window (default 3): the loop breaker for auto-responders that don't mark their mail. */
  max?: number;
  /** Default 24 h. */
  windowMs?: number;
  /**
   * Automatic replies to anyone, per `globalWindowMs` (default 1,000 per hour): what senders rotating forged
   * addresses can make us send at most (backscatter). 0 turns the global limit off.
   */
  globalMax?: number;
  /** Default 1 h. */
  globalWindowMs?: number;
}

export const DEFAULT_AUTO_REPLY_LIMIT = {
  max: 3,
  windowMs: 24 * 3600_000,
  globalMax: 1000,
  globalWindowMs: 3600_000,
} as const;

/**
 * Reserves an automatic reply to `recipient` if both rate limits allow it (per recipient, and for all
 * recipients together), recording it in `auto_reply_log` inside the caller's transaction, so a rolled-back
 * handler frees the slot.
 */
export async function reserveAutoReply(
  db: Queryable,
  recipient: string,
  limit: AutoReplyLimit = {},
  record: { scope?: string | null; outboundMessageId?: string | null } = {},
): Promise<boolean> {
  const address = normalizeAddress(recipient);
  const { max, windowMs, globalMax, globalWindowMs } = { ...DEFAULT_AUTO_REPLY_LIMIT, ...limit };
  // Serialise concurrent reservations for one recipient (released at commit).
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`mailroom-auto-reply:${address}`}))`);
  if ((await sentSince(db, new Date(Date.now() - windowMs), address)) >= max) return false;
  // The global count is not serialised: concurrent handlers may pass it by at most the worker's concurrency.
  if (globalMax > 0 && (await sentSince(db, new Date(Date.now() - globalWindowMs), null)) >= globalMax) return false;
  await db.insert(autoReplyLog).values({
    id: randomUUID(),
    recipient: address,
    scope: record.scope ?? null,
    outboundMessageId: record.outboundMessageId ?? null,
  });
  return true;
}

async function sentSince(db: Queryable, since: Date, recipient: string | null): Promise<number> {
  const window = gt(autoReplyLog.sentAt, since);
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(autoReplyLog)
    .where(recipient === null ? window : and(eq(autoReplyLog.recipient, recipient), window));
  return row?.n ?? 0;
}
