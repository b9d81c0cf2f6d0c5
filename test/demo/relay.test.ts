/** The demo's relay endpoint (`POST /webhooks/raw`): mounted with MAILROOM_RELAY_SECRET, or a generated one in development. */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DemoConfigError, loadConfig } from '../../apps/demo/src/config.js';
import { startTestDemo, type TestDemo } from './support.js';

const RELAY_SECRET = 'a-relay-secret-of-at-least-32-characters';

const message = Buffer.from(
  'From: Ann <ann@customer.example>\r\nTo: support@support.example.test\r\nSubject: Relayed to the demo\r\n' +
    'Message-ID: <relayed-demo@customer.example>\r\n\r\nHello from Postfix.\r\n',
);

describe('demo server: the relay endpoint', () => {
  let t: TestDemo | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const relay = (secret: string) =>
    fetch(`${t!.url}/webhooks/raw`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'message/rfc822',
        'x-mailroom-envelope-to': 'support@support.example.test',
      },
      body: new Uint8Array(message),
    });

  it('stores a message posted with MAILROOM_RELAY_SECRET, refuses others, and lists the endpoint', async () => {
    t = await startTestDemo({ MAILROOM_RELAY_SECRET: RELAY_SECRET, MAILROOM_SEED: '0' });
    expect((await relay('x'.repeat(40))).status).toBe(401);
    const stored = await relay(RELAY_SECRET);
    expect(stored.status).toBe(200);
    expect(await t.demo.store.inbox.list({})).toMatchObject([{ subject: 'Relayed to the demo' }]);
    expect(await (await t.get('/')).text()).toContain('POST /webhooks/raw');
  });

  it('in development without MAILROOM_RELAY_SECRET, generates one from the development secret', async () => {
    t = await startTestDemo({ MAILROOM_SEED: '0' });
    expect((await relay(RELAY_SECRET)).status).toBe(401);
    // The generated secret is derived from the development secret in the data dir, so it survives restarts.
    const generated = createHmac('sha256', t.demo.devKeys.secret).update('mailroom-demo:relay').digest('base64url');
    expect((await relay(generated)).status).toBe(200);
    expect(await (await t.get('/')).text()).toMatch(/POST \/webhooks\/raw.*generated/);
  });

  it('refuses a short MAILROOM_RELAY_SECRET', () => {
    expect(() => loadConfig({ MAILROOM_RELAY_SECRET: 'short' })).toThrow(DemoConfigError);
    expect(() => loadConfig({ MAILROOM_RELAY_SECRET: 'short' })).toThrow(/MAILROOM_RELAY_SECRET is shorter than 32/);
  });
});
