import { csrfToken, verifyCsrfToken } from '@mailroom/core';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import type { ResolvedConfig } from '../config.js';
import type { SupportDb } from '../db/index.js';
import { agentByApiToken, agentBySession, SESSION_TTL_MS, type PublicAgent } from '../domain/agents.js';

export const SESSION_COOKIE = 'support_session';

export type WebEnv = { Variables: { agent: PublicAgent; sessionToken: string | null } };

/** Form CSRF token for this session (core's stateless synchroniser token). */
export const csrfTokenFor = (sessionToken: string): string => csrfToken(sessionToken, 'support');

export const validCsrf = (sessionToken: string, presented: unknown): boolean => verifyCsrfToken(sessionToken, 'support', presented);

export function setSessionCookie(c: Context, config: ResolvedConfig, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: 'Lax',
    path: config.basePath || '/',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function clearSessionCookie(c: Context, config: ResolvedConfig): void {
  deleteCookie(c, SESSION_COOKIE, { path: config.basePath || '/', secure: config.secureCookies });
}

export function sessionToken(c: Context): string | null {
  return getCookie(c, SESSION_COOKIE) ?? null;
}

/** Pages: a valid session or a redirect to the login page. */
export function requirePageAgent(db: SupportDb, config: ResolvedConfig): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const token = sessionToken(c);
    const agent = token ? await agentBySession(db, token) : null;
    if (!agent || !token) return c.redirect(`${config.basePath}/login`, 303);
    c.set('agent', agent);
    c.set('sessionToken', token);
    await next();
  };
}

/**
 * API: `Authorization: Bearer <token>`, or the session cookie — then unsafe methods must carry the
 * CSRF token in `X-CSRF-Token` (a cross-site form cannot set that header).
 */
export function requireApiAgent(db: SupportDb): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const auth = c.req.header('authorization');
    if (auth !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(auth);
      const agent = match ? await agentByApiToken(db, match[1]!) : null;
      if (!agent) return c.json({ error: 'invalid bearer token' }, 401, { 'WWW-Authenticate': 'Bearer' });
      c.set('agent', agent);
      c.set('sessionToken', null);
      return next();
    }
    const token = sessionToken(c);
    const agent = token ? await agentBySession(db, token) : null;
    if (!agent || !token) return c.json({ error: 'authentication required (Bearer token or session)' }, 401, { 'WWW-Authenticate': 'Bearer' });
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && !validCsrf(token, c.req.header('x-csrf-token'))) {
      return c.json({ error: 'missing or invalid X-CSRF-Token' }, 403);
    }
    c.set('agent', agent);
    c.set('sessionToken', token);
    return next();
  };
}
