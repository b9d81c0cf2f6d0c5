import type { Server, ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface ServerTimeouts {
  /** The request line and headers must arrive within this (Node's `headersTimeout`); default 20 s. */
  headersTimeoutMs?: number;
  /**
   * The whole request must arrive within this (Node's `requestTimeout`, answered 408); default 120 s. A backstop:
   * the ingress answers a slow webhook body itself (`limits.bodyTimeoutMs`, 60 s, and a minimum rate).
   */
  requestTimeoutMs?: number;
}

export const DEFAULT_SERVER_TIMEOUTS: Readonly<Required<ServerTimeouts>> = Object.freeze({
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
});

/**
 * `node:http` server options with sane timeouts (Node's defaults let a request take 300 s, checked every 30 s):
 * pass them to `http.createServer(serverTimeoutOptions(), mailroom.nodeHandler())` or
 * `serve({ fetch, serverOptions: serverTimeoutOptions() })`.
 */
export function serverTimeoutOptions(timeouts: ServerTimeouts = {}): ServerOptions {
  const headersTimeout = timeouts.headersTimeoutMs ?? DEFAULT_SERVER_TIMEOUTS.headersTimeoutMs;
  const requestTimeout = timeouts.requestTimeoutMs ?? DEFAULT_SERVER_TIMEOUTS.requestTimeoutMs;
  if (!(headersTimeout > 0 && requestTimeout >= headersTimeout)) {
    throw new RangeError(
      `server timeouts: need 0 < headersTimeoutMs (${headersTimeout}) <= requestTimeoutMs (${requestTimeout})`,
    );
  }
  // Node checks both timeouts every connectionsCheckingInterval (default 30 s): a tenth of the shorter one.
  return {
    headersTimeout,
    requestTimeout,
    connectionsCheckingInterval: Math.max(250, Math.min(5_000, Math.floor(headersTimeout / 10))),
  };
}

export interface StartServerOptions extends ServerTimeouts {
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
 * Serves a fetch handler on node:http and resolves once it listens (a standalone app's server, a test's), with
 * the timeouts of `serverTimeoutOptions()`.
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
  const server = serve({
    fetch: fetchHandler,
    port: options.port ?? 0,
    serverOptions: serverTimeoutOptions(options),
    ...(options.hostname ? { hostname: options.hostname } : {}),
  }) as Server;
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  }
  const port = (server.address() as AddressInfo).port;
  const host =
    !options.hostname || options.hostname === '0.0.0.0' || options.hostname === '::' ? 'localhost' : options.hostname;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections with nothing in flight would otherwise hold close() open until they time out.
        server.closeIdleConnections();
      }),
  };
}
