import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface StartServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default all interfaces; `127.0.0.1` for tests. */
  hostname?: string;
}

export interface RunningServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** `http://<hostname or localhost>:<port>` */
  readonly url: string;
  /** Stops accepting connections and resolves once open ones are closed. */
  close(): Promise<void>;
}

/**
 * Serves a fetch handler on node:http and resolves once it listens (a standalone app's server, a test's).
 *
 * @example
 * ```ts
 * const server = await startServer(app.fetch, { port: Number(process.env.PORT ?? 3000) });
 * console.log(`listening on ${server.url}`);
 * ```
 */
export async function startServer(
  fetchHandler: (request: Request) => Response | Promise<Response>,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const server = serve({ fetch: fetchHandler, port: options.port ?? 0, ...(options.hostname ? { hostname: options.hostname } : {}) });
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  }
  const port = (server.address() as AddressInfo).port;
  const host = !options.hostname || options.hostname === '0.0.0.0' || options.hostname === '::' ? 'localhost' : options.hostname;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections with nothing in flight would otherwise hold close() open until they time out.
        if ('closeIdleConnections' in server) (server as { closeIdleConnections(): void }).closeIdleConnections();
      }),
  };
}
