import { Hono } from 'hono';
import { inboundHandler, type InboundHandlerOptions } from './handler.js';

export type InboundAppOptions = InboundHandlerOptions & {
  /** Route inside the sub-app; default `/parse`. */
  path?: string;
};

/**
 * A Hono sub-app serving the inbound endpoint: mount it where SendGrid's Destination URL points.
 * Other methods on the path answer 405.
 */
export function inboundApp(options: InboundAppOptions): Hono {
  const handle = inboundHandler(options);
  const app = new Hono();
  app.all(options.path ?? '/parse', (c) => handle(c.req.raw));
  return app;
}
