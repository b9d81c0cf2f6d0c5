/**
 * Postmark's inbound webhook end to end: kit-built Postmark posts over real HTTP into `postmarkInbound` mounted on
 * a test Mailroom's server, stored in a real store (PGlite, or PostgreSQL with DATABASE_URL) and routed.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { postmarkInbound } from '@mailroom/core/http';
import { IngressConfigurationError } from '@mailroom/core/ingress';
import type { InboundEmail } from '@mailroom/core';
import {
  createTestMailroom,
  postmarkInboundPayload,
  postmarkInboundRequest,
  type TestMailroom,
  type TestStore,
} from '@mailroom/core/testing';
import { createOutage, type Outage } from './outage.js';

const CURRENT = { username: 'postmark', password: 'correct horse battery staple' };
const PREVIOUS = { username: 'postmark', password: 'the password before rotation' };

let open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of open.reverse()) await thing.close();
  open = [];
});

async function receiver(store?: TestStore) {
  const handled: InboundEmail[] = [];
  const t: TestMailroom = await createTestMailroom(store ? { store } : {});
  open.push(t);
  t.mailroom.route('help', '*@support.example.com', async (ctx) => void handled.push(ctx.email));
  t.app.route('/webhooks/postmark', postmarkInbound(t.mailroom, { basic: [CURRENT, PREVIOUS] }));
  const url = `${t.url}/webhooks/postmark/inbound`;
  const post = async (message: string, options: Parameters<typeof postmarkInboundRequest>[1] = {}) => {
    const response = await fetch(postmarkInboundRequest(message, { url, basic: CURRENT, ...options }));
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  return { t, handled, url, post };
}

/** A message as Postmark's MTA received it: it wrote Return-Path (MAIL FROM) at the top. */
function message(subject: string, to = 'Team <team@example.net>'): string {
  return (
    `Return-Path: <bounces+ann@mail.example.org>\r\nFrom: Ann Sender <ann@example.org>\r\nTo: ${to}\r\n` +
    `Subject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}.1@example.org>\r\n` +
    `Date: Sun, 6 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Transfer-Encoding: 8bit\r\n\r\nGrüße from Postmark.\r\n`
  );
}

describe('postmarkInbound', () => {
  it('stores the raw message, routed by OriginalRecipient, with the Return-Path as envelope sender', async () => {
    const { t, handled, post } = await receiver();
    // Delivered to the support address through a forwarding domain: no header names it.
    const answer = await post(message('Where is my order'), { originalRecipient: 'help@support.example.com' });
    expect(answer).toMatchObject({ status: 200, body: { duplicate: false } });
    await t.drain();
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({
      provider: 'postmark',
      mode: 'raw',
      subject: 'Where is my order',
      envelope: { from: 'bounces+ann@mail.example.org', to: ['help@support.example.com'] },
    });
    expect(handled[0]!.text).toBe('Grüße from Postmark.\n');
    expect(await t.store.inbox.list({})).toMatchObject([{ id: answer.body.id, status: 'delivered' }]);
  });

  it('takes the previous credential too (rotation), and the To/Cc addresses without OriginalRecipient', async () => {
    const { t, handled, post } = await receiver();
    const answer = await post(message('Rotated', 'Help <help@support.example.com>'), {
      basic: PREVIOUS,
      originalRecipient: null,
    });
    expect(answer.status).toBe(200);
    await t.drain();
    expect(handled[0]?.envelope.to).toEqual(['help@support.example.com']);
  });

  it("stores a Postmark retry once (the same message, Postmark's MessageID and all)", async () => {
    const { t, handled, post } = await receiver();
    const options = {
      originalRecipient: 'help@support.example.com',
      messageId: 'a8c1040e-4f3c-4b5e-9a0b-1d2e3f405162',
    };
    const first = await post(message('Retried'), options);
    const retry = await post(message('Retried'), options);
    expect(first.body).toMatchObject({ duplicate: false });
    expect(retry).toMatchObject({ status: 200, body: { id: first.body.id, duplicate: true } });
    await t.drain();
    expect(handled).toHaveLength(1);
    expect(await t.store.inbox.list({})).toHaveLength(1);
  });

  it("gives the handler Postmark's fields and SpamAssassin result as providerData and email.spam", async () => {
    const { t, handled, post } = await receiver();
    const answer = await post(message('Provider data'), {
      originalRecipient: 'help+ticket-42@support.example.com',
      messageId: '22c74902-a0c1-4511-804f-341342852c90',
      fields: {
        Tag: 'support',
        Headers: [
          { Name: 'X-Spam-Checker-Version', Value: 'SpamAssassin 3.3.1 (2010-03-16) on ip-10-8-0-14' },
          { Name: 'X-Spam-Status', Value: 'No' },
          { Name: 'X-Spam-Score', Value: '-0.1' },
          { Name: 'X-Spam-Tests', Value: 'DKIM_SIGNED,DKIM_VALID,SPF_PASS' },
        ],
      },
    });
    expect(answer.status).toBe(200);
    await t.drain();
    expect(handled[0]!.providerData).toEqual({
      name: 'postmark',
      messageId: '22c74902-a0c1-4511-804f-341342852c90',
      messageStream: 'inbound',
      mailboxHash: 'ticket-42',
      originalRecipient: 'help+ticket-42@support.example.com',
      tag: 'support',
      spamScore: -0.1,
      spamStatus: 'No',
      spamTests: 'DKIM_SIGNED,DKIM_VALID,SPF_PASS',
    });
    expect(handled[0]!.spam).toEqual({ score: -0.1, report: 'No' });
  });

  it('reads no spam score a sender wrote into the message: X-Spam-Score twice in Headers is null', async () => {
    const { t, handled, post } = await receiver();
    const forged = message('Forged score').replace('MIME-Version', 'X-Spam-Score: -100\r\nMIME-Version');
    expect((await post(forged, { originalRecipient: 'help@support.example.com' })).status).toBe(200);
    await t.drain();
    expect(handled[0]!.headerValues('X-Spam-Score')).toEqual(['-100']);
    expect(handled[0]!.providerData).toMatchObject({ name: 'postmark', spamScore: null, spamStatus: 'No' });
    expect(handled[0]!.spam).toEqual({ score: null, report: 'No' });
  });

  it('refuses wrong or missing credentials with 401 before reading the body, storing nothing', async () => {
    const { t, url, post } = await receiver();
    const wrongPassword = await post(message('Forged'), { basic: { username: 'postmark', password: 'guess' } });
    expect(wrongPassword).toMatchObject({ status: 401, body: { error: 'basic_auth_invalid' } });
    expect(wrongPassword.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(wrongPassword.headers.get('connection')).toBe('close');
    const wrongUser = await post(message('Forged'), { basic: { username: 'admin', password: CURRENT.password } });
    expect(wrongUser.status).toBe(401);
    const none = await fetch(postmarkInboundRequest(message('Forged'), { url }));
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'basic_auth_required' });
    const bearer = await post(message('Forged'), { headers: { authorization: `Bearer ${CURRENT.password}` } });
    expect(bearer.status).toBe(401);
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a body that is not Postmark JSON with a reason (415, 400), storing nothing', async () => {
    const { t, url } = await receiver();
    const send = async (body: string, contentType = 'application/json') => {
      const auth = `Basic ${Buffer.from(`${CURRENT.username}:${CURRENT.password}`).toString('base64')}`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: auth },
        body,
      });
      return { status: response.status, body: (await response.json()) as { error: string; reason: string } };
    };
    const payload = JSON.stringify(postmarkInboundPayload(message('Form')));
    expect(await send(payload, 'application/x-www-form-urlencoded')).toMatchObject({ status: 415 });
    expect(await send(payload, 'application/json; charset=iso-8859-1')).toMatchObject({ status: 415 });
    expect(await send(payload, 'not a media type;;')).toMatchObject({ status: 415 });
    const truncated = await send(payload.slice(0, 100));
    expect(truncated).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    expect(truncated.body.reason).toMatch(/not JSON/);
    expect(await send('[1, 2]')).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    expect(await send('{"RawEmail": 42}')).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    const hostileTo = JSON.stringify({ ...JSON.parse(payload), OriginalRecipient: 'a@x.example\r\nBcc: b@y.example' });
    expect(await send(hostileTo)).toMatchObject({ status: 400, body: { error: 'invalid_envelope' } });
    expect(await send('')).toMatchObject({ status: 400, body: { error: 'empty_body' } });
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('answers 422 raw_email_required, naming the setting, when RawEmail is not included', async () => {
    const { t, post } = await receiver();
    const answer = await post(message('Parsed only'), { rawEmail: false });
    expect(answer).toMatchObject({ status: 422, body: { error: 'raw_email_required' } });
    expect(answer.body.reason).toMatch(/Include raw email content in JSON payload/);
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a post over limits.maxBodyBytes with 413', async () => {
    const t = await createTestMailroom();
    open.push(t);
    t.app.route(
      '/webhooks/postmark',
      postmarkInbound(t.mailroom, { basic: [CURRENT], limits: { maxBodyBytes: 2048 } }),
    );
    const big = message('Big', 'help@support.example.com').replace('Grüße', 'x'.repeat(4096));
    const response = await fetch(
      postmarkInboundRequest(big, { url: `${t.url}/webhooks/postmark/inbound`, basic: CURRENT }),
    );
    expect(response.status).toBe(413);
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('reads a post over limits.parseOffThreadAboveBytes on a parse thread: the message exact, malformed ones refused with their reasons', async () => {
    const { t, handled, url, post } = await receiver();
    // 600 KB of 8-bit UTF-8 text, plus Postmark's parsed copy of it and a base64 attachment: a 2 MB post.
    const text = 'Grüße aus Köln. '.repeat(40_000);
    const big = message('Large', 'help@support.example.com').replace('Grüße from Postmark.', text);
    const attachment = {
      Name: 'a.bin',
      Content: randomBytes(700_000).toString('base64'),
      ContentType: 'application/octet-stream',
    };
    const answer = await post(big, { fields: { TextBody: text, Attachments: [attachment] } });
    expect(answer).toMatchObject({ status: 200, body: { duplicate: false } });
    await t.drain();
    expect(handled[0]?.text).toBe(`${text}\n`);

    const send = async (body: string) => {
      const auth = `Basic ${Buffer.from(`${CURRENT.username}:${CURRENT.password}`).toString('base64')}`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body,
      });
      return { status: response.status, body: (await response.json()) as { error: string; reason: string } };
    };
    const padding = 'x'.repeat(400_000);
    const payload = JSON.stringify(postmarkInboundPayload(big));
    expect(await send(payload.slice(0, 500_000))).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    expect(await send(JSON.stringify({ RawEmail: 42, TextBody: padding }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_payload', reason: 'RawEmail is not a string' },
    });
    expect(await send(JSON.stringify([padding]))).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    const tokens = await send(JSON.stringify({ RawEmail: 'x', Headers: Array.from({ length: 60_000 }, () => [0, 0]) }));
    expect(tokens).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });
    expect(tokens.body.reason).toMatch(/more than 100000/);
    expect(await t.store.inbox.list({})).toHaveLength(1);
  });

  it('holds a large post to limits.parseTimeoutMs (its JSON is parsed on a thread), a small one not', async () => {
    const t = await createTestMailroom();
    open.push(t);
    t.app.route('/webhooks/postmark', postmarkInbound(t.mailroom, { basic: [CURRENT], limits: { parseTimeoutMs: 1 } }));
    const send = (fields: Record<string, unknown>) =>
      fetch(
        postmarkInboundRequest(message('Padded', 'help@support.example.com'), {
          url: `${t.url}/webhooks/postmark/inbound`,
          basic: CURRENT,
          fields,
        }),
      );
    // The message itself is small (parsed on the event loop either way); only Postmark's parsed copy is large.
    const large = await send({ HtmlBody: 'x'.repeat(300_000) });
    expect(large.status).toBe(422);
    expect(await large.json()).toMatchObject({ error: 'parse_timeout' });
    expect((await send({})).status).toBe(200);
  });

  it('answers 405 to other methods, and refuses to start without credentials', async () => {
    const { url } = await receiver();
    expect((await fetch(url)).status).toBe(405);
    const t = await createTestMailroom();
    open.push(t);
    expect(() => postmarkInbound(t.mailroom, { basic: [] })).toThrow(IngressConfigurationError);
    expect(() => postmarkInbound(t.mailroom, { basic: [{ username: 'u', password: '' }] })).toThrow(
      IngressConfigurationError,
    );
  });

  it('answers 503 while the database is cut and loses nothing: the retry after it heals is stored once', async () => {
    const outage: Outage = await createOutage();
    open.push(outage);
    const before = await receiver(outage.store);
    const options = { originalRecipient: 'help@support.example.com' };
    expect((await before.post(message('Before the cut'), options)).status).toBe(200);

    await outage.cut();
    const during = await before.post(message('During the cut'), options);
    expect(during).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });
    expect(during.headers.get('retry-after')).toBe('60');

    const healed = await outage.heal();
    const after = healed === before.t.store ? before : await receiver(healed);
    // Postmark retries the same post until it is answered 200.
    await expect
      .poll(async () => (await after.post(message('During the cut'), options)).status, { timeout: 15_000 })
      .toBe(200);
    expect((await after.post(message('During the cut'), options)).body).toMatchObject({ duplicate: true });
    await after.t.drain();
    const subjects = (await healed.inbox.list({})).map((row) => row.subject).sort();
    expect(subjects).toEqual(['Before the cut', 'During the cut']);
  });
});
