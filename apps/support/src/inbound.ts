/**
 * What the help desk does with one inbound email, independent of how it was routed. `mail.ts`
 * wires this onto the Mailroom; everything here runs inside the handler's transaction.
 */
import { createHash } from 'node:crypto';
import type { InboundEmail } from '@mailroom/core';
import { isOwnAddress, type ResolvedConfig } from './config.js';
import type { SupportDb } from './db/index.js';
import type { Ticket } from './db/schema.js';
import { clearUndeliverable, markUndeliverable } from './domain/addresses.js';
import { agentByEmail, normalizeEmail } from './domain/agents.js';
import { findReplyTicket, followUp } from './domain/threading.js';
import { isThrottled } from './domain/throttle.js';
import { addParticipants, openTicket, recordAttachment, recordMessage, setMessageBody, setStatus, ticketByNumber, type Person } from './domain/tickets.js';
import { sendAcknowledgement, sendAgentReply } from './outgoing.js';
import { ticketFromScope, type SupportServices } from './ports.js';

/** Classification as core's `email.classify()` reports it. */
export type MailKind = 'human' | 'auto-reply' | 'out-of-office' | 'bounce' | 'bulk' | 'list' | 'loop';

export interface DeliveryReport {
  recipients: { address: string; status: string | null; action: string | null; diagnostic: string | null; permanent: boolean }[];
  originalMessageId: string | null;
}

/** Core's text analysis (reply extraction, classification, DSN parsing, sender verdict). */
export interface MailText {
  newText(email: InboundEmail): string;
  classify(email: InboundEmail, ownDomains: string[]): MailKind;
  deliveryReport(email: InboundEmail): Promise<DeliveryReport | null>;
  /** Is the From address authenticated (DKIM or SPF aligned with the From domain)? */
  senderAuthenticated(email: InboundEmail): { aligned: boolean; reason: string };
}

export interface BlobWriter {
  put(key: string, data: Uint8Array, tx?: SupportDb): Promise<void>;
}

export interface InboundDeps {
  services: SupportServices;
  config: ResolvedConfig;
  text: MailText;
  blobs: BlobWriter | null;
}

/** The slice of core's handler context this needs. */
export interface InboundContext {
  /** Core's inbound email id. */
  id: string;
  email: InboundEmail;
  tx: SupportDb;
  /** The address the route matched (a support address or a reply address). */
  recipient: string;
  bounce(reason: string): void;
  ignore(reason: string): void;
  log: { info(event: string, fields?: Record<string, unknown>): void };
}

export type InboundResult =
  | { action: 'opened'; ticket: number; acknowledged: boolean; throttled: boolean; linkedTo: number | null }
  | { action: 'appended'; ticket: number; reopened: boolean; via: string }
  | { action: 'auto-reply-recorded'; ticket: number }
  | { action: 'agent-reply'; ticket: number }
  | { action: 'bounce'; ticket: number | null; addresses: string[] }
  | { action: 'refused'; reason: string }
  | { action: 'ignored'; reason: string };

const AUTOMATIC: MailKind[] = ['auto-reply', 'out-of-office', 'bulk', 'list'];

function people(list: readonly { address: string; name: string }[], config: ResolvedConfig, except: string[]): Person[] {
  const skip = new Set(except.map(normalizeEmail));
  return list.filter((p) => p.address && !isOwnAddress(config, p.address) && !skip.has(normalizeEmail(p.address)));
}

function queueFor(config: ResolvedConfig, email: InboundEmail, recipient: string) {
  const candidates = [recipient, ...email.envelope.to, ...email.to.map((a) => a.address), ...email.cc.map((a) => a.address)].map(normalizeEmail);
  for (const address of candidates) {
    const queue = config.queues.find((q) => q.address === address);
    if (queue) return queue;
  }
  return config.queues[0]!;
}

async function keepAttachments(ctx: InboundContext, deps: InboundDeps, messageId: string): Promise<string[]> {
  const notes: string[] = [];
  if (!deps.blobs) return notes;
  const { maxCount, maxBytes } = deps.config.attachments;
  let kept = 0;
  for (const attachment of ctx.email.attachments) {
    if (kept >= maxCount) {
      notes.push(`[attachment "${attachment.filename}" not kept: more than ${maxCount} attachments]`);
      continue;
    }
    if (attachment.size > maxBytes) {
      notes.push(`[attachment "${attachment.filename}" not kept: larger than ${Math.round(maxBytes / 1024 / 1024)} MB]`);
      continue;
    }
    const content = await attachment.content();
    const sha256 = attachment.sha256 || createHash('sha256').update(content).digest('hex');
    // Content-addressed: the same file sent twice is stored once.
    const blobKey = `support/attachments/${sha256}`;
    await deps.blobs.put(blobKey, content, ctx.tx);
    await recordAttachment(ctx.tx, {
      messageId,
      filename: attachment.filename || 'attachment',
      contentType: attachment.contentType || 'application/octet-stream',
      size: content.length,
      contentId: attachment.contentId ?? null,
      inline: attachment.inline,
      sha256,
      blobKey,
    });
    kept++;
  }
  return notes;
}

async function recordInbound(ctx: InboundContext, deps: InboundDeps, ticket: number, kind: 'customer' | 'auto-reply', bodyText: string) {
  const { email } = ctx;
  const message = await recordMessage(ctx.tx, {
    ticketNumber: ticket,
    direction: 'inbound',
    kind,
    author: { address: email.from!.address, name: email.from!.name },
    bodyText,
    fullText: email.text,
    fullHtml: email.html,
    subject: email.subject,
    inboundId: ctx.id,
    messageId: email.messageId,
    recipients: [...email.to, ...email.cc].map((a) => normalizeEmail(a.address)),
  });
  if (!message) return null;
  const notes = await keepAttachments(ctx, deps, message.id);
  if (notes.length) {
    // Tell the agent what was dropped, in the conversation itself.
    await setMessageBody(ctx.tx, message.id, `${bodyText}\n\n${notes.join('\n')}`);
  }
  return message;
}

async function openNewTicket(ctx: InboundContext, deps: InboundDeps, kind: MailKind, linkedTo: Ticket | null): Promise<InboundResult> {
  const { email, tx } = ctx;
  const { config } = deps;
  const sender = email.from!;
  const throttled = await isThrottled(tx, sender.address, config.throttle);
  const queue = linkedTo ? { name: linkedTo.queue, address: linkedTo.supportAddress } : queueFor(config, email, ctx.recipient);
  const ticket = await openTicket(tx, {
    queue: queue.name,
    supportAddress: queue.address,
    subject: email.subject,
    requester: sender,
    cc: people([...email.to, ...email.cc], config, [sender.address]),
    linkedTicket: linkedTo?.number ?? null,
    throttled,
  });
  const automatic = kind !== 'human';
  await recordInbound(ctx, deps, ticket.number, automatic ? 'auto-reply' : 'customer', deps.text.newText(email) || email.text || '');
  // One acknowledgement, to people only, and never while the sender is throttled (loop breaker).
  const acknowledge = !automatic && !throttled;
  if (acknowledge) {
    await sendAcknowledgement(tx, deps.services, config, { ticket, inReplyTo: email.messageId, references: email.references });
  }
  ctx.log.info('support.ticket_opened', { ticket: ticket.number, throttled, acknowledged: acknowledge, kind });
  return { action: 'opened', ticket: ticket.number, acknowledged: acknowledge, throttled, linkedTo: linkedTo?.number ?? null };
}

async function handleBounce(ctx: InboundContext, deps: InboundDeps): Promise<InboundResult> {
  const report = await deps.text.deliveryReport(ctx.email);
  const ids = [report?.originalMessageId ?? null, ctx.email.inReplyTo, ...[...ctx.email.references].reverse()].filter((x): x is string => !!x);
  let ticket: number | null = null;
  for (const verified of deps.services.messageIds.verifyMessageIds({ inReplyTo: ids[0] ?? null, references: ids.slice(1).reverse() })) {
    ticket = ticketFromScope(verified.scope);
    if (ticket !== null && (await ticketByNumber(ctx.tx, ticket))) break;
    ticket = null;
  }
  // Only permanent failures make an address undeliverable; a delay or a 4.x.x will be retried by the MTA.
  // And only reports about mail we provably sent (a signed Message-ID of a ticket): anyone can forge a DSN.
  const failed = ticket === null ? [] : (report?.recipients ?? []).filter((r) => r.permanent);
  for (const r of failed) {
    await markUndeliverable(ctx.tx, { address: r.address, reason: r.diagnostic || r.status || 'delivery failed', ticketNumber: ticket });
  }
  if (ticket !== null) {
    const lines = failed.length
      ? failed.map((r) => `Delivery to ${r.address} failed: ${r.diagnostic || r.status || 'no reason given'}`)
      : ['A delivery failure report arrived for this ticket.'];
    await recordMessage(ctx.tx, {
      ticketNumber: ticket,
      direction: 'system',
      kind: 'bounce',
      author: ctx.email.from ?? undefined,
      bodyText: lines.join('\n'),
      fullText: ctx.email.text,
      subject: ctx.email.subject,
      inboundId: ctx.id,
      messageId: ctx.email.messageId,
    });
  }
  if (ticket === null && failed.length === 0) {
    ctx.ignore('delivery report for mail that is not ours');
    return { action: 'ignored', reason: 'delivery report for mail that is not ours' };
  }
  ctx.log.info('support.bounce', { ticket, addresses: failed.map((r) => r.address) });
  return { action: 'bounce', ticket, addresses: failed.map((r) => r.address) };
}

/** Handles one email to a support address or a reply address. */
export async function handleInbound(ctx: InboundContext, deps: InboundDeps, token: string | null): Promise<InboundResult> {
  const { email, tx } = ctx;
  const { config, services, text } = deps;
  const kind = text.classify(email, [config.domain, ...config.queues.map((q) => q.address.split('@')[1]!)]);

  if (kind === 'bounce') return handleBounce(ctx, deps);
  if (!email.from?.address?.includes('@')) {
    ctx.ignore('no sender address');
    return { action: 'ignored', reason: 'no sender address' };
  }
  const sender = normalizeEmail(email.from.address);
  if (kind === 'loop' || isOwnAddress(config, sender)) {
    const reason = kind === 'loop' ? 'mail loop detected' : 'mail from our own address';
    ctx.ignore(reason);
    return { action: 'ignored', reason };
  }

  let tokenTicket: number | null = null;
  if (token !== null) {
    const verified = services.replyAddresses.verify(ctx.recipient, { recipient: sender });
    if (verified.ok) tokenTicket = ticketFromScope(verified.scope);
    else ctx.log.info('support.reply_token_rejected', { reason: verified.reason });
  }
  const signedTickets = services.messageIds
    .verifyMessageIds(email)
    .map((v) => ticketFromScope(v.scope))
    .filter((n): n is number => n !== null);
  const referencedIds = [...(email.inReplyTo ? [email.inReplyTo] : []), ...[...email.references].reverse()];
  const match = await findReplyTicket(tx, { tokenTicket, signedTickets, referencedIds, subject: email.subject, sender });

  const agent = await agentByEmail(tx, sender);
  if (agent && match) {
    // An agent answering by email: only from their own address with an aligned authentication verdict.
    const verdict = text.senderAuthenticated(email);
    if (!verdict.aligned) {
      const reason = `agent reply from ${sender} refused: sender not authenticated (${verdict.reason})`;
      ctx.bounce(reason);
      return { action: 'refused', reason };
    }
    const body = text.newText(email).trim();
    if (!body) {
      ctx.ignore('agent reply without new text');
      return { action: 'ignored', reason: 'agent reply without new text' };
    }
    await sendAgentReply(tx, services, config, { ticket: match.ticket, agent, text: body, inboundId: ctx.id });
    return { action: 'agent-reply', ticket: match.ticket.number };
  }

  if (!match) return openNewTicket(ctx, deps, kind, null);

  const ticket = match.ticket;
  if (AUTOMATIC.includes(kind)) {
    // Recorded for the agents, but it neither reopens nor triggers any mail.
    await recordInbound(ctx, deps, ticket.number, 'auto-reply', text.newText(email) || email.text || '');
    return { action: 'auto-reply-recorded', ticket: ticket.number };
  }
  const next = followUp(ticket, config.reopenWithinDays);
  if (next === 'new-linked') return openNewTicket(ctx, deps, kind, ticket);
  await recordInbound(ctx, deps, ticket.number, 'customer', text.newText(email) || email.text || '');
  await addParticipants(tx, ticket.number, people([...email.to, ...email.cc], config, [ticket.requesterAddress]));
  await clearUndeliverable(tx, sender);
  if (next === 'reopen') await setStatus(tx, ticket.number, 'open');
  ctx.log.info('support.reply_added', { ticket: ticket.number, via: match.via, reopened: next === 'reopen' });
  return { action: 'appended', ticket: ticket.number, reopened: next === 'reopen', via: match.via };
}

/** A bounce reported by SendGrid's Event Webhook for mail we sent (custom arg `support_ticket`). */
export async function handleBounceEvent(
  tx: SupportDb,
  event: { email: string; reason?: string | null; status?: string | null; ticket?: string | null },
): Promise<void> {
  const ticket = event.ticket && /^\d{1,9}$/.test(event.ticket) ? Number(event.ticket) : null;
  await markUndeliverable(tx, { address: event.email, reason: event.reason || event.status || 'bounced', ticketNumber: ticket });
  if (ticket !== null && (await ticketByNumber(tx, ticket))) {
    await recordMessage(tx, {
      ticketNumber: ticket,
      direction: 'system',
      kind: 'bounce',
      bodyText: `Delivery to ${event.email} failed: ${event.reason || event.status || 'bounced'} (Event Webhook)`,
    });
  }
}
