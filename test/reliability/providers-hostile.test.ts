/**
 * Hostile input over every ingress besides SendGrid's (Postmark, Mailgun, the relay, Amazon SES through SNS, the
 * SMTP receiver), through real HTTP and real SMTP against a child server (support/providers-child.ts) that watches
 * its own event loop and memory.
 *
 * What it proves: the SendGrid hostile generator's messages (seeded) in each provider's envelope with valid
 * authentication (SES: in signed SNS notifications, the message BASE64 in `content` so 8-bit bytes survive), plus
 * each provider's own malformed shapes (support/providers-malformed.ts; SES: broken JSON, a Message that is not
 * JSON, content missing, wrong encoding labels, huge nesting, many keys, unknown Types, wrong topics, a body
 * declared over the limit…), are each answered with a 2xx (stored; the worker then delivers it as a valid email
 * or fails it with a reason) or a 4xx with a reason (SMTP: 250, or a refusal with its text and never the 451 of a
 * server fault); never a 5xx, never a hang, no unhandled rejection, no main-thread stall of 100 ms of CPU
 * (schedstat, one message at a time), bounded RSS. Figures: the summary table (recordFigures).
 *
 * Store: PostgreSQL when DATABASE_URL is set (a fresh database), else PGlite in memory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SNS_SIGNING_CERT_URL } from '@mailroom/core/testing';
import { pool, prng } from './support/posts.js';
import {
  CONCURRENCY,
  SEED,
  auditIds,
  childStore,
  control,
  expectContract,
  judgeHttp,
  judgeSmtp,
  kindStats,
  newTally,
  post,
  sesCalls,
  startProviders,
  Watcher,
  type Providers,
} from './support/providers-harness.js';
import {
  mailgunCases,
  postmarkCases,
  relayCases,
  sesCases,
  smtpAbuses,
  type MalformedCase,
} from './support/providers-malformed.js';
import {
  LIMITS,
  codeOf,
  hostileMessage,
  rawSmtpSession,
  smtpSend,
  wrapFor,
  type HttpProvider,
} from './support/providers.js';
import { scaled } from './support/summary.js';

describe('hostile input over every ingress besides SendGrid, through real HTTP and SMTP', () => {
  let p: Providers;
  let store: Awaited<ReturnType<typeof childStore>>;
  beforeAll(async () => {
    store = await childStore(false);
    p = await startProviders(store.env);
  });
  afterAll(async () => {
    await p?.child.kill();
    await store?.drop();
  });

  const httpProviders: Array<[HttpProvider, string, () => MalformedCase[], number]> = [
    ['postmark', 'Postmark', postmarkCases, 1],
    ['mailgun', 'Mailgun', mailgunCases, 2],
    ['relay', 'relay', relayCases, 3],
    ['ses', 'SES', sesCases, 5],
  ];
  for (const [provider, name, cases, offset] of httpProviders) {
    it(`${name}: every hostile message and malformed post is a 2xx (then delivered or failed with a reason) or a 4xx with a reason`, async () => {
      const tally = newTally();
      const random = prng(SEED + offset);
      // Warm up (module loading, JIT: one-time costs, not the mail's), then watch the server.
      for (let i = 0; i < 30; i++) {
        const hostile = hostileMessage(random, LIMITS);
        judgeHttp(tally, hostile.kind, await post(p, provider, wrapFor(provider, hostile.message, random)));
      }
      await auditIds(p, tally.ids, false);
      const server = new Watcher(p);
      await server.start();
      const started = performance.now();
      const count = scaled(600, 100);
      await pool(
        Array.from({ length: count }, (_, i) => i),
        CONCURRENCY,
        async () => {
          const hostile = hostileMessage(random, LIMITS);
          judgeHttp(tally, hostile.kind, await post(p, provider, wrapFor(provider, hostile.message, random)));
        },
      );
      await auditIds(p, tally.ids, false);
      await server.phase(`storm of ${count} hostile messages, ${CONCURRENCY} at a time`, true);
      // One at a time, each held to the stall bound: more hostile messages, then the provider's malformed shapes.
      for (let i = 0; i < scaled(100, 40); i++) {
        const hostile = hostileMessage(random, LIMITS);
        judgeHttp(tally, hostile.kind, await post(p, provider, wrapFor(provider, hostile.message, random)));
        await auditIds(p, tally.ids.slice(-1), false);
        await server.phase(hostile.kind);
      }
      for (const c of cases()) {
        judgeHttp(tally, `${name}: ${c.name}`, await c.send(p), c.expect);
        await server.phase(c.name);
      }
      await control(p, provider);
      // SES: the certificate is fetched once (then cached) and only from the test SigningCertURL.
      const fetches = provider === 'ses' ? (await sesCalls(p)).certificateFetches : [];
      expect(fetches.filter((url) => url !== DEFAULT_SNS_SIGNING_CERT_URL)).toEqual([]);
      await expectContract(
        p,
        name,
        tally,
        server,
        started,
        provider === 'ses' ? { certificateFetches: fetches.length } : undefined,
      );
      expect(tally.kinds.size).toBeGreaterThanOrEqual(20);
    });
  }

  it('SMTP receiver: every hostile message is a 250 (then delivered or failed with a reason) or a refusal with its reason, and protocol abuse is answered', async () => {
    const tally = newTally();
    const random = prng(SEED + 4);
    for (let i = 0; i < 20; i++) {
      const hostile = hostileMessage(random, LIMITS);
      judgeSmtp(tally, hostile.kind, await smtpSend(p.smtpPort, hostile.message));
    }
    await auditIds(p, tally.ids, false);
    const server = new Watcher(p);
    await server.start();
    const started = performance.now();
    const count = scaled(400, 80);
    await pool(
      Array.from({ length: count }, (_, i) => i),
      CONCURRENCY,
      async () => {
        const hostile = hostileMessage(random, LIMITS);
        judgeSmtp(tally, hostile.kind, await smtpSend(p.smtpPort, hostile.message));
      },
    );

    await auditIds(p, tally.ids, false);
    await server.phase(`storm of ${count} hostile messages, ${CONCURRENCY} at a time`, true);
    for (let i = 0; i < scaled(100, 40); i++) {
      const hostile = hostileMessage(random, LIMITS);
      judgeSmtp(tally, hostile.kind, await smtpSend(p.smtpPort, hostile.message));
      await auditIds(p, tally.ids.slice(-1), false);
      await server.phase(hostile.kind);
    }

    // Protocol abuse on raw sockets: every session greeted, every command answered with a code, nothing hangs.
    const abuseProblems: string[] = [];
    let abuseReplies = 0;
    for (const abuse of smtpAbuses(random)) {
      const session = await rawSmtpSession(p.smtpPort);
      const greeting = await session.replies(1);
      if (codeOf(greeting[0]) !== 220) abuseProblems.push(`${abuse.name}: greeting ${greeting[0]}`);
      const { replies, problems } = await abuse.run(session, p);
      abuseReplies += replies.length;
      abuseProblems.push(...problems.map((problem) => `${abuse.name}: ${problem}`));
      kindStats(tally, `SMTP: ${abuse.name}`).sent++;
      session.close();
      await server.phase(abuse.name);
    }
    // A connection flood past maxClients (100): each one greeted 220 or turned away with 421, never left hanging.
    const flood = await Promise.all(Array.from({ length: 120 }, () => rawSmtpSession(p.smtpPort)));
    const greetings = await Promise.all(flood.map((s) => s.replies(1, 10_000)));
    for (const s of flood) s.close();
    const floodCodes = greetings.map((g) => codeOf(g[0]));
    if (!floodCodes.every((c) => c === 220 || c === 421)) abuseProblems.push(`flood greetings ${floodCodes.join(',')}`);
    await sleep(200);
    await server.phase('connection flood');

    await control(p, 'smtp');
    expect(abuseProblems).toEqual([]);
    await expectContract(p, 'SMTP', tally, server, started, {
      abuseSessions: smtpAbuses(random).length + flood.length,
      abuseReplies,
      flood421: floodCodes.filter((c) => c === 421).length,
    });
  });
});
