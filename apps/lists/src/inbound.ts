/**
 * What an inbound email does to a list. Order of checks (first match decides):
 * bounce (DSN → bounce score) → our own List-Id or loop marker (drop) → out-of-office / auto-reply
 * (recorded, never redistributed) → signed reply address (moderation decision, subscription
 * confirmation, thread reply) → commands → other lists' and bulk mail (moderation) → posting policy.
 */
import { and, eq } from 'drizzle-orm';
import type { InboundEmail, Logger } from '@mailroom/core';
import { listAddress, normalize, type ResolvedConfig } from './config.js';
import type { ListsDb } from './db/index.js';
import { members, messages, moderation, threads, type Submission } from './db/schema.js';
import {
  confirmMember,
  decide,
  hold,
  listById,
  listBySlug,
  memberById,
  memberOf,
  publish,
  recordEvent,
  registerBounce,
  requestSubscription,
  sendHelp,
  unsubscribe,
  type AfterCommit,
  type List,
  type ListsServices,
  type Member,
} from './service.js';

export type Destination = { kind: 'list'; slug: string } | { kind: 'request'; slug: string } | { kind: 'reply'; token: string };

export interface InboundInput {
  id: string;
  email: InboundEmail;
  tx: ListsDb;
  afterCommit: AfterCommit;
  log: Logger;
}

/** What happened; also the mailroom outcome (`ignored`/`bounced` carry the reason). */
export type InboundResult =
  | { outcome: 'published'; listId: string; threadId: string; messageId: string }
  | { outcome: 'held'; listId: string; moderationId: string; reason: string }
  | { outcome: 'moderated'; moderationId: string; decision: 'approve' | 'reject' }
  | { outcome: 'command'; listId: string; command: string; detail: string }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'bounced'; reason: string };

const COMMANDS = ['subscribe', 'unsubscribe', 'help'] as const;
type Command = (typeof COMMANDS)[number];

export async function handleInbound(input: InboundInput, services: ListsServices, destination: Destination): Promise<InboundResult> {
  const { email, tx } = input;
  const { config } = services;
  const sender = email.from?.address ? normalize(email.from.address) : null;
  const routeList = destination.kind === 'reply' ? null : await listBySlug(tx, destination.slug);
  if (destination.kind !== 'reply' && !routeList) return { outcome: 'bounced', reason: `no list named "${destination.slug}"` };

  const classification = email.classify({ ownDomains: [config.domain] });
  if (classification.kind === 'bounce') return handleDsn(input, services, routeList);
  const ownListId = ownListIdIn(email, config);
  if (ownListId) return { outcome: 'ignored', reason: `loop: carries our own List-Id <${ownListId}>` };
  if (classification.kind === 'loop') return { outcome: 'ignored', reason: `loop: ${classification.reasons.join('; ')}` };
  if (!sender) return { outcome: 'ignored', reason: 'no sender address' };

  if (classification.kind === 'out-of-office' || classification.kind === 'auto-reply') {
    const list = routeList ?? (await listForToken(tx, services, destination));
    const member = list ? await memberOf(tx, list.id, sender) : null;
    if (list && member) {
      await recordEvent(tx, { listId: list.id, memberId: member.id, address: sender, kind: classification.kind, detail: email.subject, inboundId: input.id });
    }
    return { outcome: 'ignored', reason: `${classification.kind}: ${classification.reasons[0] ?? ''}`.trim() };
  }

  if (destination.kind === 'reply') return handleToken(input, services, destination.token, sender, classification.kind);

  const list = routeList!;
  const command = commandIn(email, destination.kind === 'request');
  if (command) return runCommand(input, services, list, command, sender);
  if (destination.kind === 'request') return { outcome: 'ignored', reason: 'request address: no command' };

  let threadId: string | null = null;
  for (const verified of services.messageIds.verifyMessageIds(email)) {
    if (!verified.scope.startsWith('m:')) continue;
    const [row] = await tx.select({ threadId: messages.threadId }).from(messages).where(and(eq(messages.id, verified.scope.slice(2)), eq(messages.listId, list.id)));
    if (row) {
      threadId = row.threadId;
      break;
    }
  }
  return submit(input, services, list, submissionOf(input, sender, threadId), classification.kind, null);
}

function submissionOf(input: InboundInput, sender: string, threadId: string | null): Submission {
  const { email } = input;
  return {
    address: sender,
    name: email.from?.name ?? '',
    subject: email.subject,
    text: email.text,
    html: email.html,
    newText: email.reply().text.trim() || (email.text ?? '').trim(),
    inboundId: input.id,
    sourceMessageId: email.messageId,
    threadId,
    inReplyTo: email.inReplyTo,
  };
}

/** Posting policy; `heldReason` forces moderation (e.g. a reply address issued to someone else). */
async function submit(
  input: InboundInput,
  services: ListsServices,
  list: List,
  submission: Submission,
  kind: string,
  heldReason: string | null,
): Promise<InboundResult> {
  const { tx } = input;
  if (submission.sourceMessageId) {
    const [seen] = await tx.select({ id: messages.id }).from(messages).where(and(eq(messages.listId, list.id), eq(messages.sourceMessageId, submission.sourceMessageId)));
    if (seen) return { outcome: 'ignored', reason: `duplicate of message ${seen.id}` };
  }
  const member = await memberOf(tx, list.id, submission.address);
  const reason =
    heldReason ??
    (kind === 'list' ? 'sent through another mailing list' : null) ??
    (kind === 'bulk' ? 'bulk mail' : null) ??
    (!member ? 'sender is not a member' : null) ??
    (member!.status !== 'active' ? `sender's membership is ${member!.status}` : null) ??
    (list.policy === 'announce' && member!.role === 'member' ? 'announce-only list: only moderators and owners post' : null) ??
    (list.policy === 'moderated' && member!.role === 'member' ? 'moderated list' : null);
  if (reason) {
    const item = await hold(tx, services, list, submission, reason, input.afterCommit);
    return { outcome: 'held', listId: list.id, moderationId: item.id, reason };
  }
  const { message, thread } = await publish(tx, services, list, submission, input.afterCommit);
  return { outcome: 'published', listId: list.id, threadId: thread.id, messageId: message.id };
}

async function handleToken(input: InboundInput, services: ListsServices, token: string, sender: string, kind: string): Promise<InboundResult> {
  const { tx, email } = input;
  const bare = services.replyAddresses.verify(token);
  if (!bare.ok) return { outcome: 'bounced', reason: `reply address not valid (${bare.reason})` };
  const bound = services.replyAddresses.verify(token, { recipient: sender });
  const [prefix, id = ''] = splitScope(bare.scope);

  if (prefix === 'mod') {
    if (!bound.ok) return { outcome: 'ignored', reason: 'moderation reply from an address the notice was not sent to' };
    const [item] = await tx.select().from(moderation).where(eq(moderation.id, id));
    if (!item) return { outcome: 'ignored', reason: 'unknown moderation item' };
    const moderator = await memberOf(tx, item.listId, sender);
    if (!moderator || moderator.status !== 'active' || moderator.role === 'member') return { outcome: 'ignored', reason: 'sender is not a moderator of this list' };
    const word = firstWord(email.reply().text || email.text || '');
    if (word !== 'approve' && word !== 'reject') return { outcome: 'ignored', reason: `moderation reply must start with "approve" or "reject" (got "${word}")` };
    const result = await decide(tx, services, item.id, word, sender, input.afterCommit);
    if (!result.ok) return { outcome: 'ignored', reason: result.reason };
    return { outcome: 'moderated', moderationId: item.id, decision: word };
  }

  if (prefix === 's') {
    const member = await memberById(tx, id);
    if (!member || !bound.ok || member.address !== sender) return { outcome: 'ignored', reason: 'confirmation from an address it was not sent to' };
    const confirmed = await confirmMember(tx, member, 'reply');
    return { outcome: 'command', listId: member.listId, command: 'confirm', detail: confirmed ? 'subscription active' : `nothing to confirm (${member.status})` };
  }

  if (prefix === 't') {
    const [thread] = await tx.select().from(threads).where(eq(threads.id, id));
    if (!thread) return { outcome: 'bounced', reason: 'thread no longer exists' };
    const list = (await listById(tx, thread.listId))!;
    let heldReason: string | null = null;
    if (!bound.ok) {
      // Not the sender's personal address: the thread's shared address, or someone else's personal one.
      const shared = services.replyAddresses.verify(token, { recipient: listAddress(services.config, list.slug) });
      if (!shared.ok) heldReason = 'reply address was issued to a different address than the sender';
    }
    const command = commandIn(email, false);
    if (command && !heldReason) return runCommand(input, services, list, command, sender);
    return submit(input, services, list, submissionOf(input, sender, thread.id), kind, heldReason);
  }
  return { outcome: 'bounced', reason: `reply address scope "${prefix}" is not ours` };
}

async function listForToken(tx: ListsDb, services: ListsServices, destination: Destination): Promise<List | null> {
  if (destination.kind !== 'reply') return null;
  const verified = services.replyAddresses.verify(destination.token);
  if (!verified.ok) return null;
  const [prefix, id = ''] = splitScope(verified.scope);
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

function splitScope(scope: string): [string, string?] {
  const colon = scope.indexOf(':');
  return colon < 0 ? [scope] : [scope.slice(0, colon), scope.slice(colon + 1)];
}

function firstWord(text: string): string {
  return (text.trim().split(/\s+/)[0] ?? '').toLowerCase().replace(/[^a-z]/g, '');
}

/**
 * A command: the subject, or a short first line of the body (Discourse's rule: the whole subject or
 * body is the command). On the `-request` address any first word counts.
 */
function commandIn(email: InboundEmail, requestAddress: boolean): Command | null {
  const subject = email.subject.trim().toLowerCase();
  if ((COMMANDS as readonly string[]).includes(subject)) return subject as Command;
  const body = (email.reply().text || email.text || '').trim();
  const firstLine = (body.split(/\r?\n/)[0] ?? '').trim().toLowerCase();
  if ((COMMANDS as readonly string[]).includes(firstLine) && (requestAddress || body.length <= 40)) return firstLine as Command;
  if (requestAddress) {
    const word = firstWord(subject) || firstWord(firstLine);
    if ((COMMANDS as readonly string[]).includes(word)) return word as Command;
    return 'help';
  }
  return null;
}

async function runCommand(input: InboundInput, services: ListsServices, list: List, command: Command, sender: string): Promise<InboundResult> {
  const { tx, email, afterCommit } = input;
  if (command === 'help') {
    await sendHelp(tx, services, list, { address: sender, name: email.from?.name ?? '' }, afterCommit);
    return { outcome: 'command', listId: list.id, command, detail: 'help sent' };
  }
  if (command === 'subscribe') {
    const result = await requestSubscription(tx, services, list, sender, email.from?.name ?? '', afterCommit);
    return { outcome: 'command', listId: list.id, command, detail: result.status };
  }
  const member = await memberOf(tx, list.id, sender);
  if (!member || member.status === 'unsubscribed') return { outcome: 'command', listId: list.id, command, detail: 'not a member' };
  await unsubscribe(tx, services, member, 'email command', afterCommit);
  return { outcome: 'command', listId: list.id, command, detail: 'unsubscribed' };
}

function ownListIdIn(email: InboundEmail, config: ResolvedConfig): string | null {
  for (const value of email.headerValues('list-id')) {
    const id = /<([^<>]+)>/.exec(value)?.[1]?.trim().toLowerCase() ?? value.trim().toLowerCase();
    if (id.endsWith(`.${config.domain}`)) return id;
  }
  return null;
}

/**
 * A delivery status notification: every failed recipient who is a member (of the list the bounced
 * message came from, found through its signed Message-ID, else of the list it was sent to, else of
 * any list) gets a bounce point. Delays are not failures.
 */
async function handleDsn(input: InboundInput, services: ListsServices, routeList: List | null): Promise<InboundResult> {
  const { tx } = input;
  const report = await input.email.deliveryReport();
  if (!report) return { outcome: 'ignored', reason: 'bounce without a readable delivery report' };
  let list = routeList;
  if (report.originalMessageId) {
    const verified = services.messageIds.verifyMessageId(report.originalMessageId);
    if (verified?.scope.startsWith('m:')) {
      const [row] = await tx.select({ listId: messages.listId }).from(messages).where(eq(messages.id, verified.scope.slice(2)));
      if (row) list = await listById(tx, row.listId);
    }
  }
  const failed = report.recipients.filter((r) => r.action === 'failed');
  const counted: string[] = [];
  for (const recipient of failed) {
    const address = normalize(recipient.address);
    const candidates: Member[] = list
      ? [await memberOf(tx, list.id, address)].filter((m): m is Member => m !== null)
      : await tx.select().from(members).where(eq(members.address, address));
    for (const member of candidates) {
      await registerBounce(tx, services, member, `DSN ${recipient.status ?? ''} ${recipient.diagnostic ?? ''}`.trim(), input.afterCommit, input.id);
      counted.push(member.address);
    }
  }
  return { outcome: 'ignored', reason: counted.length ? `bounce recorded for ${counted.join(', ')}` : 'bounce for no member' };
}

/** Event Webhook: bounce/dropped raise the score; spam reports unsubscribe (no notice: they asked us to stop). */
export async function handleDeliveryEvent(
  tx: ListsDb,
  services: ListsServices,
  event: { kind: 'bounce' | 'dropped' | 'spamreport'; email: string | null; detail: string; customArgs: Record<string, unknown> },
  afterCommit: AfterCommit,
): Promise<string> {
  const memberArg = event.customArgs.lists_member;
  const listArg = event.customArgs.lists_list;
  let member: Member | null = typeof memberArg === 'string' ? await memberById(tx, memberArg) : null;
  if (!member && typeof listArg === 'string' && event.email) member = await memberOf(tx, listArg, event.email);
  if (!member) return 'no member';
  if (event.email && normalize(event.email) !== member.address) return 'event address does not match the member';
  if (event.kind === 'spamreport') {
    await recordEvent(tx, { listId: member.listId, memberId: member.id, address: member.address, kind: 'spam-report', detail: event.detail });
    await unsubscribe(tx, services, member, 'spam report', afterCommit, false);
    return 'unsubscribed';
  }
  const updated = await registerBounce(tx, services, member, `${event.kind}: ${event.detail}`, afterCommit);
  return `bounce score ${updated.bounceScore} (${updated.status})`;
}

