import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { Transaction } from './database.js';

/** SQL text with `$n` parameters and their values: built once, run many times (prepared on PostgreSQL). */
export interface Statement {
  text: string;
  params: unknown[];
}

/**
 * One transaction, from a handler's first write to the statement that records its outcome.
 *
 * Cheap where the worker needs it to be: on PostgreSQL the transaction is begun by the first statement that uses
 * `tx`, so a handler that never touches it costs one autocommit statement (no BEGIN, no COMMIT, no connection held
 * while it runs).
 */
export interface UnitOfWork {
  /** The handler's transaction (drizzle); nested `tx.transaction()` calls are savepoints. */
  readonly tx: Transaction;
  /**
   * Runs `statement` (it must end in RETURNING) and commits, when it returned a row; when it returned none,
   * everything rolls back and the answer is false. Either way the unit is finished.
   */
  commitIf(statement: Statement): Promise<boolean>;
  /** Rolls back whatever ran; later statements through `tx` fail. Safe to call after commitIf. */
  rollback(): Promise<void>;
}

export const FINISHED =
  'this transaction has already finished (a handler kept using it after it returned or timed out)';

/**
 * The end both units of work wait for inside their transaction callback: a closing statement, or null for a
 * rollback. A deliberate rollback (asked for, or a closing statement that changed no row) settles as false.
 */
export function closing() {
  let decide!: (decision: Statement | null) => void;
  const decision = new Promise<Statement | null>((resolve) => (decide = resolve));
  const rolledBack = new Error('rolled back');
  return {
    decide,
    /** Resolves once decided, whichever way. */
    decided: decision,
    /** Inside the transaction: runs the closing statement; throws (so the transaction rolls back) when it should. */
    async finish(run: (statement: Statement) => Promise<readonly unknown[]>): Promise<true> {
      const statement = await decision;
      if (!statement || (await run(statement)).length === 0) throw rolledBack;
      return true;
    },
    /** Outside: true when the transaction committed, false when it rolled back on purpose; other errors throw. */
    async settle(outcome: Promise<unknown> | undefined): Promise<boolean> {
      try {
        await outcome;
        return true;
      } catch (error) {
        if (error === rolledBack) return false;
        throw error;
      }
    },
  };
}

/**
 * A drizzle transaction through drizzle's public API (`drizzle(client).transaction(…)`) over `client`, handed out
 * as soon as drizzle calls back: the callback then waits until `until` settles (the unit of work is decided).
 */
export function drizzleTransaction(
  db: { transaction(fn: (tx: Transaction) => Promise<unknown>): Promise<unknown> },
  until: Promise<unknown>,
) {
  return new Promise<Transaction>((resolve, reject) => {
    db.transaction(async (tx) => {
      resolve(tx);
      await until;
    }).catch(reject);
  });
}

/** `client` with one member replaced (methods of the rest bound to `client`, whose private state they use). */
export function replacing<T extends object>(client: T, key: keyof T, value: unknown): T {
  return new Proxy(client, {
    get(target, property) {
      if (property === key) return value;
      const member: unknown = Reflect.get(target, property);
      return typeof member === 'function' ? member.bind(target) : member;
    },
  });
}

/**
 * How one drizzle database serves every unit of work on a client: the client's replaced method runs the unit's own
 * implementation, handed over just before the unit calls `db.transaction()`, from which drizzle calls the client
 * at once (synchronously). Should drizzle ever stop doing so, the unit fails loudly instead of running elsewhere.
 */
export function handoff<A extends unknown[], R>() {
  let next: ((...args: A) => R) | null = null;
  return {
    take(...args: A): R {
      const own = next;
      next = null;
      if (!own) throw new Error('unit of work: drizzle called the client outside db.transaction()');
      return own(...args);
    },
    during<T>(own: (...args: A) => R, start: () => T): T {
      next = own;
      let result: T;
      try {
        result = start();
      } catch (error) {
        next = null;
        throw error;
      }
      const unused = next !== null;
      next = null;
      if (unused) throw new Error('unit of work: drizzle did not begin its transaction through the client');
      return result;
    },
  };
}

type PostgresBegin = (fn: (sql: DeferredTransactionSql) => Promise<unknown>) => Promise<unknown>;

/** Opens units of work on postgres.js (see postgresUnitOfWork), all through one drizzle database. */
export function postgresUnitsOfWork(client: postgres.Sql): () => Promise<UnitOfWork> {
  const begin = handoff<Parameters<PostgresBegin>, ReturnType<PostgresBegin>>();
  const db = drizzlePostgres(replacing(client, 'begin', begin.take));
  return () => postgresUnitOfWork(client, (own, until) => begin.during(own, () => drizzleTransaction(db, until)));
}

/** The part of a postgres.js transaction drizzle's postgres-js driver calls. */
interface DeferredTransactionSql {
  unsafe(
    query: string,
    params?: unknown[],
    options?: postgres.UnsafeQueryOptions,
  ): PromiseLike<unknown> & { values(): PromiseLike<unknown> };
  savepoint(fn: (sql: DeferredTransactionSql) => unknown): Promise<unknown>;
}

/**
 * A postgres.js transaction that does not exist yet: its first statement waits for `connection()` (which begins
 * it), and every statement goes out prepared (named, once per connection): postgres.js sends an unnamed statement
 * with parameters as two round trips (describe, then execute), and drizzle asks for unnamed ones.
 */
function deferredTransactionSql(connection: () => Promise<postgres.TransactionSql>): DeferredTransactionSql {
  return {
    unsafe(query, params, options) {
      let raw = false;
      let result: Promise<unknown> | undefined;
      const run = () =>
        (result ??= connection().then((sql) => {
          const pending = sql.unsafe(query, params as never[], { ...options, prepare: true });
          return raw ? pending.values() : pending;
        }));
      const deferred = {
        values() {
          raw = true;
          return deferred;
        },
        then<A, B>(resolve?: (value: unknown) => A | PromiseLike<A>, reject?: (reason: unknown) => B | PromiseLike<B>) {
          return run().then(resolve, reject);
        },
      };
      return deferred;
    },
    async savepoint(fn) {
      const sql = await connection();
      return sql.savepoint((inner) => fn(deferredTransactionSql(async () => inner)));
    },
  };
}

/**
 * A unit of work on postgres.js. `tx` is drizzle's own transaction over the pool with `begin` replaced: drizzle's
 * driver gets a deferred transaction at once, and BEGIN is sent (postgres.js' own `begin`, which also handles a
 * connection lost mid-transaction) when the handler first uses `tx`; a handler that never does costs one
 * autocommit statement.
 */
async function postgresUnitOfWork(
  client: postgres.Sql,
  transaction: (begin: PostgresBegin, until: Promise<unknown>) => Promise<Transaction>,
): Promise<UnitOfWork> {
  let finished = false;
  const end = closing();
  let opened: Promise<postgres.TransactionSql> | undefined;
  let outcome: Promise<unknown> | undefined;

  const connection = () => {
    if (finished) return Promise.reject(new Error(FINISHED));
    opened ??= new Promise<postgres.TransactionSql>((resolve, reject) => {
      outcome = client.begin(async (sql) => {
        resolve(sql);
        return end.finish((statement) => sql.unsafe(statement.text, statement.params as never[], { prepare: true }));
      });
      outcome.catch(reject); // BEGIN itself failed: the statement waiting for it fails too
    });
    return opened;
  };
  const tx = await transaction((fn) => fn(deferredTransactionSql(connection)), end.decided);

  return {
    tx,
    async commitIf(statement) {
      if (finished) throw new Error(FINISHED);
      finished = true;
      if (!opened) {
        end.decide(null); // lets drizzle's callback end: nothing began
        const rows = await client.unsafe(statement.text, statement.params as never[], { prepare: true });
        return rows.length > 0;
      }
      end.decide(statement);
      return end.settle(outcome);
    },
    async rollback() {
      if (finished) return;
      finished = true;
      end.decide(null);
      if (opened) await end.settle(outcome);
    },
  };
}
