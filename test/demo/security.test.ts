import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { generateTestKeyPair, inboundRequest, signatureHeaders, type TestKeyPair } from '@mailroom/core/testing';
import { DemoConfigError, loadConfig } from '../../apps/demo/src/config.js';
import { startTestDemo, type TestDemo } from './support.js';

const SECRET = 'a-production-secret-of-at-least-32-characters';

/** Event Webhook signatures use the same scheme as Inbound Parse: ECDSA over timestamp + body. */
const eventSignatureHeaders = (keys: TestKeyPair, body: string) => signatureHeaders(keys, Buffer.from(body, 'utf8'));

describe('demo server: security by configuration', () => {
  let t: TestDemo | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('with a configured Parse key, accepts that key and (in development) the console key, and nothing unsigned', async () => {
    const sendgrid = generateTestKeyPair();
    const other = generateTestKeyPair();
    t = await startTestDemo({ SENDGRID_PARSE_PUBLIC_KEY: `${other.publicKey}, ${sendgrid.publicKey}` });
    const url = `${t.url}/webhooks/sendgrid/parse`;
    const to = 'support@support.example.test';

    const unsigned = await fetch(inboundRequest({ to, subject: 'unsigned' }, { url }));
    expect(unsigned.status).toBe(401);
    const forged = await fetch(inboundRequest({ to, subject: 'forged' }, { url, sign: generateTestKeyPair() }));
    expect(forged.status).toBe(403);
    const rotated = await fetch(inboundRequest({ to, subject: 'signed by SendGrid' }, { url, sign: sendgrid }));
    expect(rotated.status).toBe(200);
    const composed = await t.postJSON('/console/api/compose', {
      from: 'a@customer.example',
      to,
      subject: 'from the console',
    });
    expect(composed.status).toBe(201);
    expect((await t.get('/')).status).toBe(200);
    expect(await (await t.get('/')).text()).toContain('2 configured key(s) + the console dev key');
  });

  it('SENDGRID_PARSE_MAX_AGE_SECONDS refuses stale signed posts (the console signs fresh ones); a bad value stops the start', async () => {
    const sendgrid = generateTestKeyPair();
    t = await startTestDemo({ SENDGRID_PARSE_PUBLIC_KEY: sendgrid.publicKey, SENDGRID_PARSE_MAX_AGE_SECONDS: '600' });
    const url = `${t.url}/webhooks/sendgrid/parse`;
    const to = 'support@support.example.test';
    const stale = await fetch(
      inboundRequest({ to }, { url, sign: sendgrid, timestamp: Math.floor(Date.now() / 1000) - 3600 }),
    );
    expect(stale.status).toBe(401);
    expect((await stale.json()).error).toBe('timestamp_stale');
    expect((await fetch(inboundRequest({ to }, { url, sign: sendgrid }))).status).toBe(200);
    expect(
      (await t.postJSON('/console/api/compose', { from: 'a@customer.example', to, subject: 'console' })).status,
    ).toBe(201);
    expect(() =>
      loadConfig({ SENDGRID_PARSE_PUBLIC_KEY: sendgrid.publicKey, SENDGRID_PARSE_MAX_AGE_SECONDS: 'soon' }),
    ).toThrow(DemoConfigError);
    expect(() => loadConfig({ SENDGRID_PARSE_MAX_AGE_SECONDS: '600' })).toThrow(/needs SENDGRID_PARSE_PUBLIC_KEY/);
  });

  it('with basic credentials, the console sends them and strangers get 401', async () => {
    t = await startTestDemo({ SENDGRID_PARSE_BASIC: 'sendgrid:s3cret:with:colons' });
    const url = `${t.url}/webhooks/sendgrid/parse`;
    const anonymous = await fetch(inboundRequest({ subject: 'anonymous' }, { url }));
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(
      inboundRequest({ subject: 'wrong' }, { url, basic: { username: 'sendgrid', password: 'nope' } }),
    );
    expect(wrong.status).toBe(401);
    const right = await fetch(
      inboundRequest({ subject: 'right' }, { url, basic: { username: 'sendgrid', password: 's3cret:with:colons' } }),
    );
    expect(right.status).toBe(200);
    const composed = await t.postJSON('/console/api/compose', {
      from: 'a@customer.example',
      to: 'x@support.example.test',
      subject: 'console',
    });
    expect(composed.status).toBe(201);
  });

  it('verifies Event Webhook signatures with the configured key and the console key', async () => {
    const sendgrid = generateTestKeyPair();
    t = await startTestDemo({ SENDGRID_EVENTS_PUBLIC_KEY: sendgrid.publicKey });
    const body = JSON.stringify([
      { email: 'a@example.test', event: 'open', timestamp: 1795690000, sg_event_id: 'evt-1' },
    ]);
    const post = (headers: Record<string, string>) =>
      fetch(`${t!.url}/webhooks/sendgrid/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    expect((await post({})).status).toBe(401);
    expect((await post(eventSignatureHeaders(generateTestKeyPair(), body))).status).toBe(403);
    expect((await post(eventSignatureHeaders(sendgrid, body))).status).toBe(200);
    expect((await post(eventSignatureHeaders(t.demo.devKeys.events, body))).status).toBe(200);
  });

  it('in production: the console is off without CONSOLE_PASSWORD and behind basic auth with it; the dev key is not accepted', async () => {
    const sendgrid = generateTestKeyPair();
    const production = {
      NODE_ENV: 'production',
      MAILROOM_SECRET: SECRET,
      SENDGRID_PARSE_PUBLIC_KEY: sendgrid.publicKey,
      HOST: '127.0.0.1',
    };
    t = await startTestDemo(production);
    expect((await t.get('/console/inbox')).status).toBe(404);
    expect((await t.get('/')).status).toBe(200);
    const events = await t.get('/webhooks/sendgrid/events', {
      method: 'POST',
      body: '[]',
      headers: { 'content-type': 'application/json' },
    });
    expect(events.status).toBe(404); // no SENDGRID_EVENTS_PUBLIC_KEY: the Event Webhook is off
    await t.close();

    t = await startTestDemo({ ...production, CONSOLE_PASSWORD: 'let-me-in, console' });
    expect((await t.get('/console/inbox')).status).toBe(401);
    const auth = { authorization: `Basic ${Buffer.from('admin:let-me-in, console').toString('base64')}` };
    expect((await t.get('/console/inbox', { headers: auth })).status).toBe(200);
    // Compose signs with the development key, which production does not trust: the webhook's 403 comes back.
    const composed = await t.postJSON(
      '/console/api/compose',
      { from: 'a@customer.example', to: 'x@support.example.test' },
      auth,
    );
    expect(composed.status).toBe(422);
    expect(((await composed.json()) as { webhook: { status: number } }).webhook.status).toBe(403);
  });

  it('in development, answers 421 to a foreign Host (DNS rebinding) and serves localhost and ALLOWED_HOSTS', async () => {
    t = await startTestDemo({ ALLOWED_HOSTS: 'demo.example.test' });
    const port = new URL(t.url).port;
    const statusFor = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/console/inbox', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await statusFor('evil.example')).toBe(421);
    expect(await statusFor(`rebound.evil.example:${port}`)).toBe(421);
    expect(await statusFor(`localhost:${port}`)).toBe(200);
    expect(await statusFor('demo.example.test')).toBe(200);
    const home = await t.get('/');
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await home.text()).toContain('mailroom-demo'); // development shows the seeded demo logins
  });

  it('refuses unsafe or malformed configuration with a reason', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', MAILROOM_SECRET: SECRET })).toThrow(/SENDGRID_PARSE_PUBLIC_KEY/);
    expect(() => loadConfig({ NODE_ENV: 'production', SENDGRID_PARSE_BASIC: 'a:b' })).toThrow(/MAILROOM_SECRET/);
    expect(() => loadConfig({ SENDGRID_PARSE_BASIC: 'no-colon' })).toThrow(DemoConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ SUPPORT_DOMAIN: 'not a domain' })).toThrow(/SUPPORT_DOMAIN/);
    const config = loadConfig({ MAILROOM_DATA_DIR: 'data', SUPPORT_DOMAIN: 'Help.Example.com' }, '/srv/app');
    expect(config.dataDir).toBe('/srv/app/data');
    expect(config.domains).toEqual({
      blog: 'blog.example.test',
      lists: 'lists.example.test',
      avatars: 'avatars.example.test',
      support: 'help.example.com',
    });
    expect(config.console.enabled).toBe(true);
    expect(loadConfig({}, '/srv/app').dataDir).toBe('/srv/app/.mailroom');
    expect(config.seed).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', MAILROOM_SECRET: SECRET, SENDGRID_PARSE_BASIC: 'a:b' }).seed).toBe(
      false,
    );
    expect(
      loadConfig({ NODE_ENV: 'production', MAILROOM_SECRET: SECRET, SENDGRID_PARSE_BASIC: 'a:b', MAILROOM_SEED: '1' })
        .seed,
    ).toBe(true);
    // The console's password follows the accounts' policy in production: no published one, 12+ characters.
    const productionWith = (password: string) =>
      loadConfig({
        NODE_ENV: 'production',
        MAILROOM_SECRET: SECRET,
        SENDGRID_PARSE_BASIC: 'a:b',
        CONSOLE_PASSWORD: password,
      });
    expect(() => productionWith('mailroom-demo')).toThrow(/CONSOLE_PASSWORD: that password is published/);
    expect(() => productionWith('let-me-in')).toThrow(/CONSOLE_PASSWORD: passwords need at least 12 characters/);
    expect(productionWith('a long console password').console).toMatchObject({
      enabled: true,
      password: 'a long console password',
    });
    expect(loadConfig({ CONSOLE_PASSWORD: 'mailroom-demo' }).console.password).toBe('mailroom-demo'); // development: any
  });

  it('reads the documented SENDGRID_PARSE_BASIC, and the old SENDGRID_PARSE_BASIC_AUTH with a deprecation warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      expect(loadConfig({ SENDGRID_PARSE_BASIC: 'new:pw' }).parse.basic).toEqual([{ username: 'new', password: 'pw' }]);
      expect(loadConfig({ SENDGRID_PARSE_BASIC_AUTH: 'old:pw' }).parse.basic).toEqual([
        { username: 'old', password: 'pw' },
      ]);
      // The documented name wins when both are set.
      expect(
        loadConfig({ SENDGRID_PARSE_BASIC: 'new:pw', SENDGRID_PARSE_BASIC_AUTH: 'old:pw' }).parse.basic[0]?.username,
      ).toBe('new');
      await new Promise((resolve) => setImmediate(resolve)); // 'warning' is emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.join('\n')).toMatch(/SENDGRID_PARSE_BASIC_AUTH is deprecated/);
  });
});
