/** The kit's tables, in their own schema `app_kit`, shared by every app of a database (each row names its realm). */
import { index, integer, pgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const appKitSchema = pgSchema('app_kit');

/** Server-side sessions: the cookie holds a random token, the row its SHA-256. Deleting the row revokes it. */
export const sessions = appKitSchema.table(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    realm: text('realm').notNull(),
    account: text('account').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sessions_account_idx').on(t.realm, t.account)],
);

/** rate-limiter-flexible's RateLimiterDrizzle store: the columns it names (key, points, expire). */
export const rateLimits = appKitSchema.table('rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamp('expire', { withTimezone: true, mode: 'date' }),
});

/** Passwords of accounts that have no table of their own (a lists admin). */
export const credentials = appKitSchema.table(
  'credentials',
  {
    realm: text('realm').notNull(),
    account: text('account').notNull(),
    passwordHash: text('password_hash').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.realm, t.account] })],
);
