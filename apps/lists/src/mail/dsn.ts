import { eq } from 'drizzle-orm';
import { sentTo } from '@mailroom/core/outbound';
import { normalize } from '../config.js';
import { messages } from '../db/schema.js';
import { memberOf, registerMessageBounce } from '../domain/index.js';
import { afterCommitOf, type Inbound, type InboundResult } from './types.js';

type BouncedMessage = Pick<typeof messages.$inferSelect, 'id' | 'listId' | 'messageId'>;

/**
 * A delivery status notification. Anyone can write one, so a failed recipient gets a bounce point only when the
 * report is provably about mail we sent them: it names a signed Message-ID of one of our list messages (in its
 * returned headers, In-Reply-To or References), and the outbox holds a sent copy of that message to that
 * recipient (core's `sentTo`). Each message counts once per member. Anything else is ignored with the reason.
 * Delays are not failures.
 */
export async function handleDsn(inbound: Inbound): Promise<InboundResult> {
  const report = await inbound.email.deliveryReport();
  if (!report) return { outcome: 'ignored', reason: 'bounce without a readable delivery report' };
  const failed = report.recipients.filter((r) => r.action === 'failed');
  if (!failed.length)
    return { outcome: 'ignored', reason: 'bounce without a failed recipient (delays are not failures)' };
  const message = await bouncedMessage(inbound, report.originalMessageId);
  if (!message)
    return { outcome: 'ignored', reason: 'bounce ignored: it names no signed Message-ID of a list message of ours' };

  const proven = new Set(
    await sentTo(
      inbound.tx,
      message.messageId,
      failed.map((r) => r.address),
    ),
  );
  const counted: string[] = [];
  const repeated: string[] = [];
  for (const recipient of failed) {
    const address = normalize(recipient.address);
    const member = proven.has(address) ? await memberOf(inbound.tx, message.listId, address) : null;
    if (!member) continue;
    const detail = `DSN ${recipient.status ?? ''} ${recipient.diagnostic ?? ''}`.trim();
    const updated = await registerMessageBounce(
      inbound.tx,
      inbound.services,
      member,
      message.id,
      detail,
      afterCommitOf(inbound),
      inbound.ctx.id,
    );
    (updated ? counted : repeated).push(member.address);
  }
  return { outcome: 'ignored', reason: outcomeOf(counted, repeated, failed.length) };
}

function outcomeOf(counted: string[], repeated: string[], failed: number): string {
  const parts = [
    ...(counted.length ? [`bounce recorded for ${counted.join(', ')}`] : []),
    ...(repeated.length ? [`already counted for this message: ${repeated.join(', ')}`] : []),
  ];
  const unproven = failed - counted.length - repeated.length;
  if (unproven) parts.push(`${unproven} failed recipient(s) ignored: we did not send them this message`);
  return parts.join('; ');
}

/** The list message a report is about: the first of its ids that is our signed `m:` Message-ID of a stored message. */
async function bouncedMessage(inbound: Inbound, originalMessageId: string | null): Promise<BouncedMessage | null> {
  const { email, services, tx } = inbound;
  const ids = [originalMessageId, email.inReplyTo, ...[...email.references].reverse()]
    .filter((id): id is string => !!id)
    .slice(0, 20);
  for (const id of ids) {
    const verified = services.messageIds.verifyMessageId(id);
    if (!verified?.scope.startsWith('m:')) continue;
    const [row] = await tx
      .select({ id: messages.id, listId: messages.listId, messageId: messages.messageId })
      .from(messages)
      .where(eq(messages.id, verified.scope.slice(2)));
    if (row) return row;
  }
  return null;
}
