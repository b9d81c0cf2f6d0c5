/**
 * `mailroom.webhooks(providers)`: every inbound webhook under one mount, over real HTTP into a real store — SendGrid's
 * under /sendgrid, each configured provider under its own path, nothing for a provider not configured — and the
 * provider sub-apps' default logger, the Mailroom store's.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundEmail, Logger } from '@mailroom/core';
import { relayIngress } from '@mailroom/core/http';
import {
  DEFAULT_SNS_TOPIC_ARN,
  createSnsTestSigner,
  createTestMailroom,
  mailgunMimeRequest,
  postmarkInboundRequest,
  relayRequest,
  sesNotificationRequest,
  type TestMailroom,
} from '@mailroom/core/testing';

const fixture = (name: string) => readFileSync(new URL(`../ingress/fixtures/${name}`, import.meta.url), 'utf8');
const signer = createSnsTestSigner({
  privateKey: fixture('sns-test-only.key.pem'),
  certificate: fixture('sns-test-only.cert.pem'),
});
const BASIC = { username: 'postmark', password: 'a postmark password for the test' };
const SIGNING_KEY = 'key-mailgun-signing-key-for-the-test';
const RELAY_SECRET = 'relay-secret-for-the-webhooks-test-0123456789';

const open: TestMailroom[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

function message(subject: string): string {
  return (
    `Return-Path: <ann@example.org>\r\nFrom: Ann <ann@example.org>\r\nTo: help@support.example.com\r\n` +
    `Subject: ${subject}\r\nMessage-ID: <${subject}@example.org>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\n` +
    `Sent through ${subject}.\r\n`
  );
}

describe('mailroom.webhooks()', () => {
  it('answers SendGrid under /sendgrid and each configured provider under its own path, each stored and routed', async () => {
    const t = await createTestMailroom();
    open.push(t);
    const handled: InboundEmail[] = [];
    t.mailroom.route('help', '*@support.example.com', async (ctx) => void handled.push(ctx.email));
    t.app.route(
      '/hooks',
      t.mailroom.webhooks({
        postmark: { basic: [BASIC] },
        mailgun: { signingKey: SIGNING_KEY },
        ses: { topicArns: [DEFAULT_SNS_TOPIC_ARN], fetchCertificate: signer.fetchCertificate },
        relay: { secrets: [RELAY_SECRET] },
      }),
    );
    const at = (path: string) => `${t.url}/hooks${path}`;
    const answers = [
      await t.post({ to: 'help@support.example.com', subject: 'sendgrid' }, { url: at('/sendgrid/parse') }),
      await fetch(postmarkInboundRequest(message('postmark'), { url: at('/postmark/inbound'), basic: BASIC })),
      await fetch(mailgunMimeRequest(message('mailgun'), { url: at('/mailgun/mime'), signingKey: SIGNING_KEY })),
      await fetch(sesNotificationRequest(message('ses'), { url: at('/ses'), signer })),
      await fetch(
        relayRequest(message('relay'), {
          url: at('/raw'),
          secret: RELAY_SECRET,
          envelope: { from: 'ann@example.org', to: ['help@support.example.com'] },
        }),
      ),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    await t.drain();
    expect(handled.map((email) => email.provider).sort()).toEqual(['mailgun', 'postmark', 'relay', 'sendgrid', 'ses']);
    expect(handled.find((email) => email.provider === 'ses')?.subject).toBe('ses');
    // A wrong credential is still the provider's refusal, not a route miss.
    const forged = await fetch(
      postmarkInboundRequest(message('forged'), { url: at('/postmark/inbound'), basic: { ...BASIC, password: 'x' } }),
    );
    expect(forged.status).toBe(401);
    expect(await t.store.inbox.list({})).toHaveLength(5);
  });

  it('has no route for a provider it was not given: only SendGrid answers', async () => {
    const t = await createTestMailroom();
    open.push(t);
    t.app.route('/hooks', t.mailroom.webhooks());
    expect((await t.post({ to: 'help@support.example.com' }, { url: `${t.url}/hooks/sendgrid/parse` })).status).toBe(
      200,
    );
    for (const path of ['/postmark/inbound', '/mailgun/mime', '/ses', '/raw']) {
      const response = await fetch(`${t.url}/hooks${path}`, { method: 'POST', body: 'x' });
      expect(response.status, path).toBe(404);
    }
  });
});

describe('provider sub-apps: where faults are logged', () => {
  it("logs a fault (500) and an outage (503) to the Mailroom store's logger by default, naming the ingress", async () => {
    const events: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const logger: Logger = {
      info: () => {},
      warn: (event, fields) => void events.push(['warn', event, fields]),
      error: (event, fields) => void events.push(['error', event, fields]),
    };
    const unavailable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    let failure: Error = new Error('handler bug');
    const target = {
      deliver: async () => {
        throw failure;
      },
      store: { logger },
    };
    const app = relayIngress(target, { secrets: [RELAY_SECRET] });
    const post = () =>
      app.request('/', {
        method: 'POST',
        headers: { authorization: `Bearer ${RELAY_SECRET}`, 'content-type': 'message/rfc822' },
        body: message('fault'),
      });
    const fault = await post();
    expect(fault.status).toBe(500);
    expect(await fault.json()).toEqual({ error: 'internal' });
    expect(events).toEqual([
      [
        'error',
        'webhook_fault',
        expect.objectContaining({ ingress: 'relay', error: expect.stringContaining('handler bug') }),
      ],
    ]);
    failure = unavailable;
    const outage = await post();
    expect(outage.status).toBe(503);
    expect(outage.headers.get('retry-after')).toBe('60');
    expect(events[1]).toEqual(['warn', 'store_unavailable', expect.objectContaining({ ingress: 'relay' })]);
    expect(events).toHaveLength(2);
  });
});
