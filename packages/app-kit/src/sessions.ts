import { createHash, createHmac, randomBytes } from 'node:crypto';
import { and, eq, lt, ne } from 'drizzle-orm';
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import type { Database } from '@mailroom/core';
import { sessions } from './schema.js';

export interface SessionOptions {
  db: Database;
  /** Which app's sessions these are (`blog`, `lists`…): rows of one realm never open another's pages. */
  realm: string;
  /** Cookie name, e.g. `blog_session`. */
  cookie: string;
  /** The app's secret (32+ characters); the cookie is signed with a key derived from it (hono/cookie). */
  secret: string;
  /** The cookie's Secure flag (production: always). */
  secure: boolean;
  /** Cookie path: the app's mount path, `/` at the root. */
  path: string;
  ttlMs: number;
  now?: () => Date;
}

export interface Session {
  /** The account the session belongs to (an id as text, or a fixed name such as `admin`). */
  account: string;
  /** The secret token in the cookie (CSRF tokens are derived from it). */
  token: string;
}

/** Revocable server-side sessions: a signed HttpOnly SameSite=Lax cookie naming a row of `app_kit.sessions`. */
export interface Sessions {
  /** Opens a session for `account` and sets its cookie. */
  start(c: Context, account: string): Promise<Session>;
  /** The request's live session, or null (no cookie, bad signature, expired, revoked). */
  read(c: Context): Promise<Session | null>;
  /** Logout: deletes the request's session row (the cookie is dead even if replayed) and clears the cookie. */
  end(c: Context): Promise<void>;
  /** Revokes every session of `account` (after a password change), except the one named. */
  revokeAll(account: string, except?: Session | null): Promise<void>;
}

export const tokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

export function createSessions(options: SessionOptions): Sessions {
  const { db, realm, cookie } = options;
  const now = options.now ?? (() => new Date());
  const signingKey = createHmac('sha256', options.secret).update(`app-kit:session-cookie:${realm}`).digest('base64url');
  const cookieOptions = { httpOnly: true, secure: options.secure, sameSite: 'Lax' as const, path: options.path || '/' };

  return {
    async start(c, account) {
      const token = randomBytes(32).toString('base64url');
      const at = now();
      await db.delete(sessions).where(lt(sessions.expiresAt, at));
      await db.insert(sessions).values({
        tokenHash: tokenDigest(token),
        realm,
        account,
        createdAt: at,
        expiresAt: new Date(at.getTime() + options.ttlMs),
      });
      await setSignedCookie(c, cookie, token, signingKey, {
        ...cookieOptions,
        maxAge: Math.floor(options.ttlMs / 1000),
      });
      return { account, token };
    },
    async read(c) {
      const token = await getSignedCookie(c, signingKey, cookie);
      if (typeof token !== 'string' || token.length !== 43) return null;
      const [row] = await db
        .select({ account: sessions.account, expiresAt: sessions.expiresAt })
        .from(sessions)
        .where(and(eq(sessions.tokenHash, tokenDigest(token)), eq(sessions.realm, realm)));
      return row && row.expiresAt > now() ? { account: row.account, token } : null;
    },
    async end(c) {
      const token = await getSignedCookie(c, signingKey, cookie);
      if (typeof token === 'string')
        await db.delete(sessions).where(and(eq(sessions.tokenHash, tokenDigest(token)), eq(sessions.realm, realm)));
      deleteCookie(c, cookie, cookieOptions);
    },
    async revokeAll(account, except) {
      const keep = except ? ne(sessions.tokenHash, tokenDigest(except.token)) : undefined;
      await db.delete(sessions).where(and(eq(sessions.realm, realm), eq(sessions.account, account), keep));
    },
  };
}
