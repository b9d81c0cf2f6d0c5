/**
 * The relay endpoint over real HTTP: a Mailroom on a real store behind a real server, the endpoint mounted at
 * /webhooks/raw, posted to with fetch and raw sockets. PGlite by default, PostgreSQL with DATABASE_URL.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IngressConfigurationError, type RelayIngressOptions } from '@mailroom/core/ingress';
import { relayIngress } from '@mailroom/core/http';
import type { InboundEmail } from '@mailroom/core';
import {
  createProxiedTestStore,
  createTestMailroom,
  createTestStore,
  type TestMailroom,
  type TestMailroomOptions,
} from '@mailroom/core/testing';

const SECRET = 'relay-test-secret-0123456789-abcdefghij';
const NEXT_SECRET = 'relay-next-secret-9876543210-ABCDEFGHIJ';

let t: TestMailroom | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function relayServer(
  relay: Partial<RelayIngressOptions> = {},
  mailroom: TestMailroomOptions = {},
): Promise<{ url: string; handled: InboundEmail[]; t: TestMailroom }> {
  const handled: InboundEmail[] = [];
  t = await createTestMailroom(mailroom);
  t.mailroom.route('*@*.example.com', async (ctx) => void handled.push(ctx.email));
  t.app.route('/webhooks/raw', relayIngress(t.mailroom, { secrets: [SECRET, NEXT_SECRET], ...relay }));
  return { url: `${t.url}/webhooks/raw`, handled, t };
}

const message = (subject: string, extra = '') =>
  Buffer.from(
    `From: Ann <ann@example.org>\r\nTo: help@support.example.com\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\r\nDate: Sun, 6 Dec 2026 10:00:00 +0000\r\n${extra}` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nRelayed by an MTA.\r\n`,
  );

function relayPost(
  url: string,
  body: Buffer | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'message/rfc822', ...headers },
    body: body instanceof Buffer ? new Uint8Array(body) : body,
    ...(body instanceof Buffer ? {} : { duplex: 'half' }),
  } as RequestInit);
}

async function stored(): Promise<number> {
  return (await t!.store.inbox.list({})).length;
}

describe('the relay endpoint', () => {
  it('stores a relayed message once, answers after the commit, and routes it by its envelope', async () => {
    const { url, handled } = await relayServer();
    // Bcc-only: the envelope names a recipient no header does; the null sender of a bounce is `<>`.
    const response = await relayPost(url, message('Relayed'), {
      'x-mailroom-envelope-from': 'bounce@example.org',
      'x-mailroom-envelope-to': 'hidden@support.example.com, <second@lists.example.com>',
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ id: expect.any(String), duplicate: false });
    expect(await t!.store.inbox.get(body.id)).toMatchObject({ subject: 'Relayed' });
    await t!.drain();
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({
      provider: 'relay',
      subject: 'Relayed',
      envelope: { from: 'bounce@example.org', to: ['hidden@support.example.com', 'second@lists.example.com'] },
    });
    expect(handled[0]!.providerData).toEqual({ name: 'relay' }); // a relay reports nothing beside the envelope
    expect(await t!.store.inbox.list({})).toMatchObject([
      { status: 'delivered', recipient: 'hidden@support.example.com' },
    ]);
  });

  it('takes every configured secret (rotation), and routes by the headers without an envelope', async () => {
    const { url, handled } = await relayServer();
    const response = await relayPost(url, message('Rotated'), { authorization: `bearer ${NEXT_SECRET}` });
    expect(response.status).toBe(200);
    await t!.drain();
    expect(handled).toMatchObject([{ provider: 'relay', envelope: { from: null, to: [] } }]);
    expect(await t!.store.inbox.list({})).toMatchObject([{ recipient: 'help@support.example.com' }]);
  });

  it('reads the null sender and UTF-8 addresses', async () => {
    const { url, handled } = await relayServer();
    const to = Buffer.from('jörg@support.example.com', 'utf8').toString('latin1');
    const response = await relayPost(url, message('Bounce'), {
      'x-mailroom-envelope-from': '<>',
      'x-mailroom-envelope-to': `${to}, "quoted, name"@support.example.com`,
    });
    expect(response.status).toBe(200);
    await t!.drain();
    expect(handled[0]!.envelope).toEqual({
      from: null,
      to: ['jörg@support.example.com', '"quoted, name"@support.example.com'],
    });
  });

  it('refuses a missing or forged secret with 401 and stores nothing', async () => {
    const { url } = await relayServer();
    const forgeries: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${SECRET.slice(0, -1)}X` }, // same length, last character wrong
      { authorization: `Bearer ${SECRET}X` },
      { authorization: `Bearer ${SECRET.slice(0, 32)}` },
      { authorization: `Basic ${Buffer.from(`relay:${SECRET}`).toString('base64')}` },
      { authorization: SECRET },
      { authorization: `Bearer ${SECRET} ${SECRET}` },
    ];
    for (const headers of forgeries) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'message/rfc822', ...headers },
        body: new Uint8Array(message('Forged')),
      });
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="mailroom"/);
      expect(await response.json()).toMatchObject({ error: expect.stringMatching(/^relay_secret_/) });
    }
    expect(await stored()).toBe(0);
  });

  it('answers a wrong secret before the body arrives and closes the connection', async () => {
    const { url } = await relayServer();
    const { hostname, port } = new URL(url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      // Headers promising a megabyte that never comes: only the answer and the close can end this.
      socket.write(
        `POST /webhooks/raw HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${'x'.repeat(40)}\r\n` +
          'Content-Type: message/rfc822\r\nContent-Length: 1048576\r\n\r\n',
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(await stored()).toBe(0);
  });

  it('refuses other content types and encodings with 415', async () => {
    const { url } = await relayServer();
    for (const contentType of ['text/plain', 'multipart/form-data; boundary=x', 'message/rfc822x', '']) {
      const response = await relayPost(url, message('Typed'), { 'content-type': contentType });
      expect(response.status, contentType).toBe(415);
      expect(await response.json()).toMatchObject({ error: 'unsupported_media_type', reason: expect.any(String) });
    }
    const gzip = await relayPost(url, message('Zipped'), { 'content-encoding': 'gzip' });
    expect(gzip.status).toBe(415);
    const parameters = await relayPost(url, message('Params'), { 'content-type': 'Message/RFC822; charset=utf-8' });
    expect(parameters.status).toBe(200);
    expect(await stored()).toBe(1);
  });

  it('refuses a malformed envelope with 400 and a reason, storing nothing', async () => {
    const { url } = await relayServer();
    const bad: Array<[string, string]> = [
      ['x-mailroom-envelope-to', 'help@support.example.com\tother@support.example.com'],
      ['x-mailroom-envelope-to', 'help@support.example.com other@support.example.com'],
      ['x-mailroom-envelope-to', 'not-an-address'],
      ['x-mailroom-envelope-to', `${'a'.repeat(320)}@support.example.com`],
      ['x-mailroom-envelope-to', Array.from({ length: 501 }, (_, i) => `r${i}@x.example.com`).join(',')],
      ['x-mailroom-envelope-from', 'two@example.org three@example.org'],
    ];
    for (const [name, value] of bad) {
      const response = await relayPost(url, message('Envelope'), { [name]: value });
      expect(response.status, value.slice(0, 60)).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'malformed_envelope', reason: expect.any(String) });
    }
    expect(await stored()).toBe(0);
  });

  it('refuses an empty, a malformed or an oversized message, declared or streamed, and stores nothing', async () => {
    const { url } = await relayServer({ limits: { maxBodyBytes: 16 * 1024 } });
    expect((await relayPost(url, Buffer.alloc(0))).status).toBe(400);
    const deep = Buffer.concat([message('Deep').subarray(0, message('Deep').indexOf('MIME-Version')), nested(60)]);
    const malformed = await relayPost(url, deep);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: 'mime_too_deep' });
    const big = message('Big', `X-Pad: ${'p'.repeat(20_000)}\r\n`);
    const declared = await relayPost(url, big);
    expect(declared.status).toBe(413);
    expect(declared.headers.get('connection')).toBe('close');
    const streamed = await relayPost(
      url,
      new ReadableStream({
        start(controller) {
          for (let at = 0; at < big.length; at += 4096) controller.enqueue(new Uint8Array(big.subarray(at, at + 4096)));
          controller.close();
        },
      }),
    );
    expect(streamed.status).toBe(413);
    expect(await stored()).toBe(0);
  });

  it('stores a delivery the MTA retries once', async () => {
    const { url, handled } = await relayServer();
    const headers = { 'x-mailroom-envelope-to': 'help@support.example.com' };
    const first = await (await relayPost(url, message('Twice'), headers)).json();
    const again = await (await relayPost(url, message('Twice'), headers)).json();
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ id: first.id, duplicate: true });
    await t!.drain();
    expect(handled).toHaveLength(1);
    expect(await stored()).toBe(1);
  });

  it('answers 405 to other methods', async () => {
    const { url } = await relayServer();
    const response = await fetch(url, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('refuses to start without a usable secret', () => {
    const target = { deliver: async () => ({ id: '1', duplicate: false }), store: { logger: console as never } };
    for (const secrets of [[], ['short'], [`${'x'.repeat(40)} `], ['y'.repeat(40), 'é'.repeat(40)]]) {
      expect(() => relayIngress(target, { secrets }), JSON.stringify(secrets)).toThrow(IngressConfigurationError);
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('the relay endpoint while PostgreSQL is cut (TCP proxy)', () => {
  it('answers 503 with Retry-After, stores nothing, and stores the retried delivery once the cut heals', async () => {
    const store = await createProxiedTestStore(process.env.DATABASE_URL!, {
      timeouts: { connectMs: 1000, ingestMs: 2000 },
    });
    cleanups.push(() => store.close());
    const { url, handled } = await relayServer({}, { store });
    const headers = { 'x-mailroom-envelope-to': 'help@support.example.com' };
    store.proxy.cut();
    const refused = await relayPost(url, message('During the cut'), headers);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(await refused.json()).toMatchObject({ error: 'store_unavailable' });
    store.proxy.restore();
    // The MTA's retry is stored. A statement the driver had queued during the cut may have run once the connection
    // came back (so the retry can be a duplicate): either way the message is there exactly once, nothing lost.
    const retried = await retryUntilStored(() => relayPost(url, message('During the cut'), headers));
    expect(retried).toEqual({ id: expect.any(String), duplicate: expect.any(Boolean) });
    await t!.drain();
    expect(await stored()).toBe(1);
    expect(handled).toMatchObject([{ subject: 'During the cut', provider: 'relay' }]);
  });
});

describe.skipIf(process.env.DATABASE_URL)('the relay endpoint on a closed PGlite store', () => {
  it('answers 503 with Retry-After', async () => {
    const store = await createTestStore();
    const { url } = await relayServer({}, { store });
    await store.close();
    const refused = await relayPost(url, message('Closed'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('60');
  });
});

async function retryUntilStored(post: () => Promise<Response>): Promise<unknown> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await post();
    if (response.status === 200) return response.json();
    expect(response.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the relay endpoint never stored the retried delivery');
}

function nested(depth: number): Buffer {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let level = depth; level > 0; level--) {
    body = `Content-Type: multipart/mixed; boundary="b${level}"\r\n\r\n--b${level}\r\n${body}\r\n--b${level}--\r\n`;
  }
  return Buffer.from(`MIME-Version: 1.0\r\n${body}`);
}
