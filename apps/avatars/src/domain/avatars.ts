import { randomUUID } from 'node:crypto';
import { and, desc, eq, lt, max } from 'drizzle-orm';
import type { Queryable } from '@mailroom/core';
import type { BlobStore } from '@mailroom/core/inbox';
import { avatars, users, type Avatar, type RenditionKeys, type User } from '../db/index.js';
import type { ProcessedAvatar, RenditionFormat } from '../images/index.js';

/**
 * Stores a processed avatar as the user's new current one: renditions through the blob store (in the
 * caller's transaction when the backend is the database), a new version row, the previous one kept for
 * revert, and versions beyond `historyLimit` deleted with their files.
 */
export async function saveAvatar(
  tx: Queryable,
  blobs: BlobStore,
  user: Pick<User, 'id'>,
  processed: ProcessedAvatar,
  options: { messageId?: string | null; historyLimit: number },
): Promise<Avatar> {
  const prefix = `avatars/${randomUUID()}`;
  const keys: RenditionKeys = {};
  for (const rendition of processed.renditions) {
    const key = `${prefix}/${rendition.size}-${rendition.format}`;
    await blobs.put(key, rendition.data, tx);
    (keys[String(rendition.size)] ??= {})[rendition.format] = key;
  }
  const [latest] = await tx
    .select({ version: max(avatars.version) })
    .from(avatars)
    .where(eq(avatars.userId, user.id));
  await tx
    .update(avatars)
    .set({ current: false })
    .where(and(eq(avatars.userId, user.id), eq(avatars.current, true)));
  const [row] = await tx
    .insert(avatars)
    .values({
      userId: user.id,
      version: (latest?.version ?? 0) + 1,
      cropLeft: processed.crop.left,
      cropTop: processed.crop.top,
      cropSize: processed.crop.size,
      sourceWidth: processed.source.width,
      sourceHeight: processed.source.height,
      sourceMime: processed.source.mime,
      sourceSha256: processed.source.sha256,
      animated: processed.source.animated,
      renditions: keys,
      messageId: options.messageId ?? null,
      current: true,
    })
    .returning();
  if (!row) throw new Error('avatar insert returned nothing');
  await pruneHistory(tx, blobs, user.id, options.historyLimit);
  return row;
}

async function pruneHistory(tx: Queryable, blobs: BlobStore, userId: number, keep: number): Promise<void> {
  const all = await tx.select().from(avatars).where(eq(avatars.userId, userId)).orderBy(desc(avatars.version));
  for (const old of all.slice(Math.max(1, keep)).filter((a) => !a.current)) {
    for (const formats of Object.values(old.renditions)) {
      for (const key of Object.values(formats)) if (key) await blobs.delete(key, tx);
    }
    await tx.delete(avatars).where(eq(avatars.id, old.id));
  }
}

/** Every kept avatar of a user, newest first. */
export function listAvatars(db: Queryable, userId: number): Promise<Avatar[]> {
  return db.select().from(avatars).where(eq(avatars.userId, userId)).orderBy(desc(avatars.version));
}

export async function currentAvatar(db: Queryable, userId: number): Promise<Avatar | null> {
  const [row] = await db
    .select()
    .from(avatars)
    .where(and(eq(avatars.userId, userId), eq(avatars.current, true)));
  return row ?? null;
}

/** Makes a kept version current again; null when the user has no such version. */
export async function useVersion(tx: Queryable, userId: number, version: number): Promise<Avatar | null> {
  const [target] = await tx
    .select()
    .from(avatars)
    .where(and(eq(avatars.userId, userId), eq(avatars.version, version)));
  if (!target) return null;
  if (target.current) return target;
  await tx
    .update(avatars)
    .set({ current: false })
    .where(and(eq(avatars.userId, userId), eq(avatars.current, true)));
  const [row] = await tx.update(avatars).set({ current: true }).where(eq(avatars.id, target.id)).returning();
  return row ?? null;
}

/** One-click revert: the newest version older than the current one becomes current; null when there is none. */
export async function revertToPrevious(tx: Queryable, userId: number): Promise<Avatar | null> {
  const current = await currentAvatar(tx, userId);
  if (!current) return null;
  const [previous] = await tx
    .select()
    .from(avatars)
    .where(and(eq(avatars.userId, userId), lt(avatars.version, current.version)))
    .orderBy(desc(avatars.version))
    .limit(1);
  return previous ? useVersion(tx, userId, previous.version) : null;
}

export interface StoredRendition {
  data: Buffer;
  size: number;
  format: RenditionFormat;
  /** Strong validator: renditions never change once written (a new avatar has new keys). */
  etag: string;
}

/**
 * The current avatar of the address with this hash, at the generated size nearest `requested`
 * (the smallest at least as large, else the largest), in `format`; null when there is none.
 */
export async function findRendition(
  db: Queryable,
  blobs: BlobStore,
  hash: string,
  requested: number,
  format: RenditionFormat,
): Promise<StoredRendition | null> {
  const [row] = await db
    .select({ id: avatars.id, renditions: avatars.renditions })
    .from(avatars)
    .innerJoin(users, eq(users.id, avatars.userId))
    .where(and(eq(users.addressHash, hash), eq(users.confirmed, true), eq(avatars.current, true)));
  if (!row) return null;
  const sizes = Object.keys(row.renditions)
    .map(Number)
    .filter((size) => row.renditions[String(size)]?.[format]);
  const size = nearestSize(sizes, requested);
  if (size === null) return null;
  const key = row.renditions[String(size)]![format]!;
  const data = await blobs.get(key);
  if (!data) return null;
  return { data, size, format, etag: `"a${row.id}-${size}-${format}"` };
}

/** The smallest size ≥ requested, else the largest; null for none. */
export function nearestSize(sizes: readonly number[], requested: number): number | null {
  if (sizes.length === 0) return null;
  const sorted = [...sizes].sort((a, b) => a - b);
  return sorted.find((size) => size >= requested) ?? sorted[sorted.length - 1]!;
}
