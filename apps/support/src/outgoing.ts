import { DEFAULT_REPLY_ABOVE_MARKER } from '@mailroom/core';
import { asc, eq } from 'drizzle-orm';
import type { SupportDb } from './db/index.js';
import { messages, type Message, type Ticket } from './db/schema.js';
import { isOwnAddress, type ResolvedConfig } from './config.js';
import { participantsOf, recordMessage, setMessageOutboundId } from './domain/tickets.js';
import { replySubject, taggedSubject } from './domain/threading.js';
import { ticketScope, type OutgoingMail, type SupportServices, type MailAddress } from './ports.js';
import type { PublicAgent } from './domain/agents.js';

/** References beyond this many are trimmed (keeping the first): long chains break some servers. */
const MAX_REFERENCES = 20;

/** Core's reply extractor cuts a customer's reply at this line (text above it is the reply). */
export const REPLY_ABOVE_LINE = DEFAULT_REPLY_ABOVE_MARKER;

interface Threading {
  inReplyTo: string | null;
  references: string[];
}

async function conversationThreading(db: SupportDb, ticketNumber: number): Promise<Threading> {
  const rows = await db
    .select({ messageId: messages.messageId })
    .from(messages)
    .where(eq(messages.ticketNumber, ticketNumber))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  const ids = [...new Set(rows.map((r) => r.messageId).filter((id): id is string => !!id))];
  const references = ids.length > MAX_REFERENCES ? [ids[0]!, ...ids.slice(-(MAX_REFERENCES - 1))] : ids;
  return { inReplyTo: ids.at(-1) ?? null, references };
}

function footer(config: ResolvedConfig, ticket: Ticket): string {
  return `\n\n--\n${config.helpdeskName} · ticket [#${ticket.number}]\nReply to this email to add to the ticket.`;
}

export interface AgentReplyInput {
  ticket: Ticket;
  agent: PublicAgent;
  text: string;
  /** Set when the reply came in by email from the agent. */
  inboundId?: string | null;
  now?: Date;
}

/**
 * Sends an agent's reply to the requester (To) and the CC'd participants (Cc), threaded under
 * the conversation, and records it — in the caller's transaction, so mail and record commit together.
 */
export async function sendAgentReply(
  tx: SupportDb,
  services: SupportServices,
  config: ResolvedConfig,
  input: AgentReplyInput,
): Promise<Message> {
  const { ticket, agent } = input;
  const people = await participantsOf(tx, ticket.number);
  const mailable = (p: { address: string }) => !isOwnAddress(config, p.address) && p.address !== agent.email;
  const requester = people.find((p) => p.role === 'requester' && mailable(p));
  const cc = people.filter((p) => p.role === 'cc' && mailable(p)).map((p) => ({ address: p.address, name: p.name }));
  const to: MailAddress[] = requester ? [{ address: requester.address, name: requester.name }] : cc.splice(0, 1);
  if (!to.length) throw new NoRecipientsError(ticket.number);

  const threading = await conversationThreading(tx, ticket.number);
  const messageId = services.messageIds.createMessageId(ticketScope(ticket.number));
  const subject = replySubject(ticket.subject, ticket.number);
  const text = `${REPLY_ABOVE_LINE}\n\n${input.text.trim()}${footer(config, ticket)}`;
  const mail: OutgoingMail = {
    from: { address: ticket.supportAddress, name: `${agent.name} (${config.helpdeskName})` },
    to,
    cc,
    replyTo: [{ address: services.replyAddresses.create({ scope: ticketScope(ticket.number), recipient: to[0]!.address }), name: config.helpdeskName }],
    subject,
    text,
    messageId,
    inReplyTo: threading.inReplyTo,
    references: threading.references,
    customArgs: { support_ticket: String(ticket.number) },
  };
  const recorded = await recordMessage(tx, {
    ticketNumber: ticket.number,
    direction: 'outbound',
    kind: 'agent',
    author: { address: agent.email, name: agent.name },
    agentId: agent.id,
    bodyText: input.text.trim(),
    fullText: text,
    subject,
    messageId,
    inboundId: input.inboundId ?? null,
    recipients: [...to, ...cc].map((p) => p.address),
    now: input.now,
  });
  if (!recorded) throw new Error(`agent reply on ticket ${ticket.number} was already recorded`);
  const { id } = await services.mailer.send(mail, { tx });
  await setMessageOutboundId(tx, recorded.id, id);
  return { ...recorded, outboundId: id };
}

export class NoRecipientsError extends Error {
  override name = 'NoRecipientsError';
  constructor(readonly ticketNumber: number) {
    super(`ticket ${ticketNumber} has nobody to send a reply to`);
  }
}

export interface AcknowledgementInput {
  ticket: Ticket;
  /** The customer's Message-ID and references, so the ack threads under their mail. */
  inReplyTo: string | null;
  references: readonly string[];
  now?: Date;
}

/** The one acknowledgement a new ticket gets: number in the subject, signed reply address, signed Message-ID. */
export async function sendAcknowledgement(
  tx: SupportDb,
  services: SupportServices,
  config: ResolvedConfig,
  input: AcknowledgementInput,
): Promise<Message> {
  const { ticket } = input;
  const messageId = services.messageIds.createMessageId(ticketScope(ticket.number));
  const subject = taggedSubject(ticket.subject, ticket.number);
  const text =
    `${REPLY_ABOVE_LINE}\n\n` +
    `Hello${ticket.requesterName ? ` ${ticket.requesterName}` : ''},\n\n` +
    `we received your message and opened ticket [#${ticket.number}]: "${ticket.subject}".\n` +
    `An agent will answer soon. To add anything, just reply to this email.` +
    footer(config, ticket);
  const references = [...input.references, ...(input.inReplyTo ? [input.inReplyTo] : [])].slice(-MAX_REFERENCES);
  const mail: OutgoingMail = {
    from: { address: ticket.supportAddress, name: config.helpdeskName },
    to: [{ address: ticket.requesterAddress, name: ticket.requesterName }],
    replyTo: [{ address: services.replyAddresses.create({ scope: ticketScope(ticket.number), recipient: ticket.requesterAddress }), name: config.helpdeskName }],
    subject,
    text,
    messageId,
    inReplyTo: input.inReplyTo,
    references: [...new Set(references)],
    // RFC 3834: an automatic answer; well-behaved auto-responders will not answer it.
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    customArgs: { support_ticket: String(ticket.number) },
  };
  const recorded = await recordMessage(tx, {
    ticketNumber: ticket.number,
    direction: 'outbound',
    kind: 'ack',
    author: { address: ticket.supportAddress, name: config.helpdeskName },
    bodyText: text,
    fullText: text,
    subject,
    messageId,
    recipients: [ticket.requesterAddress],
    now: input.now,
  });
  const { id } = await services.mailer.send(mail, { tx });
  if (recorded) await setMessageOutboundId(tx, recorded.id, id);
  return { ...recorded!, outboundId: id };
}
