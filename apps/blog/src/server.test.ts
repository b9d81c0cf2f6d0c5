import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, inboundRequest, TEST_KEY_PAIR } from '@mailroom/core/testing';
import { configFromEnv, EnvError, main } from './server.js';

const BASE_ENV = {
  BLOG_DOMAIN: 'blog.example.com',
  BLOG_SECRET: 'a secret of at least thirty-two characters!',
  SENDGRID_PARSE_PUBLIC_KEY: TEST_KEY_PAIR.publicKey,
};

describe('configFromEnv', () => {
  it('reads the documented variables', () => {
    const settings = configFromEnv({
      ...BASE_ENV,
      PORT: '8080',
      BLOG_PUBLIC_URL: 'https://example.com/blog',
      BLOG_TITLE: 'Notes',
      BLOG_ALLOW_PLAIN_ADDRESS: '0',
      BLOG_TIME_ZONE: 'Europe/Paris',
      BLOG_POSTS_PER_PAGE: '5',
      DATABASE_URL: 'postgres://db/blog',
      BLOG_ADMIN_EMAIL: 'ann@example.com',
      BLOG_ADMIN_PASSWORD: 'long enough password',
    });
    expect(settings.port).toBe(8080);
    expect(settings.app).toMatchObject({
      domain: 'blog.example.com',
      publicUrl: 'https://example.com/blog',
      title: 'Notes',
      allowPlainAddress: false,
      timeZone: 'Europe/Paris',
      postsPerPage: 5,
    });
    expect(settings.store).toEqual({ databaseUrl: 'postgres://db/blog' });
    expect(settings.admin).toEqual({ email: 'ann@example.com', name: 'Admin' });
  });

  it('refuses incomplete or unsafe settings with a reason', () => {
    expect(() => configFromEnv({ ...BASE_ENV, BLOG_DOMAIN: '' })).toThrow(/BLOG_DOMAIN is required/);
    expect(() => configFromEnv({ ...BASE_ENV, BLOG_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => configFromEnv({ ...BASE_ENV, SENDGRID_PARSE_PUBLIC_KEY: undefined })).toThrow(EnvError);
    expect(
      configFromEnv({ ...BASE_ENV, SENDGRID_PARSE_PUBLIC_KEY: undefined, MAILROOM_INSECURE: '1' }).security,
    ).toEqual({ insecure: true });
    expect(() => configFromEnv({ ...BASE_ENV, BLOG_ALLOW_PLAIN_ADDRESS: 'maybe' })).toThrow(/must be 1 or 0/);
  });
});

describe('standalone server', () => {
  let dataDir: string;
  let database: { url: string; drop(): Promise<void> } | null = null;
  let running: { port: number; close(): Promise<void> };
  let origin: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'blog-server-'));
    if (process.env.DATABASE_URL) database = await createTestDatabase(process.env.DATABASE_URL);
    running = await main({
      ...BASE_ENV,
      PORT: '0',
      BLOG_PUBLIC_URL: 'http://localhost/blog',
      BLOG_TITLE: 'Standalone Notes',
      BLOG_ADMIN_EMAIL: 'ann@writers.test',
      BLOG_ADMIN_PASSWORD: 'ann password 123',
      BLOG_ADMIN_NAME: 'Ann',
      ...(database ? { DATABASE_URL: database.url } : { MAILROOM_DATA_DIR: dataDir }),
    });
    origin = `http://127.0.0.1:${running.port}`;
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the blog under its base path and publishes mail posted to the webhook', async () => {
    expect(await (await fetch(`${origin}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${origin}/readyz`)).json()).toMatchObject({ status: 'ready' });
    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/blog');
    expect(await (await fetch(`${origin}/blog`)).text()).toContain('Standalone Notes');

    const auth = `Basic ${Buffer.from('ann@writers.test:ann password 123').toString('base64')}`;
    const me = await (await fetch(`${origin}/blog/api/me`, { headers: { authorization: auth } })).json();
    const posted = await fetch(
      inboundRequest(
        { from: 'Ann <ann@writers.test>', to: me.postingAddress, subject: 'Hello standalone', text: 'It *works*.' },
        { sign: TEST_KEY_PAIR, url: `${origin}/webhooks/sendgrid/parse` },
      ),
    );
    expect(posted.status).toBe(200);
    let items: Array<{ title: string; html: string }> = [];
    for (let i = 0; i < 100 && !items.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      items = (await (await fetch(`${origin}/blog/api/posts`)).json()).items;
    }
    expect(items).toMatchObject([{ title: 'Hello standalone', html: '<p>It <em>works</em>.</p>' }]);
    const unsigned = await fetch(`${origin}/webhooks/sendgrid/parse`, { method: 'POST', body: 'x' });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.status).toBeLessThan(500);
  });
});
