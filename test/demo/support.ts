/** Starts the demo server in-process for a test: free port, fresh data dir (and database on PostgreSQL), silent logs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@mailroom/core';
import { createTestDatabase } from '@mailroom/core/testing';
import { startDemo, type RunningDemo } from '../../apps/demo/src/server.js';

export interface TestDemo {
  demo: RunningDemo;
  url: string;
  dataDir: string;
  /** GET/POST helpers against the running server over real HTTP. */
  get(path: string, init?: RequestInit): Promise<Response>;
  postJSON(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Stops this server, keeping its data dir and database (for restart tests). */
  stop(): Promise<void>;
  /** Starts again on the same data dir and database. */
  restart(): Promise<TestDemo>;
  close(): Promise<void>;
}

export async function startTestDemo(
  env: Record<string, string> = {},
  shared?: { dataDir: string; databaseUrl?: string; drop?: () => Promise<void> },
): Promise<TestDemo> {
  const dataDir = shared?.dataDir ?? (await mkdtemp(join(tmpdir(), 'mailroom-demo-')));
  let databaseUrl = shared?.databaseUrl;
  let drop = shared?.drop;
  if (!shared && process.env.DATABASE_URL) {
    const database = await createTestDatabase(process.env.DATABASE_URL);
    databaseUrl = database.url;
    drop = database.drop;
  }
  const warnings: string[] = [];
  const demo = await startDemo({
    env: {
      NODE_ENV: 'development',
      PORT: '0',
      MAILROOM_DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...env,
    },
    logger: silentLogger,
    print: () => undefined,
    warn: (line) => warnings.push(line),
  });
  // Node's fetch and the server agree on IPv4 whatever `localhost` resolves to first.
  const url = `http://127.0.0.1:${demo.port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await demo.close();
  };
  const self: TestDemo = {
    demo,
    url,
    dataDir,
    get: (path, init) => fetch(`${url}${path}`, init),
    postJSON: (path, body, headers = {}) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    stop,
    restart: async () => {
      await stop();
      return startTestDemo(env, { dataDir, ...(databaseUrl ? { databaseUrl } : {}), ...(drop ? { drop } : {}) });
    },
    async close() {
      await stop();
      await drop?.();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return self;
}

/** Polls `probe` until it returns a value (not undefined/null/false) or the time is up. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
