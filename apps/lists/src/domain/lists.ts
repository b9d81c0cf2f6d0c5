/** Lists and members: lookups, creation and status changes (each inside the caller's transaction). */
import { and, eq, sql } from 'drizzle-orm';
import { normalize } from '../config.js';
import type { ListsDb } from '../db/index.js';
import {
  lists,
  memberEvents,
  members,
  messages,
  moderation,
  threads,
  type MemberStatus,
  type Role,
} from '../db/schema.js';
import { shortId } from './ids.js';

export type List = typeof lists.$inferSelect;
export type Member = typeof members.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type Thread = typeof threads.$inferSelect;
export type ModerationItem = typeof moderation.$inferSelect;

export async function listBySlug(db: ListsDb, slug: string): Promise<List | null> {
  const [row] = await db.select().from(lists).where(eq(lists.slug, slug.toLowerCase()));
  return row ?? null;
}

export async function listById(db: ListsDb, id: string): Promise<List | null> {
  const [row] = await db.select().from(lists).where(eq(lists.id, id));
  return row ?? null;
}

export async function memberOf(db: ListsDb, listId: string, address: string): Promise<Member | null> {
  const [row] = await db
    .select()
    .from(members)
    .where(and(eq(members.listId, listId), eq(members.address, normalize(address))));
  return row ?? null;
}

export async function memberById(db: ListsDb, id: string): Promise<Member | null> {
  const [row] = await db.select().from(members).where(eq(members.id, id));
  return row ?? null;
}

export async function recordEvent(
  db: ListsDb,
  event: {
    listId: string;
    memberId?: string | null;
    address: string;
    kind: string;
    detail?: string;
    inboundId?: string | null;
  },
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
    .values({
      id: shortId(),
      listId,
      address,
      name: input.name ?? '',
      role: input.role ?? 'member',
      status: input.status ?? 'active',
    })
    .onConflictDoUpdate({
      target: [members.listId, members.address],
      set: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.role !== undefined ? { role: input.role } : {}),
        status: input.status ?? 'active',
        ...(input.status === undefined || input.status === 'active' ? { bounceScore: 0 } : {}),
        updatedAt: sql`now()`,
      },
    })
    .returning();
  return row!;
}

export async function setMemberStatus(
  db: ListsDb,
  member: Member,
  status: MemberStatus,
  kind: string,
  detail = '',
): Promise<void> {
  await db
    .update(members)
    .set({ status, updatedAt: sql`now()`, ...(status === 'active' ? { bounceScore: 0 } : {}) })
    .where(eq(members.id, member.id));
  await recordEvent(db, { listId: member.listId, memberId: member.id, address: member.address, kind, detail });
}
