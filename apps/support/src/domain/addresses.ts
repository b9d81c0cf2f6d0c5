import { eq, sql } from 'drizzle-orm';
import type { SupportDb } from '../db/index.js';
import { addressStatus } from '../db/schema.js';
import { normalizeEmail } from './agents.js';

/** Marks an address undeliverable after a bounce of our mail (DSN or Event Webhook). */
export async function markUndeliverable(
  db: SupportDb,
  input: { address: string; reason: string; ticketNumber?: number | null; now?: Date },
): Promise<void> {
  const now = input.now ?? new Date();
  const values = {
    address: normalizeEmail(input.address),
    status: 'undeliverable' as const,
    reason: input.reason.slice(0, 1000),
    ticketNumber: input.ticketNumber ?? null,
    updatedAt: now,
  };
  await db
    .insert(addressStatus)
    .values(values)
    .onConflictDoUpdate({
      target: addressStatus.address,
      set: {
        reason: values.reason,
        updatedAt: now,
        ticketNumber: sql`coalesce(${values.ticketNumber}::integer, ${addressStatus.ticketNumber})`,
      },
    });
}

/** A new message from the address proves it works again. */
export async function clearUndeliverable(db: SupportDb, address: string): Promise<void> {
  await db.delete(addressStatus).where(eq(addressStatus.address, normalizeEmail(address)));
}
