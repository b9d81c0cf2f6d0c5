/** A post (to the list address, or through a thread's reply address): published, or held for moderation. */
import { and, eq } from 'drizzle-orm';
import { sanitizeHeaderText } from '@mailroom/core/outbound';
import { messages, type Submission } from '../db/schema.js';
import { hold, memberOf, publish, type List, type Member } from '../domain/index.js';
import { afterCommitOf, type Inbound, type InboundResult } from './types.js';

export function submissionOf(inbound: Inbound, threadId: string | null): Submission {
  const { email } = inbound;
  return {
    address: inbound.sender!,
    name: sanitizeHeaderText(email.from?.name ?? ''),
    subject: email.subject,
    text: email.text,
    html: email.html,
    newText: email.reply().text.trim() || (email.text ?? '').trim(),
    inboundId: inbound.ctx.id,
    sourceMessageId: email.messageId,
    threadId,
    inReplyTo: email.inReplyTo,
  };
}

/**
 * Why a submission goes to the moderation queue rather than to every member, or null to publish it.
 * An unaligned sender (From not vouched for by DKIM or SPF) never publishes directly: From is trivially
 * forged, and a forged member post would otherwise reach every member.
 */
function holdReason(inbound: Inbound, list: List, member: Member | null): string | null {
  const { kind } = inbound.classification;
  if (kind === 'list') return 'sent through another mailing list';
  if (kind === 'bulk') return 'bulk mail';
  if (!member) return 'sender is not a member';
  if (member.status !== 'active') return `sender's membership is ${member.status}`;
  if (!inbound.verdict.aligned) return `sender not authenticated: ${inbound.verdict.reason}`;
  if (list.policy === 'announce' && member.role === 'member')
    return 'announce-only list: only moderators and owners post';
  if (list.policy === 'moderated' && member.role === 'member') return 'moderated list';
  return null;
}

/** Posting policy; `forcedHold` sends it to moderation whatever the policy (e.g. a reply address issued to someone else). */
export async function submit(
  inbound: Inbound,
  list: List,
  submission: Submission,
  forcedHold: string | null = null,
): Promise<InboundResult> {
  const { tx, services } = inbound;
  if (submission.sourceMessageId) {
    const [seen] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.listId, list.id), eq(messages.sourceMessageId, submission.sourceMessageId)));
    if (seen) return { outcome: 'ignored', reason: `duplicate of message ${seen.id}` };
  }
  const member = await memberOf(tx, list.id, submission.address);
  const reason = forcedHold ?? holdReason(inbound, list, member);
  if (reason) {
    const { item } = await hold(tx, services, list, submission, reason, afterCommitOf(inbound));
    return { outcome: 'held', listId: list.id, moderationId: item.id, reason };
  }
  const { message, thread } = await publish(tx, services, list, submission, afterCommitOf(inbound));
  return { outcome: 'published', listId: list.id, threadId: thread.id, messageId: message.id };
}
