import type { AppKit, Session } from '@mailroom/app-kit';
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { ResolvedConfig } from '../config.js';
import type { SupportDb } from '../db/index.js';
import { agentByApiToken, agentById, type PublicAgent } from '../domain/agents.js';

export const SESSION_COOKIE = 'support_session';

export type WebEnv = { Variables: { agent: PublicAgent; session: Session | null } };

async function sessionAgent(
  db: SupportDb,
  kit: AppKit,
  c: Context,
): Promise<{ agent: PublicAgent; session: Session } | null> {
  const session = await kit.sessions.read(c);
  const agent = session ? await agentById(db, Number(session.account)) : null;
  return agent && session ? { agent, session } : null;
}

/** Pages: a valid session or a redirect to the login page. */
export function requirePageAgent(db: SupportDb, kit: AppKit, config: ResolvedConfig): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const found = await sessionAgent(db, kit, c);
    if (!found) return c.redirect(`${config.basePath}/login`, 303);
    c.set('agent', found.agent);
    c.set('session', found.session);
    await next();
  };
}

/**
 * API: `Authorization: Bearer <token>` (hono/bearer-auth; 256-bit random tokens, looked up by hash), or the session
 * cookie — then unsafe methods must carry the CSRF token in `X-CSRF-Token` (a cross-site form cannot set that header).
 */
export function requireApiAgent(db: SupportDb, kit: AppKit): MiddlewareHandler<WebEnv> {
  const bearer = bearerAuth({
    verifyToken: async (token, c: Context<WebEnv>) => {
      const agent = await agentByApiToken(db, token);
      if (agent) {
        c.set('agent', agent);
        c.set('session', null);
      }
      return agent !== null;
    },
    invalidTokenMessage: { error: 'invalid bearer token' },
    invalidAuthenticationHeaderMessage: { error: 'malformed Authorization header (Bearer <token>)' },
  });
  return async (c, next) => {
    if (c.req.header('authorization') !== undefined) return bearer(c, next);
    const found = await sessionAgent(db, kit, c);
    if (!found)
      return c.json({ error: 'authentication required (Bearer token or session)' }, 401, {
        'WWW-Authenticate': 'Bearer',
      });
    if (
      !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) &&
      !kit.verifyCsrf(found.session, c.req.header('x-csrf-token'))
    ) {
      return c.json({ error: 'missing or invalid X-CSRF-Token' }, 403);
    }
    c.set('agent', found.agent);
    c.set('session', found.session);
    return next();
  };
}
