import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A form CSRF token without server state (synchroniser token): a MAC of the secret session token, so only a page
 * rendered for this session can post. `purpose` separates apps (and forms) sharing a session.
 *
 * @example
 * ```ts
 * html`<input type="hidden" name="csrf" value="${csrfToken(session, 'blog')}">`;
 * if (!verifyCsrfToken(session, 'blog', form.csrf)) return c.text('invalid form token', 403);
 * ```
 */
export function csrfToken(session: string, purpose: string): string {
  return createHmac('sha256', session).update(`mailroom-csrf:${purpose}`).digest('base64url');
}

/** True when `presented` is the session's token for `purpose`; constant-time, false for anything but a string. */
export function verifyCsrfToken(session: string | null, purpose: string, presented: unknown): boolean {
  if (!session || typeof presented !== 'string' || !presented) return false;
  const expected = Buffer.from(csrfToken(session, purpose));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
