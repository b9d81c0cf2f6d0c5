/** Membership changes: pending subscriptions, confirmation, unsubscribe, bounce scoring with suspension and probes. */
import { and, eq, like, sql } from 'drizzle-orm';
import { listAddress, normalize, requestAddress, type ResolvedConfig } from '../config.js';
import type { ListsDb } from '../db/index.js';
import { memberEvents, members } from '../db/schema.js';
import { listHeaders, requestFrom } from './headers.js';
import { shortId } from './ids.js';
import { listById, memberOf, recordEvent, setMemberStatus, type List, type Member } from './lists.js';
import { scopes, type AfterCommit, type ListsServices } from './services.js';

/**
 * Who a `subscribe` request is for, before anything is stored: the existing member, or a new id. The
 * pending row is written only once the confirmation mail was queued (`markPending`), so requests our
 * automatic-reply limits refuse leave nothing behind.
 */
export async function subscriptionCandidate(
  db: ListsDb,
  list: List,
  address: string,
): Promise<{ member: Pick<Member, 'id' | 'address'>; existing: Member | null }> {
  const existing = await memberOf(db, list.id, address);
  return { member: existing ?? { id: shortId(), address: normalize(address) }, existing };
}

/** Records a subscription waiting for its link to be opened (a suspended member stays suspended until then). */
export async function markPending(
  tx: ListsDb,
  list: List,
  candidate: { member: Pick<Member, 'id' | 'address'>; existing: Member | null },
  name: string,
): Promise<void> {
  const { member, existing } = candidate;
  if (existing) {
    if (existing.status === 'unsubscribed')
      await tx
        .update(members)
        .set({ status: 'pending', updatedAt: sql`now()` })
        .where(eq(members.id, existing.id));
  } else {
    await tx
      .insert(members)
      .values({ id: member.id, listId: list.id, address: member.address, name, status: 'pending' })
      .onConflictDoNothing();
  }
  await recordEvent(tx, { listId: list.id, memberId: member.id, address: member.address, kind: 'subscribe-requested' });
}

/** Activates a pending (or suspended) subscription; false when there was nothing to confirm. */
export async function confirmMember(tx: ListsDb, member: Member, how: string): Promise<boolean> {
  if (member.status !== 'pending' && member.status !== 'suspended') return false;
  await tx
    .update(members)
    .set({ status: 'active', bounceScore: 0, updatedAt: sql`now()` })
    .where(eq(members.id, member.id));
  await recordEvent(tx, {
    listId: member.listId,
    memberId: member.id,
    address: member.address,
    kind: 'confirmed',
    detail: how,
  });
  return true;
}

/** Ends a membership (no mail: one-click links, confirmed requests and spam reports all asked us to stop). */
export async function unsubscribe(tx: ListsDb, member: Member, how: string): Promise<boolean> {
  if (member.status === 'unsubscribed') return false;
  await setMemberStatus(tx, member, 'unsubscribed', 'unsubscribed', how);
  return true;
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
  await recordEvent(tx, {
    listId: member.listId,
    memberId: member.id,
    address: member.address,
    kind: 'bounce',
    detail,
    inboundId,
  });
  const { bounceThreshold } = services.config;
  if (updated!.status !== 'active' || updated!.bounceScore < bounceThreshold) return updated!;
  await setMemberStatus(
    tx,
    updated!,
    'suspended',
    'suspended',
    `bounce score ${updated!.bounceScore} ≥ ${bounceThreshold}`,
  );
  const list = await listById(tx, member.listId);
  if (list) await sendProbe(tx, services, list, updated!, afterCommit);
  return { ...updated!, status: 'suspended' };
}

/**
 * The bounce of one message we sent the member, counted once however many reports name it (a report can be
 * replayed, and every member holds the message's Message-ID). Null when that message's bounce was counted already.
 */
export async function registerMessageBounce(
  tx: ListsDb,
  services: ListsServices,
  member: Member,
  messageId: string,
  detail: string,
  afterCommit: AfterCommit,
  inboundId: string | null,
): Promise<Member | null> {
  // The member's row lock serialises concurrent reports about them, so the check below sees the other's event.
  await tx.select({ id: members.id }).from(members).where(eq(members.id, member.id)).for('update');
  const tag = `message ${messageId}:`;
  const [seen] = await tx
    .select({ id: memberEvents.id })
    .from(memberEvents)
    .where(
      and(
        eq(memberEvents.memberId, member.id),
        eq(memberEvents.kind, 'bounce'),
        like(memberEvents.detail, `${tag.replace(/[\\%_]/g, '\\$&')}%`),
      ),
    )
    .limit(1);
  if (seen) return null;
  return registerBounce(tx, services, member, `${tag} ${detail}`, afterCommit, inboundId);
}

/** The suspension notice: replying to it (signed address, scope `s:`) resumes the subscription. */
async function sendProbe(
  tx: ListsDb,
  services: ListsServices,
  list: List,
  member: Member,
  afterCommit: AfterCommit,
): Promise<void> {
  await services.mailer.send(
    {
      from: requestFrom(services.config, list),
      to: member.address,
      replyTo: services.replyAddresses.create({ scope: scopes.resume(member.id), recipient: member.address }),
      subject: `[${list.slug}] Your subscription is suspended: mail to you bounced`,
      text:
        `Mail from ${list.name} to ${member.address} has bounced ${member.bounceScore} times, so delivery is suspended.\n` +
        `If you receive this message, reply to it (any text) to resume your subscription.\n`,
      headers: { ...listHeaders(services.config, list, null), 'Auto-Submitted': 'auto-generated' },
      customArgs: { lists_list: list.id, lists_notice: 'probe', lists_member: member.id },
    },
    { tx, afterCommit },
  );
  await recordEvent(tx, {
    listId: list.id,
    memberId: member.id,
    address: member.address,
    kind: 'probe',
    detail: 'suspension notice sent',
  });
}

export function helpText(config: ResolvedConfig, list: List): string {
  const request = requestAddress(config, list.slug);
  return (
    `${list.name} (${listAddress(config, list.slug)})\n${list.description ? `${list.description}\n` : ''}\n` +
    `Post: write to ${listAddress(config, list.slug)}. Reply to any list message to join its thread.\n` +
    `Commands (subject or first line, to ${request}):\n` +
    `  subscribe    join the list (we mail you a link to confirm)\n` +
    `  unsubscribe  leave the list (we mail you a link to confirm)\n` +
    `  help         this message\n` +
    `Archive: ${config.publicUrl}/archive/${list.slug}\n`
  );
}
