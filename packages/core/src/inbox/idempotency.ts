import { eq } from 'drizzle-orm';
import type { Queryable, Transaction } from './database.js';
import { handlerEffects } from './schema.js';

/**
 * Runs `fn` once per `key`, ever: the key is recorded in `mailroom.handler_effects` inside the caller's
 * transaction, so a replayed or retried email skips effects that already committed. A repeated call
 * returns the stored (JSON) result of the first one instead of running `fn`.
 *
 * Runs in a savepoint: if `fn` throws, the key is not recorded and the error propagates.
 *
 * @example
 * ```ts
 * await runOnce(ctx.tx, `ticket:${ctx.record.id}`, (tx) => tx.insert(tickets).values({...}).returning());
 * ```
 */
export async function runOnce<T>(
  tx: Queryable,
  key: string,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T | undefined> {
  return tx.transaction(async (inner) => {
    const claimed = await inner
      .insert(handlerEffects)
      .values({ key, result: null })
      .onConflictDoNothing({ target: handlerEffects.key })
      .returning({ key: handlerEffects.key });
    if (claimed.length === 0) {
      const [done] = await inner
        .select({ result: handlerEffects.result })
        .from(handlerEffects)
        .where(eq(handlerEffects.key, key));
      return (done?.result ?? undefined) as T | undefined;
    }
    const result = await fn(inner);
    if (result !== undefined) {
      await inner
        .update(handlerEffects)
        .set({ result: JSON.parse(JSON.stringify(result)) as unknown })
        .where(eq(handlerEffects.key, key));
    }
    return result;
  });
}
