import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '@mailroom/core';
import { inboundApp, inboundHandler, serverTimeoutOptions, toNodeHandler, type HttpLogger } from '@mailroom/core/http';
import type { ReceivedPost } from '../ingress/index.js';
import { generateTestKeyPair, inboundRequest, TEST_KEY_PAIR } from '@mailroom/core/testing';

function recordingLogger() {
  const warnings: string[] = [];
  const errors: unknown[][] = [];
  const logger: HttpLogger = { warn: (m) => warnings.push(m), error: (...args) => errors.push(args) };
  return { logger, warnings, errors };
}

const signed = { security: { publicKeys: [TEST_KEY_PAIR.publicKey] } };

describe('inboundHandler', () => {
  it('hands the verified post to onEmail and answers 200 {ok:true}', async () => {
    const seen: ReceivedPost[] = [];
    const handle = inboundHandler({ ...signed, onEmail: (post) => void seen.push(post) });
    const response = await handle(inboundRequest({ subject: 'Hi there' }, { sign: TEST_KEY_PAIR }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.email.subject).toBe('Hi there');
    expect(seen[0]!.authenticatedBy).toEqual(['signature']);
  });

  it('answers with the Response onEmail returns', async () => {
    const handle = inboundHandler({
      ...signed,
      onEmail: ({ email }) => new Response(`got ${email.subject}`, { status: 202 }),
    });
    const response = await handle(inboundRequest({ subject: 'x' }, { sign: TEST_KEY_PAIR }));
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('got x');
  });

  it('maps ingress rejections to their 4xx with {error, reason}', async () => {
    const handle = inboundHandler({ ...signed, onEmail: () => undefined });
    const unsigned = await handle(inboundRequest({}));
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('www-authenticate')).toBeNull();
    const body = await unsigned.json();
    expect(body.error).toBe('signature_missing');
    expect(body.reason).toMatch(/signature/i);

    const wrongKey = await handle(inboundRequest({}, { sign: generateTestKeyPair() }));
    expect(wrongKey.status).toBe(403);
    expect((await wrongKey.json()).error).toBe('signature_invalid');

    const notForm = await handle(
      new Request('http://localhost/parse', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expect(notForm.status).toBeGreaterThanOrEqual(400);
    expect(notForm.status).toBeLessThan(500);
  });

  it('challenges with Basic realm="mailroom" when basic auth is configured', async () => {
    const handle = inboundHandler({
      security: { basic: [{ username: 'sendgrid', password: 's3cret' }] },
      onEmail: () => undefined,
    });
    const missing = await handle(inboundRequest({}));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic realm="mailroom"/);
    const wrong = await handle(inboundRequest({}, { basic: { username: 'sendgrid', password: 'nope' } }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm="mailroom"/);
    const ok = await handle(inboundRequest({}, { basic: { username: 'sendgrid', password: 's3cret' } }));
    expect(ok.status).toBe(200);
  });

  it('answers bearer failures with invalid_token so SendGrid refreshes its OAuth token', async () => {
    const handle = inboundHandler({ security: { bearer: (token) => token === 'good' }, onEmail: () => undefined });
    const bad = await handle(inboundRequest({}, { bearer: 'stale' }));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await bad.text()).toContain('invalid_token');
    expect((await handle(inboundRequest({}, { bearer: 'good' }))).status).toBe(200);
  });

  it('answers 500 {error:"internal"} and logs when onEmail fails, so SendGrid retries', async () => {
    const { logger, errors } = recordingLogger();
    const handle = inboundHandler({
      ...signed,
      logger,
      onEmail: () => {
        throw new Error('database down');
      },
    });
    const response = await handle(inboundRequest({}, { sign: TEST_KEY_PAIR }));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal' });
    expect(errors).toHaveLength(1);
    expect(String(errors[0]![1])).toContain('database down');
  });

  it('allows only POST', async () => {
    const handle = inboundHandler({ ...signed, onEmail: () => undefined });
    const response = await handle(new Request('http://localhost/parse'));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('warns once at construction in insecure mode, not per request', async () => {
    const { logger, warnings } = recordingLogger();
    const handle = inboundHandler({ security: { insecure: true }, logger, onEmail: () => undefined });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/insecure/);
    expect((await handle(inboundRequest({}))).status).toBe(200);
    expect(warnings).toHaveLength(1);
    inboundHandler({ ...signed, logger, onEmail: () => undefined });
    expect(warnings).toHaveLength(1);
  });
});

describe('inboundApp', () => {
  it('mounts POST /parse under the chosen prefix', async () => {
    const subjects: string[] = [];
    const app = new Hono();
    app.route(
      '/webhooks/sendgrid',
      inboundApp({ ...signed, onEmail: ({ email }) => void subjects.push(email.subject) }),
    );
    const url = 'http://localhost/webhooks/sendgrid/parse';
    expect((await app.fetch(inboundRequest({ subject: 'mounted' }, { url, sign: TEST_KEY_PAIR }))).status).toBe(200);
    expect(subjects).toEqual(['mounted']);
    expect((await app.fetch(new Request(url))).status).toBe(405);
    expect(
      (await app.fetch(inboundRequest({}, { url: 'http://localhost/webhooks/sendgrid/other', sign: TEST_KEY_PAIR })))
        .status,
    ).toBe(404);
  });
});

describe('toNodeHandler', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it('serves the handler on node:http, streaming a chunked body', async () => {
    const seen: ReceivedPost[] = [];
    server = createServer(toNodeHandler(inboundHandler({ ...signed, onEmail: (post) => void seen.push(post) })));
    await new Promise<void>((ready) => server!.listen(0, '127.0.0.1', ready));
    const { port } = server.address() as AddressInfo;
    const request = inboundRequest(
      { text: 'y'.repeat(200_000) },
      { url: `http://127.0.0.1:${port}/parse`, sign: TEST_KEY_PAIR, chunked: true },
    );
    const response = await fetch(request);
    expect(response.status).toBe(200);
    expect(seen[0]!.email.text).toBe('y'.repeat(200_000));
  });
});

describe('startServer timeouts', () => {
  it("sets Node's headersTimeout/requestTimeout (checked often enough to matter) and refuses impossible ones", () => {
    expect(serverTimeoutOptions()).toEqual({
      headersTimeout: 20_000,
      requestTimeout: 120_000,
      connectionsCheckingInterval: 2_000,
    });
    expect(serverTimeoutOptions({ headersTimeoutMs: 1_000, requestTimeoutMs: 3_000 })).toEqual({
      headersTimeout: 1_000,
      requestTimeout: 3_000,
      connectionsCheckingInterval: 250,
    });
    expect(() => serverTimeoutOptions({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).toThrow(RangeError);
  });

  it('answers a request whose headers never finish 408 and closes it, instead of holding it for minutes', async () => {
    const running = await startServer(() => new Response('never reached'), {
      hostname: '127.0.0.1',
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
    });
    try {
      const answer = await new Promise<{ text: string; closed: boolean }>((resolve) => {
        const socket = connect(running.port, '127.0.0.1', () =>
          socket.write('POST /parse HTTP/1.1\r\nhost: x\r\nx-slow: '),
        );
        let text = '';
        const giveUp = setTimeout(() => socket.destroy(), 10_000);
        socket.on('data', (data) => (text += data));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(giveUp);
          resolve({ text, closed: true });
        });
      });
      expect(answer.text).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await running.close();
    }
  });
});
