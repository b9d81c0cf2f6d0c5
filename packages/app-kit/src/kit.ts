import { fileURLToPath } from 'node:url';
import type { Context, MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { HTTPException } from 'hono/http-exception';
import type { MigrationSet, Store } from '@mailroom/core';
import { parseTrustProxy, type TrustProxy } from './client-ip.js';
import { createCredentials, type Credentials } from './credentials.js';
import { csrfToken, formOriginCheck, verifyCsrfToken } from './csrf.js';
import { forbiddenPasswords } from './deployment.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { createSessions, type Session, type Sessions } from './sessions.js';
import { createLoginThrottle, type Attempt, type ThrottleLimits } from './throttle.js';

export const APP_KIT_MIGRATIONS: MigrationSet = {
  name: 'app_kit',
  folder: fileURLToPath(new URL('../drizzle', import.meta.url)),
};

export interface AppKitOptions {
  store: Pick<Store, 'db' | 'migrate'>;
  /** The app's name (`blog`, `support`, `lists`, `avatars`): sessions, counters and credentials are kept apart by it. */
  realm: string;
  /** The app's secret, 32+ characters (session cookies are signed with a key derived from it). */
  secret: string;
  cookie: { name: string; path: string; secure: boolean; ttlMs: number };
  /** Where the app is reachable from outside: its origin may post forms too (behind a TLS proxy). */
  publicUrl?: string;
  /** Production refuses the built-in demo passwords. Default `NODE_ENV === 'production'`. */
  production?: boolean;
  throttle?: Partial<ThrottleLimits>;
  /**
   * Which TCP peers are our reverse proxies, whose X-Forwarded-For names the client for throttling. Default: the
   * `TRUST_PROXY` environment variable (parseTrustProxy; unset = nobody, the TCP peer is the client).
   */
  trustProxy?: TrustProxy;
  now?: () => Date;
}

/** How an app is deployed, as its kit needs it: its public URL, whether in production, its session cookie. */
export interface KitDeployment {
  publicUrl?: string;
  production: boolean;
  /** Where the app is mounted ('' = the root): the cookie's path. */
  basePath: string;
  secureCookies: boolean;
}

/** The kit's options for an app deployed so, its session cookie called `cookie.name` (Secure unless turned off). */
export function kitDeployment(
  app: KitDeployment,
  cookie: { name: string; ttlMs: number },
): Pick<AppKitOptions, 'publicUrl' | 'production' | 'cookie'> {
  return {
    ...(app.publicUrl !== undefined ? { publicUrl: app.publicUrl } : {}),
    production: app.production,
    cookie: { name: cookie.name, path: app.basePath || '/', secure: app.secureCookies, ttlMs: cookie.ttlMs },
  };
}

export type PasswordChange =
  { ok: true } | { ok: false; status: 400 | 401 | 429; error: string; retryAfterSeconds?: number };

/** Everything an app's web layer needs for accounts, bound to the app's realm. */
export interface AppKit {
  readonly realm: string;
  readonly production: boolean;
  readonly sessions: Sessions;
  /** Passwords of accounts without a table of their own (`app_kit.credentials`). */
  readonly credentials: Credentials;
  /** hono/csrf for every form route (login included). */
  readonly formOriginCheck: MiddlewareHandler;
  csrfToken(session: Session): string;
  verifyCsrf(session: Session | null, presented: unknown): boolean;
  /** The policy's hash (refuses short, over-long and — in production — built-in passwords). */
  hashPassword(password: string): Promise<string>;
  /** Constant-time check; in production a built-in password never verifies, whatever the stored hash. */
  verifyPassword(password: string, hash: string | null | undefined): Promise<boolean>;
  /** A throttled sign-in attempt for `account` (see LoginThrottle.attempt). */
  login<T>(c: Context, account: string, verify: () => Promise<T | null>): Promise<Attempt<T>>;
  /**
   * Checks the current password (throttled like a login), validates and stores the new one through `save`, and
   * revokes every session of the account but `keep` (the one making the change; null over HTTP Basic).
   */
  changePassword(
    c: Context,
    account: string,
    keep: Session | null,
    form: { current: unknown; next: unknown; confirm: unknown },
    store: { verifyCurrent(password: string): Promise<boolean>; save(hash: string): Promise<void> },
  ): Promise<PasswordChange>;
}

export async function createAppKit(options: AppKitOptions): Promise<AppKit> {
  const { store, realm } = options;
  await store.migrate(APP_KIT_MIGRATIONS);
  const production = options.production ?? process.env.NODE_ENV === 'production';
  const forbidden = forbiddenPasswords(production);
  const sessions = createSessions({
    db: store.db,
    realm,
    secret: options.secret,
    ...options.cookie,
    cookie: options.cookie.name,
    ...(options.now ? { now: options.now } : {}),
  });
  const trustProxy = options.trustProxy !== undefined ? options.trustProxy : parseTrustProxy(process.env.TRUST_PROXY);
  const throttle = createLoginThrottle({
    db: store.db,
    realm,
    trustProxy,
    ...(options.throttle ? { limits: options.throttle } : {}),
  });
  const verify = async (password: string, hash: string | null | undefined) => {
    const ok = await verifyPassword(password, hash);
    return ok && !forbidden.includes(password);
  };
  const kit: AppKit = {
    realm,
    production,
    sessions,
    credentials: createCredentials(store.db, realm),
    formOriginCheck: formOriginCheck(options.publicUrl),
    csrfToken: (session) => csrfToken(session.token, realm),
    verifyCsrf: (session, presented) => verifyCsrfToken(session?.token, realm, presented),
    hashPassword: (password) => hashPassword(password, forbidden),
    verifyPassword: verify,
    login: (c, account, check) => throttle.attempt(c, account, check),
    async changePassword(c, accountName, keep, form, store) {
      const [current, next, confirm] = [form.current, form.next, form.confirm].map((v) =>
        typeof v === 'string' ? v : '',
      );
      if (!current) return { ok: false, status: 400, error: 'Enter your current password.' };
      if (next !== confirm) return { ok: false, status: 400, error: 'The new password and its confirmation differ.' };
      const problem = passwordProblem(next, forbidden);
      if (problem) return { ok: false, status: 400, error: `${problem[0]!.toUpperCase()}${problem.slice(1)}.` };
      const checked = await throttle.attempt(c, accountName, async () =>
        (await store.verifyCurrent(current!)) ? true : null,
      );
      if (checked.kind === 'throttled')
        return {
          ok: false,
          status: 429,
          error: `Too many attempts; try again ${inTime(checked.retryAfterSeconds)}.`,
          retryAfterSeconds: checked.retryAfterSeconds,
        };
      if (checked.kind === 'failed') return { ok: false, status: 401, error: 'The current password is wrong.' };
      await store.save(await hashPassword(next!, forbidden));
      await sessions.revokeAll(accountName, keep);
      return { ok: true };
    },
  };
  return kit;
}

/** "in 15 minutes" for a Retry-After in seconds. */
export function inTime(seconds: number): string {
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  return `in ${Math.ceil(seconds / 60)} minutes`;
}

/** The 429 of a throttled sign-in, with Retry-After (JSON for APIs). */
export function throttledJson(c: Context, retryAfterSeconds: number): Response {
  return c.json({ error: `too many sign-in attempts; try again ${inTime(retryAfterSeconds)}` }, 429, {
    'Retry-After': String(retryAfterSeconds),
  });
}

export interface BasicLoginOptions<T> {
  /** The WWW-Authenticate realm. */
  realm: string;
  verify(username: string, password: string): Promise<T | null>;
  onSuccess(c: Context, value: T): void;
}

/** hono/basic-auth whose every check goes through the kit's throttle: 401 for wrong credentials, 429 once throttled. */
export function basicLogin<T>(kit: AppKit, options: BasicLoginOptions<T>): MiddlewareHandler {
  return async (c, next) => {
    let retryAfter = 0;
    let passed = false;
    const guard = basicAuth({
      realm: options.realm,
      invalidUserMessage: { error: 'invalid credentials' },
      verifyUser: async (username, password, ctx) => {
        const result = await kit.login(ctx, username, () => options.verify(username, password));
        if (result.kind === 'throttled') retryAfter = result.retryAfterSeconds;
        if (result.kind !== 'ok') return false;
        passed = true;
        options.onSuccess(ctx, result.value);
        return true;
      },
    });
    try {
      await guard(c, next);
    } catch (error) {
      if (passed || !(error instanceof HTTPException)) throw error;
      return retryAfter ? throttledJson(c, retryAfter) : error.getResponse();
    }
  };
}
