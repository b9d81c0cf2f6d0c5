import { basicLogin, type AppKit, type Session } from '@mailroom/app-kit';
import type { MiddlewareHandler } from 'hono';
import type { ResolvedConfig } from '../config.js';

// The admin password follows the kit's one policy (scrypt, 12+ characters).
export { hashPassword } from '@mailroom/app-kit';

export const SESSION_COOKIE = 'lists_admin';
export const SESSION_TTL_MS = 12 * 3600 * 1000;
/** The one admin account (password only), stored in the kit's `app_kit.credentials`. */
export const ADMIN_ACCOUNT = 'admin';

export type AdminEnv = { Variables: { session: Session | null } };

export async function verifyAdminPassword(kit: AppKit, password: string): Promise<boolean> {
  return kit.verifyPassword(password, await kit.credentials.hashOf(ADMIN_ACCOUNT));
}

/** Every request: the admin session, if any (archive pages show admin links; members-only archives open). */
export function loadSession(kit: AppKit): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    c.set('session', await kit.sessions.read(c));
    await next();
  };
}

/** Pages: a live admin session or a redirect to the login page. */
export function requireAdminPage(config: ResolvedConfig): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    if (!c.var.session) return c.redirect(`${config.basePath}/login`, 303);
    await next();
  };
}

/**
 * API: HTTP Basic with the admin password (user name ignored; throttled like the login form), or the session
 * cookie — then unsafe methods must carry `X-CSRF-Token` (a cross-site form cannot set it).
 */
export function requireAdminApi(kit: AppKit): MiddlewareHandler<AdminEnv> {
  const basic = basicLogin(kit, {
    realm: 'lists admin',
    verify: async (_username, password) => ((await verifyAdminPassword(kit, password)) ? true : null),
    onSuccess: () => undefined,
  });
  return async (c, next) => {
    if (c.req.header('authorization') !== undefined) return basic(c, next);
    const session = c.var.session ?? (await kit.sessions.read(c));
    if (!session)
      return c.json({ error: 'authentication required (Basic admin password or session)' }, 401, {
        'WWW-Authenticate': 'Basic realm="lists admin"',
      });
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && !kit.verifyCsrf(session, c.req.header('x-csrf-token'))) {
      return c.json({ error: 'missing or invalid X-CSRF-Token' }, 403);
    }
    c.set('session', session);
    return next();
  };
}
