/**
 * Mail to a signed reply address. The route verified the token's signature and expiry
 * (`{ replyToken: 'token', requireSender: false }`: a thread's shared address is bound to the list, not
 * to a member); the binding to the sender and the sender's authenticity are checked per scope here.
 */
import { eq } from 'drizzle-orm';
import { listAddress } from '../config.js';
import { moderation, threads } from '../db/schema.js';
import { confirmMember, decide, listById, memberById, memberOf, splitScope, type List } from '../domain/index.js';
import { commandIn, firstWord, runCommand } from './commands.js';
import { screen } from './screen.js';
import { submissionOf, submit } from './submit.js';
import { afterCommitOf, type Inbound, type InboundResult } from './types.js';

export async function handleReply(inbound: Inbound, token: string, scope: string): Promise<InboundResult> {
  const [prefix, id] = splitScope(scope);
  const screened = await screen(inbound, () => listForScope(inbound, prefix, id));
  if (screened) return screened;
  const bound = inbound.services.replyAddresses.verify(token, { recipient: inbound.sender }).ok;
  if (prefix === 'mod') return moderationReply(inbound, id, bound);
  if (prefix === 's') return probeReply(inbound, id, bound);
  if (prefix === 't') return threadReply(inbound, token, id, bound);
  return { outcome: 'bounced', reason: `reply address scope "${prefix}" is not ours` };
}

/** A moderator's `approve`/`reject`: only from the moderator the notice went to, and only authenticated. */
async function moderationReply(inbound: Inbound, itemId: string, bound: boolean): Promise<InboundResult> {
  const { tx, sender, verdict } = inbound;
  if (!bound) return { outcome: 'ignored', reason: 'moderation reply from an address the notice was not sent to' };
  if (!verdict.aligned)
    return { outcome: 'ignored', reason: `moderation reply from an unauthenticated sender: ${verdict.reason}` };
  const [item] = await tx.select().from(moderation).where(eq(moderation.id, itemId));
  if (!item) return { outcome: 'ignored', reason: 'unknown moderation item' };
  const moderator = await memberOf(tx, item.listId, sender!);
  if (!moderator || moderator.status !== 'active' || moderator.role === 'member')
    return { outcome: 'ignored', reason: 'sender is not a moderator of this list' };
  const word = firstWord(inbound.email.reply().text || inbound.email.text || '');
  if (word !== 'approve' && word !== 'reject')
    return {
      outcome: 'ignored',
      reason: `moderation reply must start with "approve" or "reject" (got "${word.slice(0, 20)}")`,
    };
  const result = await decide(tx, inbound.services, item.id, word, sender!, afterCommitOf(inbound));
  if (!result.ok) return { outcome: 'ignored', reason: result.reason };
  return { outcome: 'moderated', moderationId: item.id, decision: word };
}

/** An answer to the bounce probe resumes a suspended subscription: from its member, authenticated. */
async function probeReply(inbound: Inbound, memberId: string, bound: boolean): Promise<InboundResult> {
  const member = await memberById(inbound.tx, memberId);
  if (!member || !bound || member.address !== inbound.sender)
    return { outcome: 'ignored', reason: 'confirmation from an address it was not sent to' };
  if (!inbound.verdict.aligned)
    return { outcome: 'ignored', reason: `probe answer from an unauthenticated sender: ${inbound.verdict.reason}` };
  const confirmed = await confirmMember(inbound.tx, member, 'reply');
  return {
    outcome: 'command',
    listId: member.listId,
    command: 'confirm',
    detail: confirmed ? 'subscription active' : `nothing to confirm (${member.status})`,
  };
}

/** A reply into a thread: the member's personal address, or the thread's shared one; anyone else's is held. */
async function threadReply(inbound: Inbound, token: string, threadId: string, bound: boolean): Promise<InboundResult> {
  const [thread] = await inbound.tx.select().from(threads).where(eq(threads.id, threadId));
  if (!thread) return { outcome: 'bounced', reason: 'thread no longer exists' };
  const list = (await listById(inbound.tx, thread.listId))!;
  const shared =
    !bound &&
    inbound.services.replyAddresses.verify(token, { recipient: listAddress(inbound.services.config, list.slug) }).ok;
  const forcedHold = bound || shared ? null : 'reply address was issued to a different address than the sender';
  const command = forcedHold ? null : commandIn(inbound.email, false);
  if (command) return runCommand(inbound, list, command);
  return submit(inbound, list, submissionOf(inbound, thread.id), forcedHold);
}

async function listForScope(inbound: Inbound, prefix: string, id: string): Promise<List | null> {
  const { tx } = inbound;
  if (prefix === 't') {
    const [thread] = await tx.select({ listId: threads.listId }).from(threads).where(eq(threads.id, id));
    return thread ? listById(tx, thread.listId) : null;
  }
  if (prefix === 's') {
    const member = await memberById(tx, id);
    return member ? listById(tx, member.listId) : null;
  }
  if (prefix === 'mod') {
    const [item] = await tx.select({ listId: moderation.listId }).from(moderation).where(eq(moderation.id, id));
    return item ? listById(tx, item.listId) : null;
  }
  return null;
}
