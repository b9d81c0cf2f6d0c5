import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '@mailroom/core';
import { credentials } from './schema.js';

/** Password hashes of accounts that have no table of their own, such as a lists admin (`app_kit.credentials`). */
export interface Credentials {
  hashOf(account: string): Promise<string | null>;
  /** Stores `hash` unless the account has a password already; true when it stored it (a first password). */
  setIfMissing(account: string, hash: string): Promise<boolean>;
  set(account: string, hash: string): Promise<void>;
}

export function createCredentials(db: Database, realm: string): Credentials {
  const where = (account: string) => and(eq(credentials.realm, realm), eq(credentials.account, account));
  return {
    async hashOf(account) {
      const [row] = await db.select({ hash: credentials.passwordHash }).from(credentials).where(where(account));
      return row?.hash ?? null;
    },
    async setIfMissing(account, hash) {
      const rows = await db
        .insert(credentials)
        .values({ realm, account, passwordHash: hash })
        .onConflictDoNothing()
        .returning({ account: credentials.account });
      return rows.length > 0;
    },
    async set(account, hash) {
      await db
        .insert(credentials)
        .values({ realm, account, passwordHash: hash })
        .onConflictDoUpdate({
          target: [credentials.realm, credentials.account],
          set: { passwordHash: hash, updatedAt: sql`now()` },
        });
    },
  };
}
