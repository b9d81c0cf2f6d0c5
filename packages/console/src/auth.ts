/**
 * Who may open the console. There is no default: `auth` is your own middleware (sessions, SSO, a throttled login of
 * your app), `{ username, password }` for the built-in HTTP Basic sign-in, or `'development'` to leave it open — the
 * one explicit opt-out, refused when NODE_ENV is production. Anything else is a configuration error at construction.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory } from 'rate-limiter-flexible';

export type ConsoleAuth = MiddlewareHandler | { username: string; password: string } | 'development';

/** A console built with options that would leave it open or broken: thrown by `mailroomConsole` at construction. */
export class ConsoleConfigurationError extends Error {
  override name = 'ConsoleConfigurationError';
}

/** Production passwords: long enough that the throttle below makes guessing hopeless. */
const MIN_PASSWORD_LENGTH = 12;

/** The middleware guarding every console route, or null for development (explicitly open). */
export function consoleAuthMiddleware(auth: ConsoleAuth | undefined, env = process.env): MiddlewareHandler | null {
  if (typeof auth === 'function') return auth;
  if (auth === 'development') {
    if (env.NODE_ENV === 'production')
      throw new ConsoleConfigurationError(
        "mailroomConsole: auth 'development' leaves the console open and is refused with NODE_ENV=production",
      );
    return null;
  }
  if (auth && typeof auth === 'object') {
    if (typeof auth.username !== 'string' || !auth.username || typeof auth.password !== 'string' || !auth.password)
      throw new ConsoleConfigurationError('mailroomConsole: auth needs a non-empty username and password');
    if (env.NODE_ENV === 'production' && auth.password.length < MIN_PASSWORD_LENGTH)
      throw new ConsoleConfigurationError(
        `mailroomConsole: the console password must have at least ${MIN_PASSWORD_LENGTH} characters in production`,
      );
    return basicAuth(auth);
  }
  throw new ConsoleConfigurationError(
    "mailroomConsole: auth is required — pass your own middleware, { username, password }, or 'development' to leave it open while developing",
  );
}

/** Equal strings, in time that depends on neither (digests of equal length are compared). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const REALM = 'Basic realm="Mailroom console", charset="UTF-8"';

/**
 * HTTP Basic against one credential; 10 failed attempts from one client address in 15 minutes lock it out for
 * the rest of the window (429 with Retry-After). Counters live in memory: one process, reset on restart.
 */
function basicAuth(credentials: { username: string; password: string }): MiddlewareHandler {
  const failures = new RateLimiterMemory({ points: 10, duration: 15 * 60 });
  return async (c, next) => {
    const client = clientAddress(c);
    const state = await failures.get(client);
    if (state && state.remainingPoints <= 0) return tooMany(c, state.msBeforeNext);
    const given = decodeBasic(c.req.header('authorization'));
    // Both compared every time (no early exit on a wrong user name).
    const userOk = given !== null && sameSecret(given.username, credentials.username);
    const passwordOk = given !== null && sameSecret(given.password, credentials.password);
    if (userOk && passwordOk) return next();
    if (given !== null) {
      const after = await failures.penalty(client, 1);
      if (after.remainingPoints <= 0) return tooMany(c, after.msBeforeNext);
    }
    return c.text('Sign in to the Mailroom console.', 401, { 'WWW-Authenticate': REALM });
  };
}

function tooMany(c: Context, ms: number) {
  return c.text('Too many failed sign-ins; try again later.', 429, { 'Retry-After': String(Math.ceil(ms / 1000)) });
}

function decodeBasic(header: string | undefined): { username: string; password: string } | null {
  const match = /^Basic +([A-Za-z0-9+/=]{1,4096})$/i.exec(header ?? '');
  if (!match) return null;
  const text = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? null : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The peer address from @hono/node-server's bindings; one shared bucket where there are none (fetch runtimes). */
function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
