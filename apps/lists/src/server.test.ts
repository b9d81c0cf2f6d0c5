import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, inboundRequest } from '@mailroom/core/testing';
import { configFromEnv, EnvError, main } from './server.js';

const base = { LISTS_SECRET: 'x'.repeat(40), MAILROOM_INSECURE: '1' };

describe('configuration from the environment', () => {
  it('reads defaults, keys and security', () => {
    const config = configFromEnv({
      ...base,
      LISTS_SECRET_PREVIOUS: 'an older secret of enough length',
      LISTS_ADMIN_PASSWORD: 'admin password',
    });
    expect(config.app).toMatchObject({
      domain: 'lists.example.com',
      basePath: '/lists',
      publicUrl: 'http://localhost:3000/lists',
      bounceThreshold: 3,
    });
    expect(config.app.keys.map((k) => k.id)).toEqual(['current', 'previous']);
    expect(config.security).toEqual({ insecure: true });
    expect(config.admin).toEqual({ password: 'admin password' });
  });

  it('refuses incomplete or unsafe settings with a reason', () => {
    expect(() => configFromEnv({})).toThrow(new EnvError('LISTS_SECRET is required (see apps/lists/README.md)'));
    expect(() => configFromEnv({ ...base, LISTS_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => configFromEnv({ ...base, MAILROOM_INSECURE: undefined })).toThrow(/SENDGRID_PARSE_PUBLIC_KEY/);
    expect(() => configFromEnv({ ...base, LISTS_BOUNCE_THRESHOLD: '0' })).toThrow(/LISTS_BOUNCE_THRESHOLD/);
    expect(() => configFromEnv({ ...base, LISTS_ADMIN_PASSWORD_HASH: 'plain' })).toThrow(/scrypt/);
  });
});

describe('standalone server', () => {
  it('starts (PGlite in a data dir, or a fresh PostgreSQL database), takes mail and serves the archive and login', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lists-server-'));
    const database = process.env.DATABASE_URL ? await createTestDatabase(process.env.DATABASE_URL) : null;
    const running = await main({
      ...base,
      PORT: '0',
      MAILROOM_DATA_DIR: dataDir,
      LISTS_ADMIN_PASSWORD: 'admin password',
      DATABASE_URL: database?.url,
    });
    try {
      const url = `http://127.0.0.1:${running.port}`;
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready' });
      expect((await fetch(`${url}/lists`)).status).toBe(200);
      expect((await fetch(`${url}/lists/login`)).status).toBe(200);
      const login = await fetch(`${url}/lists/login`, {
        method: 'POST',
        body: new URLSearchParams({ password: 'admin password' }),
        headers: { origin: url },
        redirect: 'manual',
      });
      expect(login.status).toBe(303);
      const posted = await fetch(
        inboundRequest(
          { from: 'x@y.test', to: 'nobody@lists.example.com', subject: 's', text: 't' },
          { url: `${url}/webhooks/sendgrid/parse` },
        ),
      );
      expect(posted.status).toBe(200);
    } finally {
      await running.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
