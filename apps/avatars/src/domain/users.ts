import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '@mailroom/core';
import { loginTokens, users, type TokenPurpose, type User } from '../db/index.js';
import { addressHash, canonicalAddress, randomToken, sameSecret, sha256Hex } from './secrets.js';

/** Upload secrets: 96 random bits as 24 hex characters, short enough for `avatar+<secret>@…`. */
const UPLOAD_SECRET_BYTES = 12;

export async function findUserById(db: Queryable, id: number): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ?? null;
}

export async function findUserByAddress(db: Queryable, address: string): Promise<User | null> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.address, canonicalAddress(address)));
  return row ?? null;
}

/** Finds the owner of an upload secret: looked up by its hash, then compared in constant time. */
export async function findUserByUploadSecret(db: Queryable, secret: string): Promise<User | null> {
  const candidate = secret.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(candidate)) return null;
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.uploadSecretHash, sha256Hex(candidate)));
  return row && sameSecret(row.uploadSecret, candidate) ? row : null;
}

/** The user for this address, created (unconfirmed, with a fresh upload secret) when new. */
export async function findOrCreateUser(db: Queryable, address: string): Promise<{ user: User; created: boolean }> {
  const canonical = canonicalAddress(address);
  const secret = randomToken(UPLOAD_SECRET_BYTES);
  const [inserted] = await db
    .insert(users)
    .values({
      address: canonical,
      addressHash: addressHash(canonical),
      uploadSecret: secret,
      uploadSecretHash: sha256Hex(secret),
    })
    .onConflictDoNothing({ target: users.address })
    .returning();
  if (inserted) return { user: inserted, created: true };
  const existing = await findUserByAddress(db, canonical);
  if (!existing) throw new Error('user vanished during registration');
  return { user: existing, created: false };
}

/** Replaces the upload secret; the old secret address stops working at once. */
export async function regenerateUploadSecret(db: Queryable, userId: number): Promise<User> {
  const secret = randomToken(UPLOAD_SECRET_BYTES);
  const [row] = await db
    .update(users)
    .set({ uploadSecret: secret, uploadSecretHash: sha256Hex(secret) })
    .where(eq(users.id, userId))
    .returning();
  if (!row) throw new Error(`no user ${userId}`);
  return row;
}

/** Creates a single-use link token (only its hash is stored) and returns the token. */
export async function createLinkToken(
  db: Queryable,
  userId: number,
  purpose: TokenPurpose,
  ttlMs: number,
  now = new Date(),
): Promise<string> {
  const token = randomToken(32);
  await db
    .insert(loginTokens)
    .values({ tokenHash: sha256Hex(token), userId, purpose, expiresAt: new Date(now.getTime() + ttlMs) });
  return token;
}

/**
 * Uses a link token once: returns its user (confirmed now if the token confirms the address),
 * or null for an unknown, used or expired token.
 */
export async function consumeLinkToken(db: Queryable, token: string, now = new Date()): Promise<User | null> {
  if (!/^[0-9a-f]{64}$/.test(token)) return null;
  const [used] = await db
    .update(loginTokens)
    .set({ usedAt: now })
    .where(and(eq(loginTokens.tokenHash, sha256Hex(token)), isNull(loginTokens.usedAt), gt(loginTokens.expiresAt, now)))
    .returning();
  if (!used) return null;
  // Any link proves the person reads this mailbox, so it confirms the address whatever its purpose.
  const [user] = await db
    .update(users)
    .set({ confirmed: true, confirmedAt: sql`coalesce(${users.confirmedAt}, ${now.toISOString()}::timestamptz)` })
    .where(eq(users.id, used.userId))
    .returning();
  return user ?? null;
}
