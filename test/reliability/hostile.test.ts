import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailroom } from '@mailroom/core';
import { TEST_KEY_PAIR } from '@mailroom/core/testing';
import { hostilePost } from './support/hostile.js';
import { pool, prng, send, signedHeaders } from './support/posts.js';
import { startWebhookServer, type WebhookServer } from './support/webhooks.js';
import { recordFigures, scaled } from './support/summary.js';

const LIMITS = {
  maxBodyBytes: 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxMimeDepth: 30,
  maxAttachments: 20,
  maxFields: 50,
};
/** Generous: posts are at most ~1.1 MiB and 8 are in flight; a leak over 10,000 posts would blow well past it. */
const RSS_BOUND_BYTES = 400 * 1024 * 1024;
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261126);

describe('hostile input over real HTTP', () => {
  let web: WebhookServer;
  beforeAll(async () => {
    web = await startWebhookServer((store) => {
      const mailroom = createMailroom({
        store,
        security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
        limits: LIMITS,
        worker: { autoStart: false },
      });
      mailroom.fallback((ctx) => ctx.ignore('hostile input bench'));
      return mailroom;
    });
  });
  afterAll(() => web?.close());

  it(`answers each of ≥10,000 adversarial posts with a 4xx and a reason or stores a valid email (seed ${SEED})`, async () => {
    const { store, url } = web;
    const count = scaled(10_000, 10_000); // the minimum holds at every scale
    const random = prng(SEED);
    const byKind = new Map<string, { sent: number; stored: number; rejected: number }>();
    const failures: string[] = [];
    const storedIds: string[] = [];
    let server5xx = 0;
    const failedKinds = new Set<string>();
    let rejected = 0;
    const rssStart = process.memoryUsage().rss;
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);

    // Generated lazily (so memory holds only what is in flight), each signed so the parser really sees it.
    const indices = Array.from({ length: count }, (_, i) => i);
    try {
      await pool(indices, 8, async (index) => {
        const hostile = hostilePost(random, LIMITS);
        const stats = byKind.get(hostile.kind) ?? { sent: 0, stored: 0, rejected: 0 };
        byKind.set(hostile.kind, stats);
        stats.sent++;
        const headers = signedHeaders(hostile.body, hostile.contentType);
        if (!hostile.contentType) delete (headers as Record<string, string>)['content-type'];
        const answer = await send(url, headers, hostile.body, 30_000);
        if (answer.status === 0 || answer.status >= 500) {
          server5xx++;
          failedKinds.add(hostile.kind);
          failures.push(`#${index} ${hostile.kind}: ${answer.status} ${'body' in answer ? answer.body : answer.error}`);
          return;
        }
        if (!('body' in answer)) return;
        const json = JSON.parse(answer.body) as { id?: string; error?: string; reason?: string };
        if (answer.status === 200 && json.id) {
          stats.stored++;
          storedIds.push(json.id);
        } else if (answer.status >= 400 && answer.status < 500 && json.error && json.reason?.trim()) {
          stats.rejected++;
          rejected++;
        } else {
          failures.push(`#${index} ${hostile.kind}: unexpected ${answer.status} ${answer.body.slice(0, 200)}`);
        }
      });
    } finally {
      clearInterval(sampler);
    }

    // Every stored post must load again as a valid email with storage-safe attachment names.
    let invalidStored = 0;
    for (const id of storedIds) {
      try {
        const email = await store.inbox.loadEmail(id);
        const json = email.toJSON();
        if (typeof json.subject !== 'string' || !Array.isArray(json.to) || !Array.isArray(json.headers))
          throw new Error('incomplete JSON form');
        for (const attachment of email.attachments) {
          if (
            /[\\/\u0000-\u001f\u007f]/.test(attachment.storageName) ||
            attachment.storageName === '..' ||
            attachment.storageName.length > 255
          ) {
            throw new Error(`unsafe storage name ${JSON.stringify(attachment.storageName)}`);
          }
        }
      } catch (error) {
        invalidStored++;
        failures.push(`stored ${id}: ${(error as Error).message}`);
      }
    }
    // Still alive and still correct: a genuine post after the storm is stored.
    const { inboundRequest } = await import('@mailroom/core/testing');
    const control = inboundRequest({ to: 'inbox@reliability.example.com' }, { sign: TEST_KEY_PAIR, url });
    expect((await fetch(control)).status).toBe(200);

    console.table([...byKind].map(([kind, s]) => ({ kind, ...s })).sort((a, b) => a.kind.localeCompare(b.kind)));
    recordFigures({
      scenario: `hostile input (seed ${SEED})`,
      sent: count,
      ok2xx: storedIds.length,
      stored: storedIds.length,
      processed: 0,
      lost: 0,
      duplicates: 0,
      server5xx,
      rejected4xx: rejected,
      invalidStored,
      kinds: byKind.size,
      // On PGlite the in-memory database holds every stored post, so this includes the data, not only the server.
      rssGrowthMB: Math.round((rssPeak - rssStart) / 1e6),
      kindsWith5xx: [...failedKinds].join(', ') || '—',
    });
    expect(failures.slice(0, 20)).toEqual([]);
    expect(server5xx).toBe(0);
    expect(storedIds.length + rejected).toBe(count);
    expect(byKind.size).toBeGreaterThanOrEqual(20);
    expect(rssPeak - rssStart).toBeLessThan(RSS_BOUND_BYTES);
  });
});
