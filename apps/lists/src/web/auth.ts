import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ResolvedConfig } from '../config.js';

// scrypt N=2^15, r=8 (32 MiB): OWASP's minimum recommendation.
const N = 32768;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;
export const SESSION_COOKIE = 'lists_admin';
const SESSION_TTL_SECONDS = 12 * 3600;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>` with a fresh 16-byte salt (put it in `LISTS_ADMIN_PASSWORD_HASH`). */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < 8) throw new Error('the admin password must be at least 8 characters');
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (!stored) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function mac(config: ResolvedConfig, purpose: string, value: string): string {
  return createHmac('sha256', config.keys[0]!.secret).update(`lists:${purpose}:${value}`).digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A stateless session: `<expiry>.<nonce>.<mac>`, signed with the first key. */
export function newSession(config: ResolvedConfig): string {
  const body = `${Math.floor(Date.now() / 1000) + SESSION_TTL_SECONDS}.${randomBytes(12).toString('base64url')}`;
  return `${body}.${mac(config, 'session', body)}`;
}

export function validSession(config: ResolvedConfig, value: string | undefined | null): boolean {
  if (!value) return false;
  const at = value.lastIndexOf('.');
  if (at < 0) return false;
  const body = value.slice(0, at);
  if (!same(value.slice(at + 1), mac(config, 'session', body))) return false;
  return Number(body.split('.')[0]) > Date.now() / 1000;
}

/** The form/API CSRF token: a MAC of the session, so only pages rendered for this session can post. */
export function csrfToken(config: ResolvedConfig, session: string): string {
  return mac(config, 'csrf', session);
}

export function validCsrf(config: ResolvedConfig, session: string, presented: unknown): boolean {
  return typeof presented === 'string' && presented.length > 0 && same(presented, csrfToken(config, session));
}

export function setSession(c: Context, config: ResolvedConfig, session: string): void {
  setCookie(c, SESSION_COOKIE, session, {
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: 'Lax',
    path: config.basePath || '/',
    maxAge: SESSION_TTL_SECONDS,
  });
}

export function clearSession(c: Context, config: ResolvedConfig): void {
  deleteCookie(c, SESSION_COOKIE, { path: config.basePath || '/', secure: config.secureCookies });
}

export type AdminEnv = { Variables: { session: string | null } };

/** Pages: a valid session cookie or a redirect to the login page. */
export function requireAdminPage(config: ResolvedConfig): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const session = getCookie(c, SESSION_COOKIE);
    if (!validSession(config, session)) return c.redirect(`${config.basePath}/login`, 303);
    c.set('session', session!);
    await next();
  };
}

/**
 * API: HTTP Basic with the admin password (user name ignored; scrypt-verified), or the session
 * cookie — then unsafe methods must carry `X-CSRF-Token` (a cross-site form cannot set it).
 */
export function requireAdminApi(config: ResolvedConfig): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const auth = c.req.header('authorization');
    if (auth !== undefined) {
      const match = /^Basic\s+(\S+)$/i.exec(auth);
      const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
      const password = decoded.slice(decoded.indexOf(':') + 1);
      if (!match || !(await verifyPassword(password, config.adminPasswordHash))) {
        return c.json({ error: 'invalid credentials' }, 401, { 'WWW-Authenticate': 'Basic realm="lists admin"' });
      }
      c.set('session', null);
      return next();
    }
    const session = getCookie(c, SESSION_COOKIE);
    if (!validSession(config, session)) return c.json({ error: 'authentication required (Basic admin password or session)' }, 401, { 'WWW-Authenticate': 'Basic realm="lists admin"' });
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && !validCsrf(config, session!, c.req.header('x-csrf-token'))) {
      return c.json({ error: 'missing or invalid X-CSRF-Token' }, 403);
    }
    c.set('session', session!);
    return next();
  };
}
