import { basicLogin, type AppKit, type Session } from '@mailroom/app-kit';
import type { MiddlewareHandler } from 'hono';
import type { BlogConfig } from '../config.js';
import type { BlogDb } from '../db/index.js';
import type { Author } from '../db/schema.js';
import { authenticateAuthor, authorById } from '../domain/authors.js';

export const SESSION_COOKIE = 'blog_session';

export type WebEnv = { Variables: { author: Author | null; session: Session | null } };

/** Loads the signed-in author (if any) for every request: pages show "Your posts", previews work. */
export function loadSession(db: BlogDb, kit: AppKit): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const session = await kit.sessions.read(c);
    const author = session ? await authorById(db, Number(session.account)) : null;
    c.set('author', author);
    c.set('session', author ? session : null);
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
 * API: HTTP Basic (`email:password`, throttled like the login form) for scripts, or the session cookie — then
 * unsafe methods need the page's CSRF token in `X-CSRF-Token` (a cross-site form cannot set headers).
 */
export function requireApiAuthor(db: BlogDb, kit: AppKit): MiddlewareHandler<WebEnv> {
  const basic = basicLogin<Author>(kit, {
    realm: 'blog',
    verify: (email, password) => authenticateAuthor(db, email, password, kit.verifyPassword),
    onSuccess: (c, author) => {
      c.set('author', author);
      c.set('session', null);
    },
  });
  return async (c, next) => {
    if (c.req.header('authorization') !== undefined) return basic(c, next);
    if (!c.var.author)
      return c.json({ error: 'authentication required (HTTP Basic or a session)' }, 401, {
        'WWW-Authenticate': 'Basic realm="blog"',
      });
    if (
      !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) &&
      !kit.verifyCsrf(c.var.session, c.req.header('x-csrf-token'))
    ) {
      return c.json({ error: 'missing or invalid X-CSRF-Token' }, 403);
    }
    return next();
  };
}
