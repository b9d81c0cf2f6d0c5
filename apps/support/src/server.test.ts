import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, inboundRequest } from '@mailroom/core/testing';
import { configFromEnv, EnvError, main, parseQueues } from './server.js';

const base = { SUPPORT_DOMAIN: 'support.example.com', SUPPORT_SECRET: 'x'.repeat(40), MAILROOM_INSECURE: '1' };

describe('configuration from the environment', () => {
  it('parses queues, throttle and security', () => {
    expect(parseQueues('support@a.test=general, billing@a.test=billing,help@a.test')).toEqual([
      { address: 'support@a.test', name: 'general' },
      { address: 'billing@a.test', name: 'billing' },
      { address: 'help@a.test', name: 'help' },
    ]);
    const config = configFromEnv({ ...base, SUPPORT_THROTTLE: '3/10', SUPPORT_SECRET_PREVIOUS: 'old secret' });
    expect(config.app.throttle).toEqual({ maxTickets: 3, windowMinutes: 10 });
    expect(config.keys.map((k) => k.id)).toEqual(['current', 'previous']);
    expect(config.app.queues).toEqual([{ address: 'support@support.example.com', name: 'general' }]);
    expect(config.security).toEqual({ insecure: true });
  });

  it('refuses incomplete or unsafe settings with a reason', () => {
    expect(() => configFromEnv({})).toThrow(new EnvError('SUPPORT_DOMAIN is required (see apps/support/README.md)'));
    expect(() => configFromEnv({ ...base, SUPPORT_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => configFromEnv({ ...base, MAILROOM_INSECURE: undefined })).toThrow(/SENDGRID_PARSE_PUBLIC_KEY/);
    expect(() => configFromEnv({ ...base, SUPPORT_THROTTLE: 'lots' })).toThrow(/SUPPORT_THROTTLE/);
  });
});

describe('standalone server', () => {
  it('starts (PGlite in a data dir, or a fresh PostgreSQL database), takes mail and serves the login page', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'support-server-'));
    // With DATABASE_URL the server gets its own new database, never the shared one.
    const database = process.env.DATABASE_URL ? await createTestDatabase(process.env.DATABASE_URL) : null;
    const env = {
      ...base,
      PORT: '0',
      MAILROOM_DATA_DIR: dataDir,
      SUPPORT_ADMIN_EMAIL: 'admin@staff.test',
      SUPPORT_ADMIN_PASSWORD: 'admin password',
      DATABASE_URL: database?.url,
    };
    const running = await main(env);
    try {
      const url = `http://127.0.0.1:${running.port}`;
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready' });
      expect((await fetch(`${url}/login`)).status).toBe(200);
      const posted = await fetch(
        inboundRequest(
          { from: 'ann@customer.test', to: 'support@support.example.com', subject: 'Standalone' },
          { url: `${url}/webhooks/sendgrid/parse` },
        ),
      );
      expect(posted.status).toBe(200);
      const login = await fetch(`${url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
        body: new URLSearchParams({ email: 'admin@staff.test', password: 'admin password' }).toString(),
      });
      expect(login.status).toBe(303);
      expect(login.headers.get('set-cookie')).toContain('Secure');
    } finally {
      await running.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
