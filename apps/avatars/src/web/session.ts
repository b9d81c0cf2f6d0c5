import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { basePathOf, type AvatarsConfig } from '../config.js';

const COOKIE = 'avatars_session';

/** Signed, HttpOnly, SameSite=Lax cookie holding `<userId>.<issued unix seconds>`. */
export async function startSession(c: Context, config: AvatarsConfig, userId: number, now = Date.now()): Promise<void> {
  await setSignedCookie(c, COOKIE, `${userId}.${Math.floor(now / 1000)}`, config.sessionSecret, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: config.publicUrl.startsWith('https:'),
    path: basePathOf(config) || '/',
    maxAge: Math.floor(config.sessionTtlMs / 1000),
  });
}

/** The signed-in user id, or null (no cookie, bad signature, expired). */
export async function sessionUserId(c: Context, config: AvatarsConfig, now = Date.now()): Promise<number | null> {
  const value = await getSignedCookie(c, config.sessionSecret, COOKIE);
  if (!value) return null;
  const match = /^(\d{1,10})\.(\d{1,12})$/.exec(value);
  if (!match) return null;
  const issuedMs = Number(match[2]) * 1000;
  if (now - issuedMs > config.sessionTtlMs || issuedMs > now + 60_000) return null;
  return Number(match[1]);
}

export function endSession(c: Context, config: AvatarsConfig): void {
  deleteCookie(c, COOKIE, { path: basePathOf(config) || '/' });
}
