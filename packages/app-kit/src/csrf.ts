import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';

/**
 * hono/csrf for form posts (login included): a browser's cross-site form post is refused (403) by its
 * `Origin`/`Sec-Fetch-Site`. Allowed: the request's own origin, and the public URL's (behind a TLS proxy they differ).
 */
export function formOriginCheck(publicUrl?: string): MiddlewareHandler {
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : null;
  return csrf({ origin: (origin, c) => origin === publicOrigin || origin === new URL(c.req.url).origin });
}

/**
 * A form CSRF token without server state (synchroniser token): a MAC keyed by the secret session token, so only
 * a page rendered for this session can post. `purpose` separates apps sharing a session.
 */
export function csrfToken(sessionToken: string, purpose: string): string {
  return createHmac('sha256', sessionToken).update(`mailroom-csrf:${purpose}`).digest('base64url');
}

/** True when `presented` is the session's token for `purpose`; constant-time, false for anything but a string. */
export function verifyCsrfToken(sessionToken: string | null | undefined, purpose: string, presented: unknown): boolean {
  if (!sessionToken || typeof presented !== 'string' || !presented) return false;
  const expected = Buffer.from(csrfToken(sessionToken, purpose));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
