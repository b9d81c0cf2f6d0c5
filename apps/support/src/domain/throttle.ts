import { and, count, eq, gt } from 'drizzle-orm';
import type { SupportDb } from '../db/index.js';
import { senderLog } from '../db/schema.js';
import { normalizeEmail } from './agents.js';

export interface ThrottleConfig {
  /** A sender may open this many tickets per window; the next ones are throttled. */
  maxTickets: number;
  windowMinutes: number;
}

/**
 * The loop breaker: true when the sender already opened `maxTickets` tickets in the last
 * `windowMinutes` (throttled tickets count too, so a looping robot stays throttled).
 */
export async function isThrottled(
  db: SupportDb,
  address: string,
  config: ThrottleConfig,
  now = new Date(),
): Promise<boolean> {
  const since = new Date(now.getTime() - config.windowMinutes * 60_000);
  const [row] = await db
    .select({ n: count() })
    .from(senderLog)
    .where(and(eq(senderLog.address, normalizeEmail(address)), gt(senderLog.at, since)));
  return (row?.n ?? 0) >= config.maxTickets;
}
