/** The moderation queue: hold a submission, tell the moderators, approve (publish) or reject it. */
import { and, eq, sql } from 'drizzle-orm';
import { reserveAutoReply, sanitizeHeaderText, type AutoReplyLimit, type MailerMessage } from '@mailroom/core/outbound';
import { listAddress, normalize } from '../config.js';
import type { ListsDb } from '../db/index.js';
import { members, moderation, type Submission } from '../db/schema.js';
import { listHeaders, requestFrom } from './headers.js';
import { shortId } from './ids.js';
import { listById, type List, type Member, type ModerationItem } from './lists.js';
import { publish, type PublishResult } from './publish.js';
import { scopes, type AfterCommit, type ListsServices } from './services.js';

/**
 * Notices per moderator per day. Anyone can make us hold a message, so the notices are counted with
 * core's automatic-reply limits (this per-recipient one, and the global cap for all automatic mail);
 * past them an item waits in the web queue without a notice.
 */
export const MODERATION_NOTICE_LIMIT: AutoReplyLimit = { max: 20, windowMs: 24 * 3600_000 };
const EXCERPT_CHARS = 2000;

export interface HoldResult {
  item: ModerationItem;
  /** Moderators a notice was queued for. */
  notified: string[];
}

/** Holds a submission for moderation and notifies the list's moderators (each with a personal reply address). */
export async function hold(
  tx: ListsDb,
  services: ListsServices,
  list: List,
  submission: Submission,
  reason: string,
  afterCommit: AfterCommit,
): Promise<HoldResult> {
  const [item] = await tx
    .insert(moderation)
    .values({
      id: shortId(),
      listId: list.id,
      inboundId: submission.inboundId,
      sender: normalize(submission.address),
      subject: sanitizeHeaderText(submission.subject, 998),
      reason,
      submission,
    })
    .returning();
  const moderators = await tx
    .select()
    .from(members)
    .where(
      and(eq(members.listId, list.id), eq(members.status, 'active'), sql`${members.role} in ('moderator', 'owner')`),
    );
  const notified: string[] = [];
  for (const moderator of moderators) {
    if (
      !(await reserveAutoReply(tx, moderator.address, MODERATION_NOTICE_LIMIT, { scope: scopes.moderation(item!.id) }))
    )
      continue;
    await services.mailer.send(moderationNotice(services, list, item!, moderator), { tx, afterCommit });
    notified.push(moderator.address);
  }
  return { item: item!, notified };
}

function moderationNotice(services: ListsServices, list: List, item: ModerationItem, moderator: Member): MailerMessage {
  const { config } = services;
  const submission = item.submission;
  const text =
    submission.newText.length > EXCERPT_CHARS ? `${submission.newText.slice(0, EXCERPT_CHARS)}…` : submission.newText;
  const name = sanitizeHeaderText(submission.name);
  return {
    from: requestFrom(config, list),
    to: moderator.address,
    replyTo: services.replyAddresses.create({ scope: scopes.moderation(item.id), recipient: moderator.address }),
    subject: `[${list.slug}] Held for moderation: ${item.subject}`,
    text:
      `A message to ${listAddress(config, list.slug)} was held for moderation.\n\n` +
      `From: ${name ? `${name} <${submission.address}>` : submission.address}\n` +
      `Subject: ${item.subject}\nReason: ${item.reason}\n\n${text}\n\n` +
      `Reply to this message with "approve" or "reject" as the first word, or decide at\n` +
      `${config.publicUrl}/admin/lists/${list.slug}/moderation\n`,
    headers: { ...listHeaders(config, list, null), 'Auto-Submitted': 'auto-generated' },
    customArgs: { lists_list: list.id, lists_notice: 'moderation', lists_member: moderator.id },
  };
}

export type Decision = 'approve' | 'reject';

/** Approves (publishes) or rejects a pending item; not ok when it was already decided. */
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
  const published = decision === 'approve' ? await publish(tx, services, list, item.submission, afterCommit) : null;
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
