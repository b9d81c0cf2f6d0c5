/**
 * Slow, unauthenticated bodies against a real server with the worker running (issue "Safe on the open internet",
 * finding 4). 28 attackers: 8 post without credentials (401 before the body, the connection closed; they reconnect
 * 25 ms later), 16 forge a signature and trickle a body declared 40 MiB just above the minimum rate (they hold their
 * connection until the body deadline), 4 forge one declared 1 MiB and stall (a body read in one call). Meanwhile
 * 10 real signed emails are posted: the worker must not yield to the attackers (they are not authenticated), and
 * memory must not grow with what the attackers declare.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailroom } from '@mailroom/core';
import { generateTestKeyPair, TEST_KEY_PAIR } from '@mailroom/core/testing';
import { rawPost, type RawExchange } from '../../packages/core/src/http/test-support.js';
import { send, signedHeaders, signedPosts } from './support/posts.js';
import { startWebhookServer, type WebhookServer } from './support/webhooks.js';
import { recordFigures } from './support/summary.js';

const BODY_TIMEOUT_MS = 8_000;
/** The 10 emails took 15.1 s before the fix (the worker yielded to 8 trickling posts); 0.375 s with nobody trickling. */
const PROCESS_BOUND_MS = 3_000;
/** 28 connections declaring 40 MiB each took RSS from 440 to 1,266 MiB before; what they send here is ~5 MiB. */
const RSS_GROWTH_BOUND_BYTES = 150 * 1024 * 1024;
const DECLARED = 40 * 1024 * 1024;

describe('slow unauthenticated bodies do not starve the worker or grow memory', () => {
  let web: WebhookServer;
  const processedAt = new Map<string, number>();
  beforeAll(async () => {
    web = await startWebhookServer((store) => {
      const mailroom = createMailroom({
        store,
        security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
        limits: { bodyTimeoutMs: BODY_TIMEOUT_MS },
      });
      mailroom.route(
        'real',
        '*@reliability.example.com',
        (ctx) => void processedAt.set(ctx.email.messageId ?? '', performance.now()),
      );
      mailroom.start();
      return mailroom;
    });
  });
  afterAll(() => web?.close());

  it('answers every attacker (401 at once, 408 by the deadline) and processes 10 real emails meanwhile in well under 3 s', async () => {
    const { store, url } = web;
    const post = signedPosts(randomBytes(4).toString('hex'));
    expect((await send(url, post(0).headers, post(0).body)).status).toBe(200); // warm up: code paths, the store
    const rssStart = process.memoryUsage().rss;
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);

    const forger = generateTestKeyPair();
    const filler = Buffer.alloc(2 * 1024 * 1024, 0x41);
    const forgedHeaders = (declared: number) => ({
      ...signedHeaders(filler, 'multipart/form-data; boundary=xYzZY', forger),
      'content-length': String(declared),
    });
    let attacking = true;
    const unauthenticated = { sent: 0, answered401: 0, other: 0 };
    const started = performance.now();
    const noCredentials = Array.from({ length: 8 }, async () => {
      while (attacking) {
        unauthenticated.sent++;
        const answer = await rawPost(url, {
          headers: { 'content-type': 'multipart/form-data; boundary=xYzZY', 'content-length': String(DECLARED) },
          body: filler,
          firstBytes: 1024,
          chunkBytes: 1024,
          intervalMs: 100,
          timeoutMs: 5_000,
        });
        if (answer.status === 401 && answer.closedByServer) unauthenticated.answered401++;
        else unauthenticated.other++;
        // A short pause: thousands of reconnects a second would measure this process's own client churn in RSS.
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    });
    // 24 KiB/s: above the 16 KiB/s minimum, so only the deadline ends them.
    const tricklers: Array<Promise<RawExchange>> = Array.from({ length: 16 }, () =>
      rawPost(url, {
        headers: forgedHeaders(DECLARED),
        body: filler,
        firstBytes: 4096,
        chunkBytes: 2400,
        intervalMs: 100,
        timeoutMs: 30_000,
      }),
    );
    const stallers: Array<Promise<RawExchange>> = Array.from({ length: 4 }, () =>
      rawPost(url, {
        headers: forgedHeaders(1024 * 1024),
        body: filler,
        firstBytes: 100,
        chunkBytes: 0,
        intervalMs: 1_000,
        timeoutMs: 30_000,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the attack is established

    const real = Array.from({ length: 10 }, (_, i) => post(i + 1));
    const postedAt = performance.now();
    const answers = await Promise.all(real.map((p) => send(url, p.headers, p.body)));
    expect(answers.map((a) => a.status)).toEqual(real.map(() => 200));
    while (
      real.some((p) => !processedAt.has(`<${p.messageId}>`) && !processedAt.has(p.messageId)) &&
      performance.now() - postedAt < 20_000
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const processedMs =
      Math.max(
        ...real.map(
          (p) => processedAt.get(`<${p.messageId}>`) ?? processedAt.get(p.messageId) ?? Number.POSITIVE_INFINITY,
        ),
      ) - postedAt;

    const trickled = await Promise.all(tricklers);
    const stalled = await Promise.all(stallers);
    attacking = false;
    await Promise.all(noCredentials);
    clearInterval(sampler);
    const attackMs = performance.now() - started;

    for (const answer of trickled) {
      expect(answer.status, answer.body).toBe(408);
      expect(JSON.parse(answer.body).error).toBe('body_timeout');
      expect(answer.answeredAfterMs).toBeLessThan(BODY_TIMEOUT_MS + 3_000);
    }
    for (const answer of stalled) {
      expect(answer.status).toBe(408);
      expect(answer.answeredAfterMs).toBeLessThan(BODY_TIMEOUT_MS + 3_000);
    }
    expect(unauthenticated.other).toBe(0);
    expect(unauthenticated.answered401).toBeGreaterThan(8);
    expect(processedMs).toBeLessThan(PROCESS_BOUND_MS);
    const rssGrowth = rssPeak - rssStart;
    expect(rssGrowth).toBeLessThan(RSS_GROWTH_BOUND_BYTES);

    recordFigures({
      scenario: `slow bodies (${store.dialect})`,
      sent: 11 + unauthenticated.sent + tricklers.length + stallers.length,
      ok2xx: 11,
      stored: 11,
      processed: processedAt.size,
      lost: 0,
      duplicates: 0,
      server5xx: 0,
      processed10Ms: Math.round(processedMs),
      rssGrowthMiB: Math.round(rssGrowth / 1024 / 1024),
      attackers: 8 + tricklers.length + stallers.length,
      answered401: unauthenticated.answered401,
      attackMs: Math.round(attackMs),
    });
  });
});
