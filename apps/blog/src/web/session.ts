import { csrfToken, verifyCsrfToken } from '@mailroom/core';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { BlogConfig } from '../config.js';
import type { BlogDb } from '../db/index.js';
import type { Author } from '../db/schema.js';
import { authenticateAuthor, authorBySession, SESSION_TTL_MS } from '../domain/authors.js';

export const SESSION_COOKIE = 'blog_session';

export type WebEnv = { Variables: { author: Author | null; sessionToken: string | null } };
export type AuthedEnv = { Variables: { author: Author; sessionToken: string | null } };

/** Form CSRF token for this session (core's stateless synchroniser token). */
export const csrfTokenFor = (sessionToken: string): string => csrfToken(sessionToken, 'blog');

export const validCsrf = (sessionToken: string | null, presented: unknown): boolean => verifyCsrfToken(sessionToken, 'blog', presented);

export function setSessionCookie(c: Context, config: BlogConfig, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: 'Lax',
    path: config.basePath || '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function clearSessionCookie(c: Context, config: BlogConfig): void {
  deleteCookie(c, SESSION_COOKIE, { path: config.basePath || '/', secure: config.secureCookies });
}

/** Loads the signed-in author (if any) for every request: pages show "Your posts", previews work. */
export function loadSession(db: BlogDb, config: BlogConfig): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE) ?? null;
    const author = token ? await authorBySession(db, token, config.now()) : null;
    c.set('author', author);
    c.set('sessionToken', author ? token : null);
    await next();
  };
}

/** Pages: a session or a redirect to the login page. */
export function requirePageAuthor(config: BlogConfig): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (!c.var.author) return c.redirect(`${config.basePath}/login`, 303);
    await next();
  };
}

/**
 * API: HTTP Basic (`email:password`) for scripts, or the session cookie — then unsafe methods need the
 * page's CSRF token in `X-CSRF-Token` (a cross-site form cannot set headers).
 */
export function requireApiAuthor(db: BlogDb): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
      const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const author = colon > 0 ? await authenticateAuthor(db, decoded.slice(0, colon), decoded.slice(colon + 1)) : null;
      if (!author) return c.json({ error: 'invalid credentials' }, 401, { 'WWW-Authenticate': 'Basic realm="blog"' });
      c.set('author', author);
      c.set('sessionToken', null);
      return next();
    }
    if (!c.var.author) return c.json({ error: 'authentication required (HTTP Basic or a session)' }, 401, { 'WWW-Authenticate': 'Basic realm="blog"' });
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && !validCsrf(c.var.sessionToken, c.req.header('x-csrf-token'))) {
      return c.json({ error: 'missing or invalid X-CSRF-Token' }, 403);
    }
    return next();
  };
}
