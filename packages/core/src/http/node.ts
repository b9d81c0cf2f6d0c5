import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';

/**
 * Adapts a fetch handler to `node:http`'s `(req, res)`. The body is streamed into the Request
 * (never buffered here), so the ingress's size limit and streaming signature check apply.
 */
export function toNodeHandler(
  fetchHandler: (request: Request) => Response | Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  // overrideGlobalObjects: false keeps the process's own Request/Response classes untouched.
  const listener = getRequestListener((request) => fetchHandler(request), { overrideGlobalObjects: false });
  return (req, res) => {
    void listener(req, res);
  };
}
