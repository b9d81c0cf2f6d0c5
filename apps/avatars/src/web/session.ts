import type { AppKit } from '@mailroom/app-kit';
import type { Context } from 'hono';

export const SESSION_COOKIE = 'avatars_session';

/** Opens a revocable server-side session (the kit's signed, HttpOnly, SameSite=Lax cookie). */
export async function startSession(c: Context, kit: AppKit, userId: number): Promise<void> {
  await kit.sessions.start(c, String(userId));
}

/** The signed-in user id, or null (no cookie, bad signature, expired, logged out). */
export async function sessionUserId(c: Context, kit: AppKit): Promise<number | null> {
  const session = await kit.sessions.read(c);
  const id = session ? Number(session.account) : Number.NaN;
  return Number.isSafeInteger(id) ? id : null;
}

/** Logout: the session row goes, so the cookie is dead even if someone kept a copy. */
export function endSession(c: Context, kit: AppKit): Promise<void> {
  return kit.sessions.end(c);
}
