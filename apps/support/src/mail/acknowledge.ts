import type { ReplyOutcome } from '@mailroom/core/outbound';
import type { ResolvedConfig } from '../config.js';
import type { Ticket } from '../db/schema.js';
import { footer, REPLY_ABOVE_LINE } from '../domain/replies.js';
import { taggedSubject, ticketReplyAddress, ticketScope } from '../domain/threading.js';
import { recordMessage } from '../domain/tickets.js';
import type { Inbound, MailDeps } from './inbound.js';

const NEXT_STEPS = 'An agent will answer soon. To add anything, just reply to this email.';

/** For an authenticated sender: their name and subject (header-safe, as stored on the ticket). */
function personalText(config: ResolvedConfig, ticket: Ticket): string {
  return (
    `${REPLY_ABOVE_LINE}\n\nHello${ticket.requesterName ? ` ${ticket.requesterName}` : ''},\n\n` +
    `we received your message and opened ticket [#${ticket.number}]: "${ticket.subject}".\n${NEXT_STEPS}${footer(config, ticket)}`
  );
}

/** For an unauthenticated sender (From may be forged): nothing they chose, so a forger cannot make us carry their text. */
function fixedText(config: ResolvedConfig, ticket: Ticket): string {
  return (
    `${REPLY_ABOVE_LINE}\n\nHello,\n\nwe received a message from this address and opened ticket [#${ticket.number}].\n${NEXT_STEPS}\n` +
    `If you did not write to us, please ignore this email.${footer(config, ticket)}`
  );
}

/**
 * The one acknowledgement a new ticket gets, as an automatic reply (`ctx.autoReply`): refused for anything
 * but a human, and capped per recipient and for all recipients together (the loop breaker, and the bound
 * on what forged senders can make us send). Threaded under the customer's mail, Message-ID signed with
 * the ticket, a reply address issued to the requester. Recorded on the ticket when queued.
 */
export async function acknowledge(
  inbound: Inbound,
  deps: MailDeps,
  ticket: Ticket,
  aligned: boolean,
): Promise<ReplyOutcome> {
  const { config, services } = deps;
  const subject = aligned
    ? taggedSubject(ticket.subject, ticket.number)
    : `[#${ticket.number}] We received your message`;
  const text = aligned ? personalText(config, ticket) : fixedText(config, ticket);
  const outcome = await inbound.ctx.autoReply(
    {
      subject,
      text,
      replyTo: {
        address: ticketReplyAddress(services.replyAddresses, config.domain, ticket.number, ticket.requesterAddress),
        name: config.helpdeskName,
      },
      customArgs: { support_ticket: String(ticket.number) },
    },
    {
      scope: ticketScope(ticket.number),
      from: { address: ticket.supportAddress, name: config.helpdeskName },
      to: { address: ticket.requesterAddress, name: aligned ? ticket.requesterName : '' },
    },
  );
  if (!outcome.sent) return outcome;
  await recordMessage(inbound.tx, {
    ticketNumber: ticket.number,
    direction: 'outbound',
    kind: 'ack',
    author: { address: ticket.supportAddress, name: config.helpdeskName },
    bodyText: text,
    fullText: text,
    subject,
    messageId: outcome.messageId,
    outboundId: outcome.id,
    recipients: [ticket.requesterAddress],
  });
  return outcome;
}
