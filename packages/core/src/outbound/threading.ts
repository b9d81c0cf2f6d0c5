import { randomUUID } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../inbox/index.js';
import type { InboundEmail } from '../message/index.js';
import { domainOf, normalizeAddress, type EmailAddress } from '../message/index.js';
import type { AddressInput, OutboundMessage } from './message.js';
import type { MessageIds } from './message-id.js';
import { autoReplyLog } from './schema.js';

/** Reply prefixes in common mail clients' languages (Re, Aw, Sv, Antw, Odp, R, Rif, Res, Ynt, Vs, ΑΠ, Отв, 回复 …). */
const REPLY_PREFIX = /^\s*(?:(?:re|aw|sv|vs|antw|antwort|odp|r|rif|res|ynt|atb|vá|ha|απ|σχετ|отв|回复|回覆|答复)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+/iu;

/** `Re: <subject>` exactly once, whatever reply prefixes (`RE:`, `Aw:`, `Sv:`, `Re[2]:` …) were stacked before. */
export function replySubject(subject: string): string {
  return `Re: ${subject.replace(REPLY_PREFIX, '').trim()}`;
}

/** At most this many References: the thread root plus the most recent ones (RFC 5322 §3.6.4 allows trimming). */
const MAX_REFERENCES = 20;

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
  const trimmed = references.length > MAX_REFERENCES ? [references[0]!, ...references.slice(-(MAX_REFERENCES - 1))] : references;
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

export type AutoReplyRefusal = 'no-sender' | 'auto-reply' | 'bounce' | 'list' | 'bulk' | 'loop';
export type AutoReplyVerdict = { ok: true } | { ok: false; reason: AutoReplyRefusal; detail: string };

export interface CanAutoReplyOptions {
  /** Our own domains: mail from them or with our Message-IDs is a loop. */
  ownDomains?: readonly string[];
}

const BOUNCE_LOCAL = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)$/i;
const NOREPLY_LOCAL = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)([-+_.].*)?$/i;

/**
 * May we send an automatic reply to this email (RFC 3834)? Refuses auto-replies, bounces, lists and
 * bulk mail, and loops with our own domains. Reads the headers directly; the text/ classifier will
 * replace this once it lands (same verdicts).
 */
export function canAutoReply(inbound: InboundEmail, options: CanAutoReplyOptions = {}): AutoReplyVerdict {
  const own = new Set((options.ownDomains ?? []).map((d) => d.toLowerCase()));
  const header = (name: string) => inbound.header(name)?.trim() ?? '';
  const refuse = (reason: AutoReplyRefusal, detail: string): AutoReplyVerdict => ({ ok: false, reason, detail });

  const sender = replyRecipients(inbound, true)[0]?.address;
  if (!sender || !sender.includes('@')) return refuse('no-sender', 'no address to reply to (null envelope sender and no From)');

  const senderLocal = sender.slice(0, sender.lastIndexOf('@'));
  const contentType = header('content-type').toLowerCase();
  if (BOUNCE_LOCAL.test(senderLocal) || BOUNCE_LOCAL.test(inbound.from?.address.split('@')[0] ?? '')) return refuse('bounce', `sender ${sender}`);
  if (contentType.startsWith('multipart/report') || header('x-failed-recipients')) return refuse('bounce', 'delivery status report');
  if (inbound.envelope.from === '' || /^<\s*>$/.test(header('return-path'))) return refuse('bounce', 'null return path');

  const autoSubmitted = header('auto-submitted').toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return refuse('auto-reply', `Auto-Submitted: ${autoSubmitted}`);
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-autoreply-from', 'x-mail-autoreply']) {
    if (header(name)) return refuse('auto-reply', name);
  }
  if (/\b(all|oof|autoreply)\b/i.test(header('x-auto-response-suppress'))) return refuse('auto-reply', 'X-Auto-Response-Suppress');

  const precedence = (header('precedence') || header('x-precedence')).toLowerCase();
  if (precedence === 'list') return refuse('list', 'Precedence: list');
  if (header('list-id') || header('list-unsubscribe') || header('list-post')) return refuse('list', 'List-* header');
  if (precedence === 'bulk' || precedence === 'junk') return refuse('bulk', `Precedence: ${precedence}`);
  if (precedence === 'auto_reply') return refuse('auto-reply', 'Precedence: auto_reply');
  if (NOREPLY_LOCAL.test(senderLocal)) return refuse('bulk', `no-reply sender ${sender}`);

  if (own.size > 0) {
    if (own.has(domainOf(sender)) || (inbound.from && own.has(domainOf(inbound.from.address)))) return refuse('loop', 'sent from our own domain');
    if (inbound.messageId && own.has(domainOf(inbound.messageId))) return refuse('loop', 'our own Message-ID');
  }
  if (header('x-loop')) return refuse('loop', 'X-Loop');
  return { ok: true };
}

export interface AutoReplyLimit {
  /** Automatic replies per recipient per window (default 3). */
  max?: number;
  /** Default 24 h. */
  windowMs?: number;
}

/**
 * Reserves an automatic reply to `recipient` if the rate limit allows it, recording it in
 * `auto_reply_log` (inside the caller's transaction, so a rolled-back handler frees the slot).
 */
export async function reserveAutoReply(
  db: Queryable,
  recipient: string,
  limit: AutoReplyLimit = {},
  record: { scope?: string | null; outboundMessageId?: string | null } = {},
): Promise<boolean> {
  const address = normalizeAddress(recipient);
  const max = limit.max ?? 3;
  const since = new Date(Date.now() - (limit.windowMs ?? 24 * 3600_000));
  // Serialise concurrent reservations for one recipient (released at commit).
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`mailroom-auto-reply:${address}`}))`);
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(autoReplyLog)
    .where(and(eq(autoReplyLog.recipient, address), gt(autoReplyLog.sentAt, since)));
  if ((row?.n ?? 0) >= max) return false;
  await db.insert(autoReplyLog).values({
    id: randomUUID(),
    recipient: address,
    scope: record.scope ?? null,
    outboundMessageId: record.outboundMessageId ?? null,
  });
  return true;
}
