import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '@mailroom/core';
import { refusals } from '../db/index.js';
import { canonicalAddress } from './secrets.js';

/**
 * Records a refusal for `address` and says whether to mail it: true at most once per `intervalMs`
 * per address (the row is claimed atomically, so two concurrent emails cannot both send).
 */
export async function claimRefusal(
  db: Queryable,
  address: string,
  reason: string,
  intervalMs: number,
  now = new Date(),
): Promise<boolean> {
  const key = canonicalAddress(address);
  const cutoff = new Date(now.getTime() - intervalMs);
  const claimed = await db
    .insert(refusals)
    .values({ address: key, lastRefusedAt: now, lastReason: reason })
    .onConflictDoUpdate({
      target: refusals.address,
      set: { lastRefusedAt: now, lastReason: reason, suppressed: 0 },
      setWhere: sql`${refusals.lastRefusedAt} <= ${cutoff.toISOString()}::timestamptz`,
    })
    .returning({ address: refusals.address });
  if (claimed.length > 0) return true;
  await db
    .update(refusals)
    .set({ suppressed: sql`${refusals.suppressed} + 1` })
    .where(eq(refusals.address, key));
  return false;
}
