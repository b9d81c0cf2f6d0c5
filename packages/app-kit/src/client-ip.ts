import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The peer address of the TCP connection (@hono/node-server's conninfo). Forwarded-for headers are not
 * believed: a client writes them. Behind a reverse proxy every client shares the proxy's address, so the
 * per-address limit then acts per proxy — the per-account limits still hold.
 */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by @hono/node-server (a test calling app.fetch directly)
  }
}
