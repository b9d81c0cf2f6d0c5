import { sql } from 'drizzle-orm';
import { type Database, type Transaction } from '@mailroom/core';
import { rowsOf } from '@mailroom/core/inbox';

/** Handler effects live in their own table, written inside the processing transaction: one row per run that committed. */
export async function ensureEffectsTable(db: Database): Promise<void> {
  await db.execute(
    sql`create table if not exists reliability_effects (email_id uuid not null, message_id text not null, at timestamptz not null default now())`,
  );
}

export async function recordEffect(tx: Transaction, emailId: string, messageId: string | null): Promise<void> {
  await tx.execute(sql`insert into reliability_effects (email_id, message_id) values (${emailId}, ${messageId ?? ''})`);
}

export interface StoreCounts {
  /** Message-ID → stored rows. */
  inbox: Record<string, number>;
  statuses: Record<string, number>;
  /** Message-ID → committed handler effects. */
  effects: Record<string, number>;
  /** Message-ID → attempts of its (first) row. */
  attempts: Record<string, number>;
}

export async function storeCounts(db: Database): Promise<StoreCounts> {
  const inbox = rowsOf<{ message_id: string; n: number; attempts: number }>(
    await db.execute(
      sql`select message_id, count(*)::int as n, max(attempts)::int as attempts from mailroom.inbound_emails group by message_id`,
    ),
  );
  const statuses = rowsOf<{ status: string; n: number }>(
    await db.execute(sql`select status, count(*)::int as n from mailroom.inbound_emails group by status`),
  );
  const effects = rowsOf<{ message_id: string; n: number }>(
    await db.execute(sql`select message_id, count(*)::int as n from reliability_effects group by message_id`),
  );
  return {
    inbox: Object.fromEntries(inbox.map((r) => [r.message_id, Number(r.n)])),
    attempts: Object.fromEntries(inbox.map((r) => [r.message_id, Number(r.attempts)])),
    statuses: Object.fromEntries(statuses.map((r) => [r.status, Number(r.n)])),
    effects: Object.fromEntries(effects.map((r) => [r.message_id, Number(r.n)])),
  };
}

/** Lost / duplicated / unprocessed / processed-twice among the expected Message-IDs. */
export function audit(counts: StoreCounts, messageIds: string[]) {
  return {
    lost: messageIds.filter((id) => !counts.inbox[id]).length,
    duplicates: messageIds.filter((id) => (counts.inbox[id] ?? 0) > 1).length,
    unprocessed: messageIds.filter((id) => !counts.effects[id]).length,
    processedTwice: messageIds.filter((id) => (counts.effects[id] ?? 0) > 1).length,
  };
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
