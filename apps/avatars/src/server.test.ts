import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, inboundRequest } from '@mailroom/core/testing';
import { addressHash } from './domain/secrets.js';
import { securityFromEnv } from '@mailroom/core';
import { main } from './server.js';

let dir: string;
let running: Awaited<ReturnType<typeof main>>;
let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'avatars-server-'));
  // With DATABASE_URL the server gets its own new database, never the shared one.
  if (process.env.DATABASE_URL) database = await createTestDatabase(process.env.DATABASE_URL);
  running = await main({
    PORT: '0',
    HOST: '127.0.0.1',
    MAILROOM_DATA_DIR: dir,
    MAILROOM_INSECURE: '1',
    AVATARS_SESSION_SECRET: 'a-standalone-session-secret-of-32+chars',
    AVATARS_PUBLIC_URL: 'http://127.0.0.1/pictures',
    DATABASE_URL: database?.url ?? '',
  });
});

afterAll(async () => {
  await running?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

it('serves the web side under the public URL path and accepts Inbound Parse posts', async () => {
  const base = `http://127.0.0.1:${running.port}`;
  const avatar = await fetch(`${base}/pictures/avatar/${addressHash('x@example.com')}?s=128`);
  expect(avatar.status).toBe(200);
  expect(avatar.headers.get('etag')).toBe('"default-128-jpeg"');
  expect((await fetch(`${base}/pictures`)).status).toBe(200);
  const post = await fetch(
    inboundRequest(
      { from: 'x@example.com', to: 'avatar@avatars.example.com' },
      { url: `${base}/webhooks/sendgrid/parse` },
    ),
  );
  expect(post.status).toBe(200);
});

it('refuses to start without a way to authenticate SendGrid', () => {
  expect(() => securityFromEnv({})).toThrow(/SENDGRID_PARSE_PUBLIC_KEY/);
  expect(securityFromEnv({ SENDGRID_PARSE_PUBLIC_KEY: 'a,b' }).security.publicKeys).toEqual(['a', 'b']);
  expect(securityFromEnv({ SENDGRID_PARSE_BASIC: 'u:p:q' }).security.basic).toEqual([
    { username: 'u', password: 'p:q' },
  ]);
});
