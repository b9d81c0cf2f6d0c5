import type { IngressError } from './errors.js';

/**
 * The HTTP answer to a refused post, the same for every HTTP ingress: `{ error: code, reason }` with its status, the
 * 401 challenge (the error's own, else `defaultChallenge`), Retry-After when given, and `Connection: close` when the
 * body was left unread (so the rest of it is never read at all).
 */
export function rejectionResponse(error: IngressError, defaultChallenge?: string): Response {
  const headers: Record<string, string> = {};
  if (error.status === 401) {
    const challenge = error.challenge ?? defaultChallenge;
    if (challenge) headers['www-authenticate'] = challenge;
  }
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error.bodyUnread) headers.connection = 'close';
  return jsonResponse(error.status, { error: error.code, reason: error.message }, headers);
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
