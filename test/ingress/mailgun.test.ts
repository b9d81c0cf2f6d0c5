/**
 * Mailgun's raw-MIME route posts end to end: kit-built Mailgun posts over real HTTP into `mailgunInbound` mounted
 * on a test Mailroom's server, stored in a real store (PGlite, or PostgreSQL with DATABASE_URL) and routed.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { mailgunInbound } from '@mailroom/core/http';
import { IngressConfigurationError, type MailgunInboundOptions } from '@mailroom/core/ingress';
import type { InboundEmail } from '@mailroom/core';
import {
  createTestMailroom,
  mailgunMimeRequest,
  mailgunSignature,
  type MailgunMimeRequestOptions,
  type TestMailroom,
  type TestStore,
} from '@mailroom/core/testing';
import { createOutage, type Outage } from './outage.js';

const SIGNING_KEY = `key-${randomBytes(16).toString('hex')}`;
const OTHER_KEY = `key-${randomBytes(16).toString('hex')}`;

let open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of open.reverse()) await thing.close();
  open = [];
});

async function receiver(store?: TestStore, options: Partial<MailgunInboundOptions> = {}) {
  const handled: InboundEmail[] = [];
  const t: TestMailroom = await createTestMailroom(store ? { store } : {});
  open.push(t);
  t.mailroom.route('help', '*@support.example.com', async (ctx) => void handled.push(ctx.email));
  t.app.route('/webhooks/mailgun', mailgunInbound(t.mailroom, { signingKey: SIGNING_KEY, ...options }));
  const url = `${t.url}/webhooks/mailgun/mime`;
  const send = async (request: Request) => {
    const response = await fetch(request);
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, string>,
    };
  };
  const post = (content: string, requestOptions: Partial<MailgunMimeRequestOptions> = {}) =>
    send(mailgunMimeRequest(content, { url, signingKey: SIGNING_KEY, ...requestOptions }));
  return { t, handled, url, post, send };
}

function message(subject: string): string {
  return (
    `From: Ann Sender <ann@example.org>\r\nTo: Team <team@example.net>\r\nSubject: ${subject}\r\n` +
    `Message-ID: <${subject.replace(/\W/g, '')}.2@example.org>\r\nDate: Sun, 6 Dec 2026 10:00:00 +0000\r\n` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n` +
    `Grüße from Mailgun.\r\n`
  );
}

const now = () => Math.floor(Date.now() / 1000);
const token = () => randomBytes(25).toString('hex');
const envelope = { recipient: 'help@support.example.com, archive@support.example.com', sender: 'bounce@example.org' };

describe('mailgunInbound', () => {
  it.each(['multipart', 'urlencoded'] as const)(
    'stores body-mime (%s) as received, routed by recipient, with sender as envelope sender',
    async (encoding) => {
      const { t, handled, post } = await receiver();
      const answer = await post(message('Where is my order'), { ...envelope, encoding });
      expect(answer).toMatchObject({ status: 200, body: { duplicate: false } });
      await t.drain();
      expect(handled).toHaveLength(1);
      expect(handled[0]).toMatchObject({
        provider: 'mailgun',
        mode: 'raw',
        subject: 'Where is my order',
        envelope: { from: 'bounce@example.org', to: ['help@support.example.com', 'archive@support.example.com'] },
      });
      expect(handled[0]!.text).toBe('Grüße from Mailgun.\n');
      expect(await t.store.inbox.list({})).toMatchObject([{ id: answer.body.id, status: 'delivered' }]);
    },
  );

  it("gives the handler Mailgun's form fields as providerData; its X-Mailgun-* headers stay headers", async () => {
    const { t, handled, post } = await receiver();
    const [timestamp, signed] = [now(), token()];
    // Mailgun's spam marks are MIME headers: a sender can write them, so they are no verdict.
    const marked = message('Provider data').replace(
      'MIME-Version',
      'X-Mailgun-Sflag: No\r\nX-Mailgun-Sscore: -5.0\r\nX-Mailgun-Spf: Pass\r\nMIME-Version',
    );
    expect((await post(marked, { ...envelope, timestamp, token: signed })).status).toBe(200);
    await t.drain();
    expect(handled[0]!.providerData).toEqual({
      name: 'mailgun',
      recipient: envelope.recipient,
      sender: envelope.sender,
      timestamp,
      token: signed,
    });
    expect(handled[0]!.header('X-Mailgun-Sscore')).toBe('-5.0');
    expect([handled[0]!.spam, handled[0]!.auth.spf]).toEqual([null, null]);
  });

  it('stores a message Mailgun posts twice (new token each time) once', async () => {
    const { t, handled, post } = await receiver();
    const first = await post(message('Twice'), envelope);
    const second = await post(message('Twice'), envelope);
    expect(second).toMatchObject({ status: 200, body: { id: first.body.id, duplicate: true } });
    await t.drain();
    expect(handled).toHaveLength(1);
  });

  it('refuses a forged signature (403), missing signature fields (401) and stale timestamps (401)', async () => {
    const { t, post } = await receiver();
    const forged = await post(message('Forged'), { ...envelope, signingKey: OTHER_KEY });
    expect(forged).toMatchObject({ status: 403, body: { error: 'signature_invalid' } });
    expect(await post(message('Forged'), { ...envelope, signature: 'not-hex' })).toMatchObject({ status: 403 });
    const t0 = now();
    const id = token();
    // A valid signature for another token.
    const swapped = await post(message('Forged'), {
      ...envelope,
      timestamp: t0,
      token: id,
      signature: mailgunSignature(SIGNING_KEY, t0, token()),
    });
    expect(swapped.status).toBe(403);
    // Digits moved from the timestamp into the token keep the HMAC; the window refuses the timestamp.
    const moved = await post(message('Forged'), {
      ...envelope,
      timestamp: Math.floor(t0 / 10),
      token: `${t0 % 10}${id}`,
      signature: mailgunSignature(SIGNING_KEY, t0, id),
    });
    expect(moved).toMatchObject({ status: 401, body: { error: 'timestamp_stale' } });
    const old = await post(message('Stale'), { ...envelope, timestamp: t0 - 3600 });
    expect(old).toMatchObject({ status: 401, body: { error: 'timestamp_stale' } });
    expect(old.body.reason).toMatch(/s old; the window is 900 s/);
    const future = await post(message('Stale'), { ...envelope, timestamp: t0 + 3600 });
    expect(future).toMatchObject({ status: 401, body: { error: 'timestamp_stale' } });
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a post without the signature fields with 401', async () => {
    const { t, url, send } = await receiver();
    const boundary = 'b0undary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="body-mime"\r\n\r\n${message('Unsigned')}\r\n--${boundary}--\r\n`;
    const unsigned = await send(
      new Request(url, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      }),
    );
    expect(unsigned).toMatchObject({ status: 401, body: { error: 'signature_missing' } });
    expect(unsigned.body.reason).toMatch(/timestamp, token, signature/);
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a replayed token whatever the body carries, and a token used twice at once', async () => {
    const { t, handled, post } = await receiver();
    const signed = { timestamp: now(), token: token() };
    expect((await post(message('Genuine'), { ...envelope, ...signed })).status).toBe(200);
    // A captured signature with another message: the HMAC covers timestamp and token only.
    const replay = await post(message('Injected'), { ...envelope, ...signed });
    expect(replay).toMatchObject({ status: 403, body: { error: 'token_replayed' } });
    const same = await post(message('Genuine'), { ...envelope, ...signed });
    expect(same.status).toBe(403);
    const racing = { timestamp: now(), token: token() };
    const answers = await Promise.all([
      post(message('Race one'), { ...envelope, ...racing }),
      post(message('Race two'), { ...envelope, ...racing }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 403]);
    await t.drain();
    expect(handled.map((email) => email.subject).sort()).toEqual([
      'Genuine',
      expect.stringMatching(/^Race (one|two)$/),
    ]);
  });

  it('forgets the oldest spent tokens past maxRememberedTokens (the bound on memory)', async () => {
    const { post } = await receiver(undefined, { maxRememberedTokens: 2 });
    const tokens = [token(), token(), token()];
    const t0 = now();
    for (const [index, id] of tokens.entries()) {
      expect((await post(message(`Bound ${index}`), { ...envelope, timestamp: t0, token: id })).status).toBe(200);
    }
    expect((await post(message('Again'), { ...envelope, timestamp: t0, token: tokens[2]! })).status).toBe(403);
    // The first token was forgotten: within the window it is taken again (the documented trade-off).
    expect((await post(message('Again'), { ...envelope, timestamp: t0, token: tokens[0]! })).status).toBe(200);
  });

  it('answers 422 naming the /mime URL when the route posted parsed fields, 415 for other bodies', async () => {
    const { t, url, post, send } = await receiver();
    for (const encoding of ['multipart', 'urlencoded'] as const) {
      const parsed = await post(message('Parsed'), { ...envelope, format: 'parsed', encoding });
      expect(parsed).toMatchObject({ status: 422, body: { error: 'body_mime_required' } });
      expect(parsed.body.reason).toMatch(/ending in "mime"/);
    }
    const json = await send(
      new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    );
    expect(json).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect(json.headers.get('connection')).toBe('close');
    const truncated = await send(
      new Request(url, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
        body: '--xyz\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc',
      }),
    );
    expect(truncated.status).toBe(400);
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a post over limits.maxBodyBytes with 413 before its signature is looked at', async () => {
    const { t, post } = await receiver(undefined, { limits: { maxBodyBytes: 2048 } });
    const big = message('Big').replace('Grüße', 'x'.repeat(4096));
    expect(await post(big, envelope)).toMatchObject({ status: 413 });
    expect(await post(big, { ...envelope, signingKey: OTHER_KEY })).toMatchObject({ status: 413 });
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a sender or recipient with control characters (400)', async () => {
    const { t, post } = await receiver();
    const hostile = await post(message('Hostile'), { recipient: 'help@support.example.com\r\nX: y', sender: 'a@b' });
    expect(hostile).toMatchObject({ status: 400, body: { error: 'invalid_envelope' } });
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses to start without a signing key or with a window that is not positive', async () => {
    const t = await createTestMailroom();
    open.push(t);
    expect(() => mailgunInbound(t.mailroom, { signingKey: '' })).toThrow(IngressConfigurationError);
    expect(() => mailgunInbound(t.mailroom, { signingKey: [] })).toThrow(IngressConfigurationError);
    expect(() => mailgunInbound(t.mailroom, { signingKey: SIGNING_KEY, maxSkewSeconds: 0 })).toThrow(
      IngressConfigurationError,
    );
  });

  it("answers 503 while the database is cut, gives the token back, and stores Mailgun's retry once", async () => {
    const outage: Outage = await createOutage();
    open.push(outage);
    const before = await receiver(outage.store);
    expect((await before.post(message('Before the cut'), envelope)).status).toBe(200);

    await outage.cut();
    // Mailgun's retry resends the same fields: same timestamp, token and signature.
    const signed = { ...envelope, timestamp: now(), token: token() };
    const during = await before.post(message('During the cut'), signed);
    expect(during).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });

    const healed = await outage.heal();
    const after = healed === before.t.store ? before : await receiver(healed);
    await expect
      .poll(async () => (await after.post(message('During the cut'), signed)).status, { timeout: 15_000 })
      .toBe(200);
    // Stored: the token is spent now.
    expect((await after.post(message('During the cut'), signed)).status).toBe(403);
    await after.t.drain();
    const subjects = (await healed.inbox.list({})).map((row) => row.subject).sort();
    expect(subjects).toEqual(['Before the cut', 'During the cut']);
  });
});
