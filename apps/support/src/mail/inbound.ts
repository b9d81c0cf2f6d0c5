/**
 * What the help desk does with one inbound email, once routed. `index.ts` wires this onto the Mailroom;
 * everything here runs inside the handler's transaction (`ctx.once`'s `tx`).
 */
import type { AuthVerdict, EmailAddress, MailContext, Transaction, VerifiedReplyToken } from '@mailroom/core';
import type { MessageKind } from '@mailroom/core/text';
import { isOwnAddress, ownDomains, type QueueConfig, type ResolvedConfig } from '../config.js';
import type { Ticket } from '../db/schema.js';
import { clearUndeliverable } from '../domain/addresses.js';
import { agentByEmail, normalizeEmail, type PublicAgent } from '../domain/agents.js';
import { sendAgentReply } from '../domain/replies.js';
import type { SupportServices } from '../domain/services.js';
import { findReplyTicket, followUp, ticketFromScope, type ReplyMatch } from '../domain/threading.js';
import { isThrottled } from '../domain/throttle.js';
import { addParticipants, openTicket, setStatus, type Person } from '../domain/tickets.js';
import { acknowledge } from './acknowledge.js';
import { handleDeliveryReport } from './bounces.js';
import { recordInbound } from './record.js';

export interface MailDeps {
  services: SupportServices;
  config: ResolvedConfig;
}

/** One email being handled: the handler's context and the transaction its effects are written in. */
export interface Inbound {
  ctx: MailContext;
  tx: Transaction;
}

export type InboundResult =
  | {
      action: 'opened';
      ticket: number;
      acknowledged: boolean;
      throttled: boolean;
      linkedTo: number | null;
      authenticated: boolean;
    }
  | {
      action: 'appended';
      ticket: number;
      reopened: boolean;
      via: string;
      authenticated: boolean;
      participantsAdded: number;
    }
  | { action: 'auto-reply-recorded'; ticket: number }
  | { action: 'agent-reply'; ticket: number }
  | { action: 'bounce'; ticket: number | null; addresses: string[] }
  | { action: 'refused'; reason: string }
  | { action: 'ignored'; reason: string };

const AUTOMATIC: readonly MessageKind[] = ['auto-reply', 'out-of-office', 'bulk', 'list'];

function ignore(ctx: MailContext, reason: string): InboundResult {
  ctx.ignore(reason);
  return { action: 'ignored', reason };
}

function refuse(ctx: MailContext, reason: string): InboundResult {
  ctx.bounce(reason);
  return { action: 'refused', reason };
}

/**
 * The people of To/Cc who may join a ticket: never us, never `except`, and none at all from an
 * unauthenticated sender (a forged From must not put its Cc's on someone's ticket).
 */
function ccPeople(email: MailContext['email'], config: ResolvedConfig, verdict: AuthVerdict, except: string): Person[] {
  if (!verdict.aligned) return [];
  const skip = normalizeEmail(except);
  const named: EmailAddress[] = [...email.to, ...email.cc];
  return named.filter((p) => p.address && !isOwnAddress(config, p.address) && normalizeEmail(p.address) !== skip);
}

function queueFor(config: ResolvedConfig, email: MailContext['email'], recipient: string): QueueConfig {
  const candidates = [
    recipient,
    ...email.envelope.to,
    ...email.to.map((a) => a.address),
    ...email.cc.map((a) => a.address),
  ].map(normalizeEmail);
  for (const address of candidates) {
    const queue = config.queues.find((q) => q.address === address);
    if (queue) return queue;
  }
  return config.queues[0]!;
}

async function openNewTicket(
  inbound: Inbound,
  deps: MailDeps,
  kind: MessageKind,
  verdict: AuthVerdict,
  linkedTo: Ticket | null,
): Promise<InboundResult> {
  const { ctx, tx } = inbound;
  const { config } = deps;
  const sender = ctx.email.from!;
  const throttled = await isThrottled(tx, sender.address, config.throttle);
  const queue = linkedTo
    ? { name: linkedTo.queue, address: linkedTo.supportAddress }
    : queueFor(config, ctx.email, ctx.recipient?.address ?? '');
  const ticket = await openTicket(tx, {
    queue: queue.name,
    supportAddress: queue.address,
    subject: ctx.email.subject,
    requester: sender,
    cc: ccPeople(ctx.email, config, verdict, sender.address),
    maxParticipants: config.maxParticipants,
    linkedTicket: linkedTo?.number ?? null,
    throttled,
  });
  const automatic = kind !== 'human';
  await recordInbound(inbound, deps, ticket.number, automatic ? 'auto-reply' : 'customer');
  // One acknowledgement, to people only, and never while the sender is throttled.
  let acknowledged = false;
  if (!automatic && !throttled) {
    const outcome = await acknowledge(inbound, deps, ticket, verdict.aligned);
    acknowledged = outcome.sent;
    if (!outcome.sent)
      ctx.log.info('support.ack_refused', { ticket: ticket.number, reason: outcome.reason, detail: outcome.detail });
  }
  ctx.log.info('support.ticket_opened', {
    ticket: ticket.number,
    throttled,
    acknowledged,
    kind,
    authenticated: verdict.aligned,
  });
  return {
    action: 'opened',
    ticket: ticket.number,
    acknowledged,
    throttled,
    linkedTo: linkedTo?.number ?? null,
    authenticated: verdict.aligned,
  };
}

/** An agent answering by email: accepted only with an aligned verdict, then mailed like a web reply. */
async function agentReply(
  inbound: Inbound,
  deps: MailDeps,
  agent: PublicAgent,
  match: ReplyMatch,
  verdict: AuthVerdict,
): Promise<InboundResult> {
  const { ctx, tx } = inbound;
  if (!verdict.aligned)
    return refuse(ctx, `agent reply from ${agent.email} refused: sender not authenticated (${verdict.reason})`);
  const text = ctx.email.reply().text.trim();
  if (!text) return ignore(ctx, 'agent reply without new text');
  await sendAgentReply(
    deps.services,
    deps.config,
    { ticket: match.ticket, agent, text, inboundId: ctx.id },
    { tx, afterCommit: ctx.afterCommit },
  );
  return { action: 'agent-reply', ticket: match.ticket.number };
}

/** A customer's (or participant's) reply on a ticket they found by `match`. */
async function followUpOn(
  inbound: Inbound,
  deps: MailDeps,
  kind: MessageKind,
  verdict: AuthVerdict,
  match: ReplyMatch,
): Promise<InboundResult> {
  const { ctx, tx } = inbound;
  const { ticket } = match;
  if (AUTOMATIC.includes(kind)) {
    // Recorded for the agents, but it neither reopens nor triggers any mail.
    await recordInbound(inbound, deps, ticket.number, 'auto-reply');
    return { action: 'auto-reply-recorded', ticket: ticket.number };
  }
  const next = followUp(ticket, deps.config.reopenWithinDays);
  if (next === 'new-linked') return openNewTicket(inbound, deps, kind, verdict, ticket);
  await recordInbound(inbound, deps, ticket.number, 'customer');
  const cc = ccPeople(ctx.email, deps.config, verdict, ticket.requesterAddress);
  const participantsAdded = cc.length
    ? await addParticipants(tx, ticket.number, cc, { max: deps.config.maxParticipants })
    : 0;
  // Only an authenticated sender proves the address works again (a forged From proves nothing).
  if (verdict.aligned) await clearUndeliverable(tx, ctx.email.from!.address);
  if (next === 'reopen') await setStatus(tx, ticket.number, 'open');
  ctx.log.info('support.reply_added', {
    ticket: ticket.number,
    via: match.via,
    reopened: next === 'reopen',
    authenticated: verdict.aligned,
    participantsAdded,
  });
  return {
    action: 'appended',
    ticket: ticket.number,
    reopened: next === 'reopen',
    via: match.via,
    authenticated: verdict.aligned,
    participantsAdded,
  };
}

/** The ticket a verified reply token names; a token that does not name one, or conflicts with In-Reply-To, is refused. */
function tokenTicket(inbound: Inbound, deps: MailDeps, token: VerifiedReplyToken): number | string {
  const ticket = ticketFromScope(token.scope);
  if (ticket === null) return 'reply token is not for a ticket';
  const answered = inbound.ctx.email.inReplyTo
    ? deps.services.messageIds.verifyMessageId(inbound.ctx.email.inReplyTo)
    : null;
  const answeredTicket = answered ? ticketFromScope(answered.scope) : null;
  if (answeredTicket !== null && answeredTicket !== ticket)
    return `reply token is for ticket #${ticket}, but the message answers ticket #${answeredTicket}`;
  return ticket;
}

/** Handles one email to a support address or (with its verified token) to a reply address. */
export async function handleInbound(
  inbound: Inbound,
  deps: MailDeps,
  token: VerifiedReplyToken | null,
): Promise<InboundResult> {
  const { ctx, tx } = inbound;
  const { email } = ctx;
  const kind = email.classify({ ownDomains: ownDomains(deps.config) }).kind;
  if (kind === 'bounce') return handleDeliveryReport(inbound, deps);
  // A mailbox provider's feedback report about our mail: never a ticket, never acknowledged.
  if (kind === 'complaint') return ignore(ctx, 'complaint (feedback report): not a customer message');
  if (!email.from?.address?.includes('@')) return ignore(ctx, 'no sender address');
  const sender = normalizeEmail(email.from.address);
  if (kind === 'loop') return ignore(ctx, 'mail loop detected');
  if (isOwnAddress(deps.config, sender)) return ignore(ctx, 'mail from our own address');

  const fromToken = token ? tokenTicket(inbound, deps, token) : null;
  if (typeof fromToken === 'string') return refuse(ctx, fromToken);
  const verdict = email.authVerdict();
  const signedTickets = deps.services.messageIds
    .verifyMessageIds(email)
    .map((v) => ticketFromScope(v.scope))
    .filter((n): n is number => n !== null);
  const referencedIds = [...(email.inReplyTo ? [email.inReplyTo] : []), ...[...email.references].reverse()];
  const match = await findReplyTicket(tx, {
    tokenTicket: fromToken,
    signedTickets,
    referencedIds,
    subject: email.subject,
    sender,
    aligned: verdict.aligned,
  });

  if (fromToken !== null && match?.via !== 'token')
    return refuse(ctx, `reply token names ticket #${fromToken}, which does not exist`);

  const agent = match ? await agentByEmail(tx, sender) : null;
  if (agent && match) return agentReply(inbound, deps, agent, match, verdict);
  if (!match) return openNewTicket(inbound, deps, kind, verdict, null);
  return followUpOn(inbound, deps, kind, verdict, match);
}
