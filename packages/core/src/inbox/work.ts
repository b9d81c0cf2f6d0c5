import type { PGlite } from '@electric-sql/pglite';
import { PgDialect } from 'drizzle-orm/pg-core';
import { PgliteSession, PgliteTransaction } from 'drizzle-orm/pglite';
import { PostgresJsSession, PostgresJsTransaction } from 'drizzle-orm/postgres-js';
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

const FINISHED = 'this transaction has already finished (a handler kept using it after it returned or timed out)';

/**
 * The end both units of work wait for inside their transaction callback: a closing statement, or null for a
 * rollback. A deliberate rollback (asked for, or a closing statement that changed no row) settles as false.
 */
function closing() {
  let decide!: (decision: Statement | null) => void;
  const decision = new Promise<Statement | null>((resolve) => (decide = resolve));
  const rolledBack = new Error('rolled back');
  return {
    decide,
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

/** The part of a postgres.js client drizzle's session and transaction call. */
interface DrizzleClient {
  unsafe(query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions): PromiseLike<unknown> & { values(): PromiseLike<unknown> };
  savepoint(fn: (client: DrizzleClient) => unknown): Promise<unknown>;
}

/**
 * drizzle's view of a transaction that does not exist yet: the first statement waits for `connection()` (which
 * begins it) and every statement goes out prepared (named, once per connection): postgres.js sends an unnamed
 * statement with parameters as two round trips (describe, then execute).
 */
function lazyClient(connection: () => Promise<postgres.TransactionSql>): DrizzleClient {
  return {
    unsafe(query, params, options) {
      let raw = false;
      let result: Promise<unknown> | undefined;
      const run = () =>
        (result ??= connection().then((sql) => {
          const pending = sql.unsafe(query, params as never[], { ...options, prepare: true });
          return raw ? pending.values() : pending;
        }));
      const lazy = {
        values() {
          raw = true;
          return lazy;
        },
        then<A, B>(resolve?: (value: unknown) => A | PromiseLike<A>, reject?: (reason: unknown) => B | PromiseLike<B>) {
          return run().then(resolve, reject);
        },
      };
      return lazy;
    },
    async savepoint(fn) {
      const sql = await connection();
      return sql.savepoint((inner) => fn(lazyClient(async () => inner)));
    },
  };
}

/**
 * A unit of work on postgres.js. BEGIN is sent when the handler first uses `tx` (postgres.js' own `begin`, which
 * also handles a connection lost mid-transaction); a handler that never does costs one autocommit statement.
 */
export async function postgresUnitOfWork(client: postgres.Sql): Promise<UnitOfWork> {
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
  const dialect = new PgDialect();
  const session = new PostgresJsSession(lazyClient(connection) as unknown as postgres.Sql, dialect, undefined);
  const tx = new PostgresJsTransaction(dialect, session as never, undefined) as unknown as Transaction;

  return {
    tx,
    async commitIf(statement) {
      if (finished) throw new Error(FINISHED);
      finished = true;
      if (!opened) {
        const rows = await client.unsafe(statement.text, statement.params as never[], { prepare: true });
        return rows.length > 0;
      }
      end.decide(statement);
      return end.settle(outcome);
    },
    async rollback() {
      if (finished) return;
      finished = true;
      if (!opened) return;
      end.decide(null);
      await end.settle(outcome);
    },
  };
}

/**
 * A unit of work on PGlite: one connection in this process, so nothing is saved by pipelining; BEGIN runs at once
 * and the closing statement and COMMIT follow when asked. Statements after the end are refused (PGlite would
 * otherwise run a late statement of a timed-out handler outside any transaction).
 */
export async function pgliteUnitOfWork(client: PGlite): Promise<UnitOfWork> {
  const end = closing();
  let opened!: (tx: Transaction) => void;
  const ready = new Promise<Transaction>((resolve) => (opened = resolve));
  let finished = false;
  const outcome = client.transaction(async (connection) => {
    const guarded = {
      query: (...args: Parameters<typeof connection.query>) => {
        if (finished) return Promise.reject(new Error(FINISHED));
        return connection.query(...args);
      },
    };
    const dialect = new PgDialect();
    const session = new PgliteSession(guarded as never, dialect, undefined);
    opened(new PgliteTransaction(dialect, session as never, undefined) as unknown as Transaction);
    return end.finish(async (statement) => (await connection.query(statement.text, statement.params)).rows);
  });
  const settled = end.settle(outcome);
  settled.catch(() => undefined);
  const tx = await Promise.race([ready, settled.then(() => Promise.reject(new Error('transaction ended before it began')))]);
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
