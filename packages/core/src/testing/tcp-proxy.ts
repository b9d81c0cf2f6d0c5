import { createServer, connect, type Server, type Socket } from 'node:net';
import { silentLogger } from '../inbox/index.js';
import { createTestDatabase, openOnTestDatabase, type TestStore, type TestStoreOptions } from './store.js';

/**
 * A TCP proxy between your app and PostgreSQL that a test can break without touching the server: `cut()` drops
 * every connection and refuses new ones, `blackhole()` accepts connections but never answers, `restore()`
 * forwards again. Point `openStore({ databaseUrl })` at `127.0.0.1:<proxy.port>` to rehearse an outage.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'forward' | 'refuse' | 'blackhole' = 'forward';
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (mode === 'refuse') return void client.destroy();
    if (mode === 'blackhole') return; // swallow everything, answer nothing
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port,
    cut() {
      mode = 'refuse';
      dropAll();
    },
    blackhole() {
      mode = 'blackhole';
      dropAll();
    },
    restore() {
      mode = 'forward';
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fresh test database behind its own TCP proxy: `url` goes through the proxy, `directUrl` around it. */
export interface ProxiedTestDatabase {
  url: string;
  directUrl: string;
  proxy: TcpProxy;
  /** Closes the proxy, then drops the database. */
  drop(): Promise<void>;
}

/** `createTestDatabase(serverUrl)` with a TCP proxy in front of it, to rehearse an outage on PostgreSQL. */
export async function createProxiedTestDatabase(serverUrl: string): Promise<ProxiedTestDatabase> {
  const database = await createTestDatabase(serverUrl);
  const target = new URL(database.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) }).catch(
    async (error: unknown) => {
      await database.drop();
      throw error;
    },
  );
  const viaProxy = new URL(database.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  return {
    url: viaProxy.toString(),
    directUrl: database.url,
    proxy,
    async drop() {
      await proxy.close();
      await database.drop();
    },
  };
}

/** A test store reached through a TCP proxy (`databaseUrl` is the proxy's); `close()` also drops the database. */
export interface ProxiedTestStore extends TestStore {
  readonly proxy: TcpProxy;
}

/** A fresh, migrated store on `serverUrl` behind its own TCP proxy (silent unless `options.logger`). */
export async function createProxiedTestStore(
  serverUrl: string,
  options: TestStoreOptions = {},
): Promise<ProxiedTestStore> {
  const database = await createProxiedTestDatabase(serverUrl);
  return Object.assign(await openOnTestDatabase(database, { logger: silentLogger, ...options }), {
    proxy: database.proxy,
  });
}
