/**
 * The lists' domain operations, each inside the caller's transaction: publish a message (thread,
 * archive, fan-out job), hold a submission for moderation and decide on it, membership changes,
 * bounce scoring with suspension and probes, and the notices these send.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Mailer, MailerMessage, MessageIds, ReplyAddresses, Transaction } from '@mailroom/core';
import { listAddress, listIdOf, normalize, requestAddress, type ResolvedConfig } from './config.js';
import type { ListsDb } from './db/index.js';
import {
  distributions,
  lists,
  memberEvents,
  members,
  messages,
  moderation,
  threads,
  type MemberStatus,
  type Role,
  type Submission,
} from './db/schema.js';
import { randomToken, sha256, shortId } from './ids.js';

export type List = typeof lists.$inferSelect;
export type Member = typeof members.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type Thread = typeof threads.$inferSelect;
export type ModerationItem = typeof moderation.$inferSelect;

/** Registers work to run after the surrounding transaction committed. */
export type AfterCommit = (fn: () => unknown) => void;

export interface ListsServices {
  config: ResolvedConfig;
  mailer: Mailer;
  replyAddresses: ReplyAddresses;
  messageIds: MessageIds;
  /** Wakes the fan-out after a commit that created a distribution. */
  kickFanout(): void;
}

/** Scopes signed into reply addresses (≤ 18 bytes with prefix `reply`). */
export const scopes = {
  thread: (threadId: string) => `t:${threadId}`,
  moderation: (id: string) => `mod:${id}`,
  confirm: (memberId: string) => `s:${memberId}`,
  unsubscribe: (memberId: string) => `u:${memberId}`,
  archive: (memberId: string) => `a:${memberId}`,
  message: (messageId: string) => `m:${messageId}`,
};

const UNSUBSCRIBE_TTL = 400 * 24 * 3600;

export async function listBySlug(db: ListsDb, slug: string): Promise<List | null> {
  const [row] = await db.select().from(lists).where(eq(lists.slug, slug.toLowerCase()));
  return row ?? null;
}

export async function listById(db: ListsDb, id: string): Promise<List | null> {
  const [row] = await db.select().from(lists).where(eq(lists.id, id));
  return row ?? null;
}

export async function memberOf(db: ListsDb, listId: string, address: string): Promise<Member | null> {
  const [row] = await db.select().from(members).where(and(eq(members.listId, listId), eq(members.address, normalize(address))));
  return row ?? null;
}

export async function memberById(db: ListsDb, id: string): Promise<Member | null> {
  const [row] = await db.select().from(members).where(eq(members.id, id));
  return row ?? null;
}

export async function recordEvent(
  db: ListsDb,
  event: { listId: string; memberId?: string | null; address: string; kind: string; detail?: string; inboundId?: string | null },
): Promise<void> {
  await db.insert(memberEvents).values({
    listId: event.listId,
    memberId: event.memberId ?? null,
    address: normalize(event.address),
    kind: event.kind,
    detail: event.detail ?? '',
    inboundId: event.inboundId ?? null,
  });
}

export interface NewList {
  slug: string;
  name: string;
  description?: string;
  policy?: List['policy'];
  archive?: List['archive'];
}

export async function createList(db: ListsDb, input: NewList): Promise<List> {
  const [row] = await db
    .insert(lists)
    .values({
      id: shortId(),
      slug: input.slug.toLowerCase(),
      name: input.name,
      description: input.description ?? '',
      policy: input.policy ?? 'members',
      archive: input.archive ?? 'public',
    })
    .returning();
  return row!;
}

/** Adds or updates a member (admin action: active at once, no confirmation). */
export async function upsertMember(
  db: ListsDb,
  listId: string,
  input: { address: string; name?: string; role?: Role; status?: MemberStatus },
): Promise<Member> {
  const address = normalize(input.address);
  const [row] = await db
    .insert(members)
    .values({ id: shortId(), listId, address, name: input.name ?? '', role: input.role ?? 'member', status: input.status ?? 'active' })
    .onConflictDoUpdate({
      target: [members.listId, members.address],
      set: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        status: input.status ?? 'active',
        ...(input.status === undefined || input.status === 'active' ? { bounceScore: 0, confirmationTokenHash: null } : {}),
        updatedAt: sql`now()`,
      },
    })
    .returning();
  return row!;
}

export async function setMemberStatus(db: ListsDb, member: Member, status: MemberStatus, kind: string, detail = ''): Promise<void> {
  await db
    .update(members)
    .set({ status, updatedAt: sql`now()`, ...(status === 'active' ? { bounceScore: 0 } : {}) })
    .where(eq(members.id, member.id));
  await recordEvent(db, { listId: member.listId, memberId: member.id, address: member.address, kind, detail });
}

/** The headers every message leaving a list carries (RFC 2369, 2919, 8058; loop marker). */
export function listHeaders(config: ResolvedConfig, list: List, unsubscribeToken: string | null): Record<string, string> {
  const request = requestAddress(config, list.slug);
  const unsubscribe = unsubscribeToken
    ? `<${config.publicUrl}/unsubscribe/${unsubscribeToken}>, <mailto:${request}?subject=unsubscribe>`
    : `<mailto:${request}?subject=unsubscribe>`;
  return {
    'List-Id': `${phrase(list.name)} <${listIdOf(config, list.slug)}>`,
    'List-Archive': `<${config.publicUrl}/archive/${list.slug}>`,
    'List-Help': `<mailto:${request}?subject=help>`,
    'List-Unsubscribe': unsubscribe,
    ...(unsubscribeToken ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
    Precedence: 'list',
    'X-Loop': listAddress(config, list.slug),
    // Ask Exchange/Outlook not to answer list mail with out-of-office notices.
    'X-Auto-Response-Suppress': 'OOF, AutoReply',
  };
}

function phrase(name: string): string {
  return /^[\w .-]*$/.test(name) ? name : JSON.stringify(name.replace(/[\r\n]/g, ' '));
}

export function unsubscribeToken(services: ListsServices, member: Member): string {
  return services.replyAddresses.createToken({ scope: scopes.unsubscribe(member.id), recipient: member.address, ttlSeconds: UNSUBSCRIBE_TTL });
}

/** A member's read access to a members-only archive (`?access=`), carried in their List-Archive link. */
export function archiveAccessToken(services: ListsServices, member: Member): string {
  return services.replyAddresses.createToken({ scope: scopes.archive(member.id), recipient: member.address, ttlSeconds: UNSUBSCRIBE_TTL });
}

/** The member a one-click unsubscribe token was issued to, or null when it is not valid. */
export async function memberForUnsubscribeToken(db: ListsDb, services: ListsServices, token: string): Promise<Member | null> {
  const bare = services.replyAddresses.verify(token);
  if (!bare.ok || !bare.scope.startsWith('u:')) return null;
  const member = await memberById(db, bare.scope.slice(2));
  if (!member) return null;
  return services.replyAddresses.verify(token, { recipient: member.address }).ok ? member : null;
}

/** A mail from the list's `-request` address to one person (notices, confirmations, probes). */
function notice(
  services: ListsServices,
  list: List,
  to: { address: string; name?: string },
  content: { subject: string; text: string; replyTo?: string; unsubscribeToken?: string | null; kind: string; memberId?: string },
): MailerMessage {
  return {
    from: { address: requestAddress(services.config, list.slug), name: `${list.name} list` },
    to: to.name ? { address: to.address, name: to.name } : to.address,
    ...(content.replyTo ? { replyTo: content.replyTo } : {}),
    subject: content.subject,
    text: content.text,
    headers: { ...listHeaders(services.config, list, content.unsubscribeToken ?? null), 'Auto-Submitted': 'auto-generated' },
    customArgs: { lists_list: list.id, lists_notice: content.kind, ...(content.memberId ? { lists_member: content.memberId } : {}) },
  };
}

async function send(tx: ListsDb, services: ListsServices, afterCommit: AfterCommit, message: MailerMessage | MailerMessage[]): Promise<void> {
  const batch = Array.isArray(message) ? message : [message];
  if (batch.length === 0) return;
  await services.mailer.sendMany(batch, { tx: tx as unknown as Transaction, afterCommit });
}

export interface PublishResult {
  message: Message;
  thread: Thread;
}

/**
 * Archives a submission (new thread or reply) and schedules its redistribution. The fan-out itself
 * runs after commit, in chunks, so the inbound handler never waits for thousands of outbox rows.
 */
export async function publish(tx: ListsDb, services: ListsServices, list: List, submission: Submission, afterCommit: AfterCommit): Promise<PublishResult> {
  let thread: Thread | null = null;
  if (submission.threadId) {
    const [row] = await tx.select().from(threads).where(and(eq(threads.id, submission.threadId), eq(threads.listId, list.id)));
    thread = row ?? null;
  }
  if (!thread) {
    const [row] = await tx.insert(threads).values({ id: shortId(), listId: list.id, subject: submission.subject || '(no subject)' }).returning();
    thread = row!;
  }
  const id = shortId();
  const [message] = await tx
    .insert(messages)
    .values({
      id,
      threadId: thread.id,
      listId: list.id,
      authorAddress: normalize(submission.address),
      authorName: submission.name,
      subject: submission.subject || thread.subject,
      newText: submission.newText,
      fullText: submission.text,
      fullHtml: submission.html,
      inboundId: submission.inboundId,
      sourceMessageId: submission.sourceMessageId,
      messageId: services.messageIds.createMessageId(scopes.message(id)),
      inReplyTo: submission.inReplyTo,
    })
    .returning();
  const [updated] = await tx
    .update(threads)
    .set({ messageCount: sql`${threads.messageCount} + 1`, lastPostAt: sql`now()` })
    .where(eq(threads.id, thread.id))
    .returning();
  await tx.insert(distributions).values({ messageId: id, listId: list.id, replyTo: threadAddress(services, list, updated!) });
  afterCommit(() => services.kickFanout());
  return { message: message!, thread: updated! };
}

/** The thread's shared reply address (bound to the list address, so it identifies no member). */
export function threadAddress(services: ListsServices, list: List, thread: Thread): string {
  return services.replyAddresses.create({ scope: scopes.thread(thread.id), recipient: listAddress(services.config, list.slug) });
}

/** Messages of a thread, oldest first. */
export async function threadMessages(db: ListsDb, threadId: string): Promise<Message[]> {
  return db.select().from(messages).where(eq(messages.threadId, threadId)).orderBy(asc(messages.createdAt), asc(messages.id));
}

/** The Message-IDs a new message in `thread` refers to: the root first, then the most recent ones. */
export async function referencesFor(db: ListsDb, threadId: string, before: Message): Promise<{ inReplyTo: string | null; references: string[] }> {
  const all = (await threadMessages(db, threadId)).filter((m) => m.id !== before.id);
  if (all.length === 0) return { inReplyTo: null, references: [] };
  const ids = all.map((m) => m.messageId);
  const references = ids.length > 10 ? [ids[0]!, ...ids.slice(-9)] : ids;
  return { inReplyTo: ids[ids.length - 1]!, references };
}

/** Holds a submission for moderation and notifies the list's moderators (each with a personal reply address). */
export async function hold(
  tx: ListsDb,
  services: ListsServices,
  list: List,
  submission: Submission,
  reason: string,
  afterCommit: AfterCommit,
): Promise<ModerationItem> {
  const [item] = await tx
    .insert(moderation)
    .values({
      id: shortId(),
      listId: list.id,
      inboundId: submission.inboundId,
      sender: normalize(submission.address),
      subject: submission.subject,
      reason,
      submission,
    })
    .returning();
  const moderators = await tx
    .select()
    .from(members)
    .where(and(eq(members.listId, list.id), eq(members.status, 'active'), sql`${members.role} in ('moderator', 'owner')`));
  const excerpt = submission.newText.length > 2000 ? `${submission.newText.slice(0, 2000)}…` : submission.newText;
  await send(
    tx,
    services,
    afterCommit,
    moderators.map((moderator) =>
      notice(services, list, moderator, {
        kind: 'moderation',
        memberId: moderator.id,
        replyTo: services.replyAddresses.create({ scope: scopes.moderation(item!.id), recipient: moderator.address }),
        subject: `[${list.slug}] Held for moderation: ${submission.subject}`,
        text:
          `A message to ${listAddress(services.config, list.slug)} was held for moderation.\n\n` +
          `From: ${submission.name ? `${submission.name} <${submission.address}>` : submission.address}\n` +
          `Subject: ${submission.subject}\nReason: ${reason}\n\n${excerpt}\n\n` +
          `Reply to this message with "approve" or "reject" as the first word, or decide at\n` +
          `${services.config.publicUrl}/admin/lists/${list.slug}/moderation\n`,
      }),
    ),
  );
  return item!;
}

export type Decision = 'approve' | 'reject';

/** Approves (publishes) or rejects a pending item; false when it was already decided. */
export async function decide(
  tx: ListsDb,
  services: ListsServices,
  itemId: string,
  decision: Decision,
  decidedBy: string,
  afterCommit: AfterCommit,
): Promise<{ ok: true; item: ModerationItem; published: PublishResult | null } | { ok: false; reason: string }> {
  const [item] = await tx.select().from(moderation).where(eq(moderation.id, itemId)).for('update');
  if (!item) return { ok: false, reason: 'no such moderation item' };
  if (item.status !== 'pending') return { ok: false, reason: `already ${item.status}` };
  const list = await listById(tx, item.listId);
  if (!list) return { ok: false, reason: 'list deleted' };
  let published: PublishResult | null = null;
  if (decision === 'approve') published = await publish(tx, services, list, item.submission, afterCommit);
  const [updated] = await tx
    .update(moderation)
    .set({
      status: decision === 'approve' ? 'approved' : 'rejected',
      decidedBy,
      decidedAt: sql`now()`,
      messageId: published?.message.id ?? null,
    })
    .where(eq(moderation.id, item.id))
    .returning();
  return { ok: true, item: updated!, published };
}

/** Hard bounce = 1 point; at the threshold an active member is suspended and told by a probe. */
export async function registerBounce(
  tx: ListsDb,
  services: ListsServices,
  member: Member,
  detail: string,
  afterCommit: AfterCommit,
  inboundId: string | null = null,
): Promise<Member> {
  const [updated] = await tx
    .update(members)
    .set({ bounceScore: sql`${members.bounceScore} + 1`, lastBounceAt: sql`now()`, updatedAt: sql`now()` })
    .where(eq(members.id, member.id))
    .returning();
  await recordEvent(tx, { listId: member.listId, memberId: member.id, address: member.address, kind: 'bounce', detail, inboundId });
  if (updated!.status === 'active' && updated!.bounceScore >= services.config.bounceThreshold) {
    await setMemberStatus(tx, updated!, 'suspended', 'suspended', `bounce score ${updated!.bounceScore} ≥ ${services.config.bounceThreshold}`);
    const list = await listById(tx, member.listId);
    if (list) {
      await send(
        tx,
        services,
        afterCommit,
        notice(services, list, member, {
          kind: 'probe',
          memberId: member.id,
          replyTo: services.replyAddresses.create({ scope: scopes.confirm(member.id), recipient: member.address }),
          subject: `[${list.slug}] Your subscription is suspended: mail to you bounced`,
          text:
            `Mail from ${list.name} to ${member.address} has bounced ${updated!.bounceScore} times, so delivery is suspended.\n` +
            `If you receive this message, reply to it (any text) to resume your subscription.\n`,
        }),
      );
      await recordEvent(tx, { listId: list.id, memberId: member.id, address: member.address, kind: 'probe', detail: 'suspension notice sent' });
    }
    return { ...updated!, status: 'suspended' };
  }
  return updated!;
}

/** `subscribe` by email: a pending member and a confirmation round-trip (reply, or the web link). */
export async function requestSubscription(
  tx: ListsDb,
  services: ListsServices,
  list: List,
  address: string,
  name: string,
  afterCommit: AfterCommit,
): Promise<{ status: 'already-member' | 'confirmation-sent'; member: Member }> {
  const existing = await memberOf(tx, list.id, address);
  if (existing?.status === 'active') return { status: 'already-member', member: existing };
  const token = randomToken();
  let member: Member;
  if (existing) {
    [member] = (await tx
      .update(members)
      .set({ status: existing.status === 'suspended' ? 'suspended' : 'pending', confirmationTokenHash: sha256(token), updatedAt: sql`now()` })
      .where(eq(members.id, existing.id))
      .returning()) as [Member];
  } else {
    [member] = (await tx
      .insert(members)
      .values({ id: shortId(), listId: list.id, address: normalize(address), name, status: 'pending', confirmationTokenHash: sha256(token) })
      .returning()) as [Member];
  }
  await recordEvent(tx, { listId: list.id, memberId: member.id, address: member.address, kind: 'subscribe-requested' });
  await send(
    tx,
    services,
    afterCommit,
    notice(services, list, member, {
      kind: 'confirm',
      memberId: member.id,
      replyTo: services.replyAddresses.create({ scope: scopes.confirm(member.id), recipient: member.address }),
      subject: `[${list.slug}] Confirm your subscription`,
      text:
        `Someone (hopefully you) asked to subscribe ${member.address} to ${list.name}.\n\n` +
        `To confirm, reply to this message, or open ${services.config.publicUrl}/confirm/${token}\n` +
        `If you did not ask for this, ignore this message.\n`,
    }),
  );
  return { status: 'confirmation-sent', member };
}

/** Confirms a pending (or suspended) subscription: by reply (signed address) or web token. */
export async function confirmMember(tx: ListsDb, member: Member, how: string): Promise<boolean> {
  if (member.status !== 'pending' && member.status !== 'suspended') return false;
  await tx
    .update(members)
    .set({ status: 'active', bounceScore: 0, confirmationTokenHash: null, updatedAt: sql`now()` })
    .where(eq(members.id, member.id));
  await recordEvent(tx, { listId: member.listId, memberId: member.id, address: member.address, kind: 'confirmed', detail: how });
  return true;
}

export async function memberByConfirmationToken(db: ListsDb, token: string): Promise<Member | null> {
  const [row] = await db.select().from(members).where(eq(members.confirmationTokenHash, sha256(token)));
  return row ?? null;
}

export async function unsubscribe(tx: ListsDb, services: ListsServices, member: Member, how: string, afterCommit: AfterCommit, notify = true): Promise<void> {
  if (member.status === 'unsubscribed') return;
  await setMemberStatus(tx, member, 'unsubscribed', 'unsubscribed', how);
  const list = await listById(tx, member.listId);
  if (list && notify) {
    await send(
      tx,
      services,
      afterCommit,
      notice(services, list, member, {
        kind: 'goodbye',
        memberId: member.id,
        subject: `[${list.slug}] You are unsubscribed`,
        text: `${member.address} no longer receives mail from ${list.name}. To come back, send "subscribe" to ${requestAddress(services.config, list.slug)}.\n`,
      }),
    );
  }
}

export function helpText(config: ResolvedConfig, list: List): string {
  const request = requestAddress(config, list.slug);
  return (
    `${list.name} (${listAddress(config, list.slug)})\n${list.description ? `${list.description}\n` : ''}\n` +
    `Post: write to ${listAddress(config, list.slug)}. Reply to any list message to join its thread.\n` +
    `Commands (subject or first line, to ${request}):\n` +
    `  subscribe    join the list (you will be asked to confirm)\n` +
    `  unsubscribe  leave the list\n` +
    `  help         this message\n` +
    `Archive: ${config.publicUrl}/archive/${list.slug}\n`
  );
}

export async function sendHelp(tx: ListsDb, services: ListsServices, list: List, to: { address: string; name?: string }, afterCommit: AfterCommit): Promise<void> {
  await send(tx, services, afterCommit, notice(services, list, to, { kind: 'help', subject: `[${list.slug}] Help`, text: helpText(services.config, list) }));
}
