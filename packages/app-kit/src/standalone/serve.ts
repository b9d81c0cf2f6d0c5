import { Hono, type Env } from 'hono';
import { startServer, type Mailroom, type MigrationSet, type Store } from '@mailroom/core';
import { healthRoutes } from '@mailroom/core/http';
import { secureCookieWarning } from '../deployment.js';

/** `E`: the app's Hono environment (its context variables); the standalone root mounts it as it is. */
export interface StandaloneOptions<E extends Env = Env> {
  store: Store;
  mailroom: Pick<Mailroom<object>, 'app' | 'start' | 'stop' | 'store' | 'state'>;
  /** The app's migrations: `/readyz` answers 503 while one is pending. */
  migrationSets?: MigrationSet[];
  /** The app's pages, mounted at `basePath` ('' or '/' = the root; with a path, `/` redirects there). */
  web: Hono<E>;
  basePath: string;
  port: number;
  /** Default all interfaces. */
  hostname?: string;
  /** False: a receiver only (`settings.worker` from `MAILROOM_WORKER=off`): neither the worker nor the loops run here. */
  worker?: boolean;
  /** The app's own loops: started after the Mailroom, stopped before it (they queue mail its deliverer sends). */
  loops?: { start(): void; stop(): Promise<void> };
  /** Checked for the start-up warning about cookies that are not Secure in production. */
  cookies: { production: boolean; publicUrl?: string | undefined; secureCookies: boolean };
  /** The start-up line (JSON on stdout) gets these fields after `event` and the bound `port`. */
  announce: { event: string } & Record<string, unknown>;
  /** Default `console.log` / `console.warn`. */
  print?: (line: string) => void;
  warn?: (line: string) => void;
}

export interface RunningStandalone {
  port: number;
  close(): Promise<void>;
}

/**
 * The one standalone server every sample app runs: SendGrid's webhooks at `/webhooks/sendgrid` (Parse URL
 * `<host>/webhooks/sendgrid/parse`), `/healthz`, the app's pages at its base path; the Mailroom and the app's
 * loops start once the port is bound, and `close()` stops everything in the order that loses no queued mail.
 */
export async function serveStandalone<E extends Env>(options: StandaloneOptions<E>): Promise<RunningStandalone> {
  const { store, mailroom, loops } = options;
  const warning = secureCookieWarning(options.cookies);
  if (warning) (options.warn ?? console.warn)(warning);
  const server = await startServer(standaloneRoutes(options).fetch, {
    port: options.port,
    ...(options.hostname ? { hostname: options.hostname } : {}),
  });
  if (options.worker !== false) {
    mailroom.start();
    loops?.start();
  }
  const { event, ...fields } = options.announce;
  const role = options.worker === false ? 'receiver' : 'receiver+worker';
  (options.print ?? console.log)(JSON.stringify({ event, port: server.port, role, ...fields }));
  return {
    port: server.port,
    async close() {
      await server.close();
      await loops?.stop();
      await mailroom.stop();
      await store.close();
    },
  };
}

function standaloneRoutes<E extends Env>(options: StandaloneOptions<E>): Hono {
  const base = options.basePath === '/' ? '' : options.basePath;
  const app = new Hono();
  app.route('/webhooks/sendgrid', options.mailroom.app());
  // /healthz: the process answers; /readyz: the database answers and no migration is pending (503 with the
  // reason otherwise), for a load balancer's or an orchestrator's checks.
  app.route('/', healthRoutes(options.mailroom, { migrationSets: options.migrationSets ?? [] }));
  if (base) {
    app.get('/', (c) => c.redirect(base, 302));
    app.get(`${base}/`, (c) => c.redirect(base, 301));
  }
  app.route(base || '/', options.web);
  return app;
}
