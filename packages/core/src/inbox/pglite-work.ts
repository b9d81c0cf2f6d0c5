import type { PGlite, Transaction as PgliteConnection } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type { Transaction } from './database.js';
import { FINISHED, closing, drizzleTransaction, handoff, replacing, type UnitOfWork } from './work.js';

/**
 * A unit of work on PGlite: one connection in this process, so nothing is saved by deferring; BEGIN runs at once
 * (PGlite's own `transaction`, under drizzle's) and the closing statement and COMMIT follow when asked. Statements
 * after the end are refused: PGlite closes a transaction it rolled back after a throw only for its lock, and would
 * run a late statement of a timed-out handler outside any transaction.
 */
type PgliteBegin = (fn: (connection: PgliteConnection) => Promise<unknown>) => Promise<unknown>;

/** Opens units of work on PGlite (see pgliteUnitOfWork), all through one drizzle database. */
export function pgliteUnitsOfWork(client: PGlite): () => Promise<UnitOfWork> {
  const begin = handoff<Parameters<PgliteBegin>, ReturnType<PgliteBegin>>();
  const db = drizzlePglite(replacing(client, 'transaction', begin.take));
  return () => pgliteUnitOfWork(client, (own) => begin.during(own, () => drizzleTransaction(db, Promise.resolve())));
}

async function pgliteUnitOfWork(
  client: PGlite,
  transaction: (begin: PgliteBegin) => Promise<Transaction>,
): Promise<UnitOfWork> {
  const end = closing();
  let finished = false;
  let outcome: Promise<boolean> | undefined;
  const guarded = (connection: PgliteConnection): PgliteConnection => ({
    query: (...args) => (finished ? Promise.reject(new Error(FINISHED)) : connection.query(...args)),
    sql: (...args) => (finished ? Promise.reject(new Error(FINISHED)) : connection.sql(...args)),
    exec: (...args) => (finished ? Promise.reject(new Error(FINISHED)) : connection.exec(...args)),
    rollback: () => connection.rollback(),
    listen: (...args) => connection.listen(...args),
    get closed() {
      return finished || connection.closed;
    },
  });
  const begin: PgliteBegin = (fn) => {
    const result = client.transaction(async (connection) => {
      await fn(guarded(connection));
      return end.finish(async (statement) => (await connection.query(statement.text, statement.params)).rows);
    });
    outcome = end.settle(result);
    outcome.catch(() => undefined);
    return result;
  };
  const tx = await transaction(begin);
  const settled = outcome!;
  return {
    tx,
    async commitIf(statement) {
      if (finished) throw new Error(FINISHED);
      finished = true;
      end.decide(statement);
      return settled;
    },
    async rollback() {
      if (finished) return;
      finished = true;
      end.decide(null);
      await settled;
    },
  };
}
