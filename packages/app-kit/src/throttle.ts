import type { Context } from 'hono';
import { RateLimiterDrizzle, RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Database } from '@mailroom/core';
import { clientAddress, type TrustProxy } from './client-ip.js';
import { PasswordCheckBusyError } from './passwords.js';
import { rateLimits } from './schema.js';

/** One limit: `points` attempts per `durationSeconds`; past it, blocked for `blockSeconds`. */
export interface Limit {
  points: number;
  durationSeconds: number;
  blockSeconds: number;
}

export interface ThrottleLimits {
  /** Failures in a row for one account from one address: the guessing brake (default 5 per 15 min, then 15 min). */
  accountAndAddress: Limit;
  /** Failures from one address over all accounts (default 30 an hour, then an hour). */
  address: Limit;
  /** Failures for one account from everywhere: the lockout against distributed guessing (default 50 a day, then an hour). */
  account: Limit;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  accountAndAddress: { points: 5, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  address: { points: 30, durationSeconds: 3600, blockSeconds: 3600 },
  account: { points: 50, durationSeconds: 24 * 3600, blockSeconds: 3600 },
};

export type Attempt<T> =
  { kind: 'ok'; value: T } | { kind: 'failed' } | { kind: 'throttled'; retryAfterSeconds: number };

/** Login throttling and lockout (rate-limiter-flexible, counters in `app_kit.rate_limits`). */
export interface LoginThrottle {
  /**
   * Counts an attempt for `account` from the request's address *before* `verify` runs (so a burst cannot slip
   * past the check), runs `verify` only when no limit is exceeded, and gives the attempt back on success.
   */
  attempt<T>(c: Context, account: string, verify: () => Promise<T | null>): Promise<Attempt<T>>;
}

export interface ThrottleOptions {
  db: Database;
  realm: string;
  limits?: Partial<ThrottleLimits>;
  /** Which peers may name the client in X-Forwarded-For (default: none; see parseTrustProxy). */
  trustProxy?: TrustProxy;
}

function limiter(db: Database, prefix: string, limit: Limit): RateLimiterAbstract {
  const shape = {
    keyPrefix: prefix,
    points: limit.points,
    duration: limit.durationSeconds,
    blockDuration: limit.blockSeconds,
  };
  // The in-memory insurance keeps throttling (per process) while the database is unreachable.
  return new RateLimiterDrizzle({
    ...shape,
    storeClient: db,
    schema: rateLimits,
    insuranceLimiter: new RateLimiterMemory(shape),
  });
}

export function createLoginThrottle(options: ThrottleOptions): LoginThrottle {
  const limits = { ...DEFAULT_THROTTLE_LIMITS, ...options.limits };
  const realm = options.realm;
  const pair = limiter(options.db, `${realm}:login:pair`, limits.accountAndAddress);
  const byAddress = limiter(options.db, `${realm}:login:address`, limits.address);
  const byAccount = limiter(options.db, `${realm}:login:account`, limits.account);

  return {
    async attempt<T>(c: Context, account: string, verify: () => Promise<T | null>): Promise<Attempt<T>> {
      const address = clientAddress(c, options.trustProxy ?? null);
      const name = account.trim().toLowerCase().slice(0, 320);
      const pairKey = `${name}|${address}`;
      try {
        await pair.consume(pairKey);
        await byAddress.consume(address);
        await byAccount.consume(name);
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes)
          return { kind: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
        throw refusal;
      }
      let value: T | null;
      try {
        value = await verify();
      } catch (error) {
        if (error instanceof PasswordCheckBusyError) return { kind: 'throttled', retryAfterSeconds: 1 };
        throw error;
      }
      if (value === null) return { kind: 'failed' };
      await Promise.all([pair.delete(pairKey), byAddress.reward(address), byAccount.reward(name)]);
      return { kind: 'ok', value };
    },
  };
}
