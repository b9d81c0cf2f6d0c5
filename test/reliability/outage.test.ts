import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createMailroom, openStore, silentLogger, type Mailroom, type Store } from '@mailroom/core';
import { createProxiedTestDatabase, TEST_KEY_PAIR } from '@mailroom/core/testing';
import { postgresUrl } from './support/database.js';
import { audit, ensureEffectsTable, recordEffect, storeCounts, total, type StoreCounts } from './support/effects.js';
import { send, signedPosts, type SignedPost } from './support/posts.js';
import { recordFigures, scaled } from './support/summary.js';

const PG = await postgresUrl();
const INGEST_TIMEOUT_MS = 2000;
/** An answer during the outage may take the ingest deadline plus connection setup, never much longer. */
const MAX_ANSWER_MS = INGEST_TIMEOUT_MS + 4000;

/** The HTTP layer's server faults (it answers 500 for them): a failing run says what they were. */
const faults: string[] = [];
const faultLogger = {
  ...silentLogger,
  error: (event: string, fields?: Record<string, unknown>) => {
    if (event === 'http_error') faults.push(JSON.stringify(fields).slice(0, 2000));
  },
};

function mailroomOn(store: Store): Mailroom {
  const mailroom = createMailroom({
    store,
    security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
    logger: faultLogger,
    // A claim committed just before the connection died stays leased until the lease runs out: short here.
    // A cut that outlasts the 3 s lease expires the leases of attempts in flight: the database's fault, not the mail's,
    // so takeovers get the attempts' budget (as in crash.test.ts); the suite checks nothing is lost or duplicated.
    worker: {
      pollMs: 100,
      concurrency: 4,
      maxAttempts: 100,
      maxTakeovers: 100,
      leaseMs: 3000,
      backoff: { baseMs: 50, maxMs: 500 },
    },
  });
  mailroom.route('outage', '*@reliability.example.com', async (ctx) => {
    await recordEffect(ctx.tx, ctx.record.id, ctx.email.messageId);
  });
  return mailroom;
}

/** One HTTP server whose requests go to whichever Mailroom is current (the PGlite case swaps it). */
async function serverFor(current: () => Mailroom) {
  const app = new Hono().post('/webhooks/sendgrid/parse', (c) => current().fetch(c.req.raw));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  // Idle keep-alive connections are never closed by the server mid-test: a close racing the client's reuse of the
  // socket is a reset the client sees as "no answer", which this suite would count as an outage fault.
  (server as Server).keepAliveTimeout = 120_000;
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/sendgrid/parse`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

interface Tally {
  attempts: number;
  ok2xx: number;
  unavailable503: number;
  other: number;
  /** The first few answers that were neither 2xx nor 503: status and body, or the fetch error. */
  otherAnswers: string[];
  slowest: number;
  duringOutage: number;
}

/** Sends every post until it gets a 2xx, resending 503s and unanswered posts like SendGrid. */
async function loadUntilAcked(url: string, posts: SignedPost[], tally: Tally, outage: { active: boolean }) {
  const queue = [...posts.keys()];
  const acked = new Set<number>();
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (acked.size < posts.length) {
        const index = queue.shift();
        if (index === undefined) {
          await sleep(20);
          continue;
        }
        const post = posts[index]!;
        const answer = await send(url, post.headers, post.body);
        tally.attempts++;
        tally.slowest = Math.max(tally.slowest, answer.ms);
        if (outage.active) tally.duringOutage++;
        if (answer.status >= 200 && answer.status < 300) {
          tally.ok2xx++;
          acked.add(index);
          continue;
        }
        if (answer.status === 503) tally.unavailable503++;
        else {
          tally.other++;
          if (tally.otherAnswers.length < 5)
            tally.otherAnswers.push(
              'body' in answer ? `${answer.status} ${answer.body}` : `no answer: ${answer.error}`,
            );
        }
        queue.push(index);
        await sleep(100);
      }
    }),
  );
}

async function settle(read: () => Promise<StoreCounts>, expected: number): Promise<StoreCounts> {
  const deadline = Date.now() + 90_000;
  let counts = await read();
  while ((counts.statuses.delivered ?? 0) < expected && Date.now() < deadline) {
    await sleep(250);
    counts = await read();
  }
  return counts;
}

function report(name: string, posts: SignedPost[], tally: Tally, counts: StoreCounts) {
  const result = audit(
    counts,
    posts.map((p) => p.messageId),
  );
  recordFigures({
    scenario: `database outage (${name})`,
    sent: tally.attempts,
    ok2xx: tally.ok2xx,
    stored: total(counts.inbox),
    processed: total(counts.effects),
    lost: result.lost,
    duplicates: result.duplicates + result.processedTwice,
    server5xx: tally.other,
    answered503: tally.unavailable503,
    slowestAnswerMs: Math.round(tally.slowest),
  });
  return result;
}

/** Resolves once this many posts were acknowledged with a 2xx. */
async function untilAcked(tally: Tally, count: number): Promise<void> {
  while (tally.ok2xx < count) await sleep(5);
}

/**
 * Posts `count` signed emails to `url` until each was acknowledged, while `outage` runs once a quarter of them
 * were (mid-load by progress, not by the clock: ingest speed varies); the tally counts every answer.
 */
async function loadThroughOutage(
  url: string,
  count: number,
  outage: () => Promise<void>,
): Promise<{ posts: SignedPost[]; tally: Tally }> {
  const post = signedPosts(randomBytes(4).toString('hex'));
  const posts = Array.from({ length: count }, (_, i) => post(i + 1));
  const tally: Tally = {
    attempts: 0,
    ok2xx: 0,
    unavailable503: 0,
    other: 0,
    otherAnswers: [],
    slowest: 0,
    duringOutage: 0,
  };
  const during = { active: false };
  const breaker = (async () => {
    await untilAcked(tally, posts.length / 4);
    during.active = true;
    await outage();
    during.active = false;
  })();
  await Promise.all([breaker, loadUntilAcked(url, posts, tally, during)]);
  return { posts, tally };
}

describe('database outage mid-load', () => {
  it.skipIf(!PG)(
    'PostgreSQL behind a cut proxy: 503 without hanging, nothing lost or duplicated once it returns',
    async () => {
      const database = await createProxiedTestDatabase(PG!);
      const { proxy } = database;
      const store = await openStore({
        databaseUrl: database.url,
        logger: silentLogger,
        timeouts: { connectMs: 1000, ingestMs: INGEST_TIMEOUT_MS },
      });
      await ensureEffectsTable(store.db);
      const mailroom = mailroomOn(store);
      mailroom.start();
      const server = await serverFor(() => mailroom);
      // Counted through a direct connection, not the proxy.
      const direct = await openStore({ databaseUrl: database.directUrl, logger: silentLogger, migrate: false });
      try {
        const { posts, tally } = await loadThroughOutage(server.url, scaled(400, 60), async () => {
          proxy.cut(); // connections refused
          await sleep(3000);
          proxy.blackhole(); // connections accepted, nothing answered
          await sleep(3000);
          proxy.restore();
        });
        const counts = await settle(() => storeCounts(direct.db), posts.length);
        const result = report('PostgreSQL via cut proxy', posts, tally, counts);

        expect(tally.unavailable503).toBeGreaterThan(0);
        // No 500s, no unanswered requests: the outage is always a 503.
        expect({ other: tally.otherAnswers, faults }).toEqual({ other: [], faults: [] });
        expect(tally.slowest).toBeLessThan(MAX_ANSWER_MS);
        const stuck = await direct.inbox.list({ status: ['pending', 'processing', 'failed'], limit: 20 });
        expect({
          ...result,
          stuck: stuck.map(
            (r) =>
              `${r.status} attempts=${r.attempts} lease=${r.leaseOwner}/${r.leaseUntil?.toISOString()} next=${r.nextAttemptAt?.toISOString()} now=${new Date().toISOString()} ${r.lastError ?? ''}`,
          ),
        }).toEqual({ lost: 0, duplicates: 0, unprocessed: 0, processedTwice: 0, stuck: [] });
        expect(counts.statuses).toEqual({ delivered: posts.length });
      } finally {
        await server.close();
        await mailroom.stop().catch(() => undefined);
        await store.close().catch(() => undefined);
        await direct.close();
        await database.drop();
      }
    },
  );

  it('PGlite: the store closed mid-load answers 503; reopened, nothing is lost or duplicated', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mailroom-reliability-outage-'));
    let store = await openStore({ databaseUrl: '', dataDir, logger: silentLogger });
    await ensureEffectsTable(store.db);
    let mailroom = mailroomOn(store);
    mailroom.start();
    const server = await serverFor(() => mailroom);
    try {
      const { posts, tally } = await loadThroughOutage(server.url, scaled(150, 30), async () => {
        const gone = mailroom;
        await store.close(); // the database goes away under the running app and worker
        await sleep(2000);
        store = await openStore({ databaseUrl: '', dataDir, logger: silentLogger });
        mailroom = mailroomOn(store);
        mailroom.start();
        await gone.stop().catch(() => undefined);
      });
      const counts = await settle(() => storeCounts(store.db), posts.length);
      const result = report('PGlite store closed', posts, tally, counts);

      expect(tally.unavailable503).toBeGreaterThan(0);
      expect({ other: tally.otherAnswers, faults }).toEqual({ other: [], faults: [] });
      expect(tally.slowest).toBeLessThan(MAX_ANSWER_MS);
      expect(result).toEqual({ lost: 0, duplicates: 0, unprocessed: 0, processedTwice: 0 });
      expect(counts.statuses).toEqual({ delivered: posts.length });
    } finally {
      await server.close();
      await mailroom.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
