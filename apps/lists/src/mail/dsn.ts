import { eq } from 'drizzle-orm';
import { normalize } from '../config.js';
import { members, messages } from '../db/schema.js';
import { listById, memberOf, registerBounce, type List, type Member } from '../domain/index.js';
import { afterCommitOf, type Inbound, type InboundResult } from './types.js';

/**
 * A delivery status notification: every failed recipient who is a member (of the list the bounced
 * message came from, found through its signed Message-ID, else of the list it was sent to, else of
 * any list) gets a bounce point. Delays are not failures.
 */
export async function handleDsn(inbound: Inbound, routeList: List | null): Promise<InboundResult> {
  const { tx, services } = inbound;
  const report = await inbound.email.deliveryReport();
  if (!report) return { outcome: 'ignored', reason: 'bounce without a readable delivery report' };
  const list = (await listOfBouncedMessage(inbound, report.originalMessageId)) ?? routeList;
  const counted: string[] = [];
  for (const recipient of report.recipients.filter((r) => r.action === 'failed')) {
    const address = normalize(recipient.address);
    const candidates: Member[] = list
      ? [await memberOf(tx, list.id, address)].filter((m): m is Member => m !== null)
      : await tx.select().from(members).where(eq(members.address, address));
    for (const member of candidates) {
      await registerBounce(tx, services, member, `DSN ${recipient.status ?? ''} ${recipient.diagnostic ?? ''}`.trim(), afterCommitOf(inbound), inbound.ctx.id);
      counted.push(member.address);
    }
  }
  return { outcome: 'ignored', reason: counted.length ? `bounce recorded for ${counted.join(', ')}` : 'bounce for no member' };
}

async function listOfBouncedMessage(inbound: Inbound, originalMessageId: string | null | undefined): Promise<List | null> {
  const verified = originalMessageId ? inbound.services.messageIds.verifyMessageId(originalMessageId) : null;
  if (!verified?.scope.startsWith('m:')) return null;
  const [row] = await inbound.tx.select({ listId: messages.listId }).from(messages).where(eq(messages.id, verified.scope.slice(2)));
  return row ? listById(inbound.tx, row.listId) : null;
}
