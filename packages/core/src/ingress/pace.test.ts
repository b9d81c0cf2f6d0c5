import { afterEach, describe, expect, it } from 'vitest';
import { inboundHandler, startServer, type RunningServer } from '../http/index.js';
import { rawPost } from '../http/test-support.js';
import type { IngressLimits, IngressSecurity, ReceivedPost } from './index.js';
import { resolveLimits } from './limits.js';
import {
  basicAuthorization,
  buildMultipart,
  c5ParsedFields,
  generateSendGridKeyPair,
  signedHeaders,
} from './test-support.js';

const key = generateSendGridKeyPair();
const BASIC = { username: 'sendgrid', password: 'pace-test-secret' };
const { body, contentType } = buildMultipart(c5ParsedFields());

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A real server in front of the inbound handler; `seen` collects what reached onEmail, `authenticated` the hook. */
async function serve(security: IngressSecurity, limits: IngressLimits) {
  const seen: ReceivedPost[] = [];
  const authenticated: string[] = [];
  const handler = inboundHandler({
    security,
    limits,
    logger: { warn: () => undefined, error: () => undefined },
    onAuthenticated: (request) => authenticated.push(request.headers.get('x-test-name') ?? '?'),
    onEmail: (post) => void seen.push(post),
  });
  server = await startServer(handler, { hostname: '127.0.0.1' });
  return { url: `${server.url}/parse`, seen, authenticated };
}

const signed = (bytes: Buffer = body, extra: Record<string, string> = {}) => ({
  'content-type': contentType,
  'content-length': String(bytes.length),
  ...signedHeaders(key.privateKey, bytes),
  ...extra,
});

describe('slow bodies', () => {
  it('answers a trickling body 408 body_too_slow once the grace period passed, and closes the connection', async () => {
    const { url, seen, authenticated } = await serve(
      { publicKeys: [key.publicKey] },
      { minBodyBytesPerSecond: 1024, bodyRateGraceMs: 300 },
    );
    const big = buildMultipart([...c5ParsedFields(), ['padding', 'x'.repeat(2 * 1024 * 1024)]]).body; // streamed (> 1 MiB)
    // Ten bytes every 50 ms: 200 bytes/s, far below 1 KiB/s; the whole body would take hours.
    const answer = await rawPost(url, {
      headers: signed(big),
      body: big,
      firstBytes: 10,
      chunkBytes: 10,
      intervalMs: 50,
    });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'body_too_slow',
      reason: expect.stringMatching(/^request body arrives too slowly: \d+ bytes in/),
    });
    expect(answer.headers.connection).toBe('close');
    expect(answer.closedByServer).toBe(true);
    expect(answer.complete).toBe(false);
    expect(seen).toHaveLength(0);
    expect(authenticated).toHaveLength(0);
  });

  it('answers 408 body_timeout when the body keeps a good rate but is not complete in bodyTimeoutMs', async () => {
    const big = buildMultipart([...c5ParsedFields(), ['padding', 'x'.repeat(2 * 1024 * 1024)]]).body; // streamed (> 1 MiB)
    const { url } = await serve(
      { publicKeys: [key.publicKey] },
      { bodyTimeoutMs: 600, minBodyBytesPerSecond: 1024, bodyRateGraceMs: 100 },
    );
    const answer = await rawPost(url, {
      headers: signed(big),
      body: big,
      firstBytes: 4096,
      chunkBytes: 4096,
      intervalMs: 50,
    });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body).error).toBe('body_timeout');
    expect(answer.complete).toBe(false);
    // The rate rule held all along: 80 KiB/s is well above 1 KiB/s, so the deadline is what ended it.
    expect(answer.bodyBytesSent).toBeGreaterThan(4096);
  });

  it('holds a small body read in one call to the deadline its declared length gets at the minimum rate', async () => {
    const { url } = await serve(
      { publicKeys: [key.publicKey] },
      { minBodyBytesPerSecond: 100_000, bodyRateGraceMs: 200 },
    );
    // Declared ~2 KB: at 100 kB/s it is due by the 200 ms grace; it stalls after 100 bytes.
    const answer = await rawPost(url, { headers: signed(), body, firstBytes: 100, chunkBytes: 0, intervalMs: 1000 });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'body_too_slow',
      reason: expect.stringMatching(/not complete/),
    });
  });

  it('accepts a body that arrives slowly but within the rules', async () => {
    const { url, seen } = await serve(
      { publicKeys: [key.publicKey] },
      { minBodyBytesPerSecond: 1024, bodyRateGraceMs: 300 },
    );
    const answer = await rawPost(url, { headers: signed(), body, firstBytes: 0, chunkBytes: 256, intervalMs: 20 });
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe('the in-flight body cap', () => {
  it('answers 503 with Retry-After past maxInFlightBytes, and accepts posts again once the others are done', async () => {
    const large = buildMultipart([...c5ParsedFields(), ['padding', 'y'.repeat(48 * 1024)]]).body;
    // Room for the two large posts and not one small post more.
    const limits = {
      maxBodyBytes: 64 * 1024,
      maxInFlightBytes: 2 * large.length + body.length - 1,
      minBodyBytesPerSecond: 0,
    };
    const { url, seen } = await serve({ publicKeys: [key.publicKey] }, limits);
    // Two posts declaring ~50 KiB each hold the budget while their bodies are still arriving.
    const holders = [0, 1].map(() =>
      rawPost(url, { headers: signed(large), body: large, firstBytes: 1000, chunkBytes: 16 * 1024, intervalMs: 200 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const refused = await rawPost(url, { headers: signed(), body, firstBytes: body.length });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(refused.body).error).toBe('receiver_busy');
    expect(refused.headers.connection).toBe('close');

    const done = await Promise.all(holders);
    expect(done.map((answer) => answer.status)).toEqual([200, 200]);
    const again = await rawPost(url, { headers: signed(), body, firstBytes: body.length });
    expect(again.status).toBe(200);
    expect(seen).toHaveLength(3);
  });

  it('defaults to 4 × maxBodyBytes, at least 64 MiB', () => {
    expect(resolveLimits(undefined).maxInFlightBytes).toBe(160 * 1024 * 1024);
    expect(resolveLimits({ maxBodyBytes: 100 * 1024 * 1024 }).maxInFlightBytes).toBe(400 * 1024 * 1024);
    expect(resolveLimits({ maxBodyBytes: 1024 * 1024 }).maxInFlightBytes).toBe(64 * 1024 * 1024);
    expect(resolveLimits({ maxBodyBytes: 1024 * 1024, maxInFlightBytes: 0 }).maxInFlightBytes).toBe(0);
  });

  it('refuses a maxInFlightBytes below maxBodyBytes (such a post could never be received)', () => {
    expect(() =>
      inboundHandler({
        security: { insecure: true },
        limits: { maxBodyBytes: 1000, maxInFlightBytes: 999 },
        onEmail: () => undefined,
        logger: { warn: () => undefined, error: () => undefined },
      }),
    ).toThrow(/maxInFlightBytes/);
  });
});

describe('authentication before the body', () => {
  it('answers bad basic credentials 401 while the client is still sending, and never reads the rest', async () => {
    const { url, seen, authenticated } = await serve({ basic: [BASIC] }, {});
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const headers = {
      'content-type': contentType,
      'content-length': String(huge.length),
      authorization: basicAuthorization('sendgrid', 'guess'),
      'x-test-name': 'guess',
    };
    const answer = await rawPost(url, { headers, body: huge, firstBytes: 1024, chunkBytes: 64 * 1024, intervalMs: 20 });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error).toBe('basic_auth_invalid');
    expect(answer.complete).toBe(false);
    expect(answer.bodyBytesSent).toBeLessThan(huge.length / 4);
    expect(answer.headers.connection).toBe('close');
    expect(answer.closedByServer).toBe(true);
    expect(seen).toHaveLength(0);
    expect(authenticated).toHaveLength(0);
  });

  it('answers an unsigned post to a signed endpoint 401 before its body', async () => {
    const { url } = await serve({ publicKeys: [key.publicKey] }, {});
    const answer = await rawPost(url, {
      headers: { 'content-type': contentType, 'content-length': String(body.length) },
      body,
      firstBytes: 0,
      chunkBytes: 1,
      intervalMs: 1000,
    });
    expect(answer.status).toBe(401);
    expect(answer.bodyBytesSent).toBe(0);
  });

  it('counts a basic post as authenticated from its headers, a signed one only once its signature verified', async () => {
    const basicServer = await serve({ basic: [BASIC] }, {});
    const headers = {
      'content-type': contentType,
      'content-length': String(body.length),
      authorization: basicAuthorization(BASIC.username, BASIC.password),
      'x-test-name': 'basic',
    };
    const pending = rawPost(basicServer.url, {
      headers,
      body,
      firstBytes: 10,
      chunkBytes: body.length,
      intervalMs: 300,
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(basicServer.authenticated).toEqual(['basic']); // the body is not there yet
    expect((await pending).status).toBe(200);
    await server!.close();

    const signedServer = await serve({ publicKeys: [key.publicKey] }, {});
    const forged = {
      ...signed(),
      ...signedHeaders(key.privateKey, Buffer.from('another body')),
      'x-test-name': 'forged',
    };
    expect((await rawPost(signedServer.url, { headers: forged, body, firstBytes: body.length })).status).toBe(403);
    const slowGenuine = rawPost(signedServer.url, {
      headers: signed(body, { 'x-test-name': 'genuine' }),
      body,
      firstBytes: 10,
      chunkBytes: body.length,
      intervalMs: 300,
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(signedServer.authenticated).toEqual([]);
    expect((await slowGenuine).status).toBe(200);
    expect(signedServer.authenticated).toEqual(['genuine']);
  });
});
