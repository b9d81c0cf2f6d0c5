import { type EmailAddress } from '@mailroom/core';
import { conversationThreading, replySubject, type SendOptions } from '@mailroom/core/outbound';
import { DEFAULT_REPLY_ABOVE_MARKER } from '@mailroom/core/text';
import { asc, eq } from 'drizzle-orm';
import { isOwnAddress, type ResolvedConfig } from '../config.js';
import type { SupportDb } from '../db/index.js';
import { messages, type Message, type Ticket } from '../db/schema.js';
import type { PublicAgent } from './agents.js';
import type { SupportServices } from './services.js';
import { participantsOf, recordMessage } from './tickets.js';
import { taggedSubject, ticketReplyAddress, ticketScope } from './threading.js';

/** Core's reply extractor cuts a customer's reply at this line (text above it is the reply). */
export const REPLY_ABOVE_LINE = DEFAULT_REPLY_ABOVE_MARKER;

/** The signature every message of ours carries. */
export function footer(config: ResolvedConfig, ticket: Ticket): string {
  return `\n\n--\n${config.helpdeskName} · ticket [#${ticket.number}]\nReply to this email to add to the ticket.`;
}

async function conversationIds(db: SupportDb, ticketNumber: number): Promise<string[]> {
  const rows = await db
    .select({ messageId: messages.messageId })
    .from(messages)
    .where(eq(messages.ticketNumber, ticketNumber))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  return rows.map((r) => r.messageId).filter((id): id is string => !!id);
}

export interface AgentReplyInput {
  ticket: Ticket;
  agent: PublicAgent;
  text: string;
  /** Set when the reply came in by email from the agent. */
  inboundId?: string | null;
  now?: Date;
}

/** Requester (To) and at most `maxParticipants - 1` CC'd participants (Cc); never us, never the agent. */
async function recipientsOf(tx: SupportDb, config: ResolvedConfig, ticket: Ticket, agent: PublicAgent) {
  const people = await participantsOf(tx, ticket.number);
  const mailable = (p: { address: string }) => !isOwnAddress(config, p.address) && p.address !== agent.email;
  const requester = people.find((p) => p.role === 'requester' && mailable(p));
  const cc: EmailAddress[] = people
    .filter((p) => p.role === 'cc' && mailable(p))
    .map((p) => ({ address: p.address, name: p.name }));
  const to: EmailAddress[] = requester ? [{ address: requester.address, name: requester.name }] : cc.splice(0, 1);
  return { to, cc: cc.slice(0, Math.max(0, config.maxParticipants - 1)) };
}

/**
 * Sends an agent's reply (from the web, or by email) to the requester and the participants through the
 * Mailroom's mailer, threaded under the conversation (core's `conversationThreading`, Message-ID signed
 * with the ticket's scope), and records it — in `send.tx`, so mail and record commit together.
 */
export async function sendAgentReply(
  services: Pick<SupportServices, 'mailer' | 'replyAddresses'>,
  config: ResolvedConfig,
  input: AgentReplyInput,
  send: SendOptions & { tx: SupportDb },
): Promise<Message> {
  const { ticket, agent } = input;
  const { tx } = send;
  const { to, cc } = await recipientsOf(tx, config, ticket, agent);
  if (!to.length) throw new NoRecipientsError(ticket.number);
  const subject = replySubject(taggedSubject(ticket.subject, ticket.number));
  const text = `${REPLY_ABOVE_LINE}\n\n${input.text.trim()}${footer(config, ticket)}`;
  const { id, messageId } = await services.mailer.send(
    {
      from: { address: ticket.supportAddress, name: `${agent.name} (${config.helpdeskName})` },
      to,
      cc,
      replyTo: {
        address: ticketReplyAddress(services.replyAddresses, config.domain, ticket.number, to[0]!.address),
        name: config.helpdeskName,
      },
      subject,
      text,
      threadScope: ticketScope(ticket.number),
      ...conversationThreading(await conversationIds(tx, ticket.number)),
      customArgs: { support_ticket: String(ticket.number) },
    },
    send,
  );
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
    outboundId: id,
    inboundId: input.inboundId ?? null,
    recipients: [...to, ...cc].map((p) => p.address),
    ...(input.now ? { now: input.now } : {}),
  });
  if (!recorded) throw new Error(`agent reply on ticket ${ticket.number} was already recorded`);
  return recorded;
}

export class NoRecipientsError extends Error {
  override name = 'NoRecipientsError';
  constructor(readonly ticketNumber: number) {
    super(`ticket ${ticketNumber} has nobody to send a reply to`);
  }
}
