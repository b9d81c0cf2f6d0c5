/**
 * The console's HTTP Basic sign-in (`CONSOLE_USER` / `CONSOLE_PASSWORD`): every check goes through app-kit's login
 * throttle (the apps' policy: 5 failures in a row per account and address, 30 per address an hour, 50 per account
 * a day; then 429 with Retry-After), and the credentials are compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { basicLogin, createAppKit } from '@mailroom/app-kit';
import type { Store } from '@mailroom/core';

export interface ConsoleCredentials {
  username: string;
  password: string;
}

/** Equal strings, in time that depends on neither (digests of equal length are compared). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export async function consoleAuth(options: {
  store: Store;
  credentials: ConsoleCredentials;
  secret: string;
  production: boolean;
}): Promise<MiddlewareHandler> {
  const { credentials } = options;
  // The kit's throttle counters live in app_kit.rate_limits under the realm "console"; the console keeps no sessions.
  const kit = await createAppKit({
    store: options.store,
    realm: 'console',
    secret: options.secret,
    cookie: { name: 'console_session', path: '/console', secure: options.production, ttlMs: 3600_000 },
    production: options.production,
  });
  return basicLogin(kit, {
    realm: 'Mailroom console',
    async verify(username, password) {
      // Both compared every time (no early exit on a wrong user name).
      const userOk = sameSecret(username, credentials.username);
      const passwordOk = sameSecret(password, credentials.password);
      return userOk && passwordOk ? username : null;
    },
    onSuccess: () => undefined,
  });
}
