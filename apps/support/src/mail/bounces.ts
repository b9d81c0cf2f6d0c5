import { type Queryable } from '@mailroom/core';
import { type EventHandlerRegistry } from '@mailroom/core/events';
import { sentTo } from '@mailroom/core/outbound';
import { normalizeAddress } from '@mailroom/core/text';
import { markUndeliverable } from '../domain/addresses.js';
import { storedSubject, ticketFromScope } from '../domain/threading.js';
import { recordMessage, ticketByNumber } from '../domain/tickets.js';
import type { Inbound, InboundResult, MailDeps } from './inbound.js';

/**
 * The ticket and message a delivery report is about: the first of its ids (returned headers, In-Reply-To,
 * References) that is a signed Message-ID of ours naming an existing ticket (anyone can forge a DSN).
 */
async function reportedMessage(
  { ctx, tx }: Inbound,
  deps: MailDeps,
  originalMessageId: string | null,
): Promise<{ ticket: number; messageId: string } | null> {
  const ids = [originalMessageId, ctx.email.inReplyTo, ...[...ctx.email.references].reverse()]
    .filter((x): x is string => !!x)
    .slice(0, 20);
  for (const id of ids) {
    const verified = deps.services.messageIds.verifyMessageId(id);
    const ticket = verified ? ticketFromScope(verified.scope) : null;
    if (ticket !== null && (await ticketByNumber(tx, ticket))) return { ticket, messageId: verified!.messageId };
  }
  return null;
}

const ignore = (inbound: Inbound, reason: string): InboundResult => {
  inbound.ctx.ignore(reason);
  return { action: 'ignored', reason };
};

/**
 * A DSN about our mail: permanent failures of recipients we sent that very message to (core's `sentTo` on the
 * outbox) make the address undeliverable, and the ticket says so. A failure naming anyone else is not ours to believe.
 */
export async function handleDeliveryReport(inbound: Inbound, deps: MailDeps): Promise<InboundResult> {
  const { ctx, tx } = inbound;
  const report = await ctx.email.deliveryReport();
  const about = await reportedMessage(inbound, deps, report?.originalMessageId ?? null);
  if (about === null) return ignore(inbound, 'delivery report for mail that is not ours');
  const { ticket } = about;
  // Only permanent failures: a delay or a 4.x.x will be retried by the MTA.
  const permanent = (report?.recipients ?? []).filter((r) => r.permanent).slice(0, deps.config.maxParticipants);
  const proven = new Set(
    await sentTo(
      tx,
      about.messageId,
      permanent.map((r) => r.address),
    ),
  );
  const failed = permanent.filter((r) => proven.has(normalizeAddress(r.address)));
  if (permanent.length && !failed.length)
    return ignore(inbound, `delivery report names nobody we sent that message to (ticket #${ticket})`);
  for (const r of failed) {
    await markUndeliverable(tx, {
      address: r.address,
      reason: r.diagnostic || r.status || 'delivery failed',
      ticketNumber: ticket,
    });
  }
  const lines = failed.length
    ? failed.map((r) => `Delivery to ${r.address} failed: ${r.diagnostic || r.status || 'no reason given'}`)
    : ['A delivery failure report arrived for this ticket.'];
  await recordMessage(tx, {
    ticketNumber: ticket,
    direction: 'system',
    kind: 'bounce',
    ...(ctx.email.from ? { author: ctx.email.from } : {}),
    bodyText: lines.join('\n'),
    fullText: ctx.email.text,
    subject: storedSubject(ctx.email.subject),
    inboundId: ctx.id,
    messageId: ctx.email.messageId,
  });
  ctx.log.info('support.bounce', { ticket, addresses: failed.map((r) => r.address) });
  return { action: 'bounce', ticket, addresses: failed.map((r) => r.address) };
}

export interface BounceEventInput {
  email: string;
  reason?: string | null;
  status?: string | null;
  /** Custom arg `support_ticket` of the mail that bounced. */
  ticket?: unknown;
}

/** A bounce reported by SendGrid's Event Webhook for mail we sent (custom arg `support_ticket`). */
export async function handleBounceEvent(tx: Queryable, event: BounceEventInput): Promise<void> {
  const arg = typeof event.ticket === 'string' || typeof event.ticket === 'number' ? String(event.ticket) : '';
  const ticket = /^\d{1,9}$/.test(arg) ? Number(arg) : null;
  const reason = event.reason || event.status || 'bounced';
  await markUndeliverable(tx, { address: event.email, reason, ticketNumber: ticket });
  if (ticket !== null && (await ticketByNumber(tx, ticket))) {
    await recordMessage(tx, {
      ticketNumber: ticket,
      direction: 'system',
      kind: 'bounce',
      bodyText: `Delivery to ${event.email} failed: ${reason} (Event Webhook)`,
    });
  }
}

/** Event Webhook: hard `bounce` and `dropped` events for our mail mark the address undeliverable, in the event's transaction. */
export function registerBounceEvents(events: EventHandlerRegistry): void {
  events.on('bounce', async (event, { tx }) => {
    // `blocked` is usually our reputation or content, not a dead mailbox.
    if (event.type !== 'bounce' || !event.email) return;
    await handleBounceEvent(tx, {
      email: event.email,
      reason: event.reason,
      status: event.status,
      ticket: event.customArgs?.support_ticket,
    });
  });
  events.on('dropped', async (event, { tx }) => {
    if (!event.email) return;
    await handleBounceEvent(tx, {
      email: event.email,
      reason: `dropped: ${event.reason ?? 'no reason'}`,
      ticket: event.customArgs?.support_ticket,
    });
  });
}
