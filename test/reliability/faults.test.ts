import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailroom, type Mailroom } from '@mailroom/core';
import { createTestStore, TEST_KEY_PAIR, type TestStore } from '@mailroom/core/testing';
import { audit, ensureEffectsTable, recordEffect, storeCounts, total } from './support/effects.js';
import { prng, signedPosts } from './support/posts.js';
import { recordFigures, scaled } from './support/summary.js';

const MAX_ATTEMPTS = 3;

describe('handler faults: handlers throwing at random', () => {
  let store: TestStore;
  let mailroom: Mailroom;
  const random = prng(2026);
  const poison = new Set<string>();
  let faultRate = 0.35;
  let thrown = 0;

  beforeAll(async () => {
    store = await createTestStore();
    await ensureEffectsTable(store.db);
    mailroom = createMailroom({
      store,
      security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
      worker: { maxAttempts: MAX_ATTEMPTS, pollMs: 50, concurrency: 4, backoff: { baseMs: 20, maxMs: 100 } },
    });
    mailroom.route('faulty', '*@reliability.example.com', async (ctx) => {
      // The effect is written first: a throw must roll it back with the rest of the attempt.
      await recordEffect(ctx.tx, ctx.record.id, ctx.email.messageId);
      if (poison.has(ctx.email.messageId ?? '')) throw new Error('poison: this email always fails');
      if (random.chance(faultRate)) {
        thrown++;
        throw new Error('a transient handler fault');
      }
    });
  });
  afterAll(async () => {
    await mailroom?.stop();
    await store?.close();
  });

  async function settle(expected: number) {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const counts = await storeCounts(store.db);
      const open = (counts.statuses.pending ?? 0) + (counts.statuses.processing ?? 0);
      if ((open === 0 && total(counts.statuses) === expected) || Date.now() > deadline) return counts;
      await mailroom.drain();
      await sleep(100);
    }
  }

  it('retries, marks failed after the limit, and a replay succeeds — each email processed exactly once', async () => {
    const count = scaled(300, 40);
    const post = signedPosts(randomBytes(4).toString('hex'));
    const posts = Array.from({ length: count }, (_, i) => post(i + 1));
    for (const p of posts) if (random.chance(0.1)) poison.add(p.messageId);
    poison.add(posts[0]!.messageId);

    let ok2xx = 0;
    for (const p of posts) {
      const response = await mailroom.fetch(
        new Request('http://localhost/parse', { method: 'POST', headers: p.headers, body: new Uint8Array(p.body) }),
      );
      if (response.status === 200) ok2xx++;
    }
    expect(ok2xx).toBe(count);

    const afterFaults = await settle(count);
    const ids = posts.map((p) => p.messageId);
    // Poison always fails; a healthy email fails too when the random fault hits every one of its attempts.
    expect((afterFaults.statuses.delivered ?? 0) + (afterFaults.statuses.failed ?? 0)).toBe(count);
    const failedIds = ids.filter((id) => !afterFaults.effects[id]);
    expect(failedIds.length).toBe(afterFaults.statuses.failed);
    for (const id of poison) expect(failedIds).toContain(id);
    for (const id of failedIds) expect(afterFaults.attempts[id], id).toBe(MAX_ATTEMPTS); // every failed attempt rolled back
    const delivered = ids.filter((id) => afterFaults.effects[id]);
    const retried = delivered.filter((id) => afterFaults.attempts[id]! > 1).length;
    expect(retried).toBeGreaterThan(0);
    expect(audit(afterFaults, delivered)).toEqual({ lost: 0, duplicates: 0, unprocessed: 0, processedTwice: 0 });

    // The bug is fixed: replaying the failed emails delivers them, once each.
    poison.clear();
    faultRate = 0;
    expect(await mailroom.replay({ status: 'failed' })).toBe(afterFaults.statuses.failed);
    const afterReplay = await settle(count);
    expect(afterReplay.statuses).toEqual({ delivered: count });
    const finalAudit = audit(afterReplay, ids);
    expect(finalAudit).toEqual({ lost: 0, duplicates: 0, unprocessed: 0, processedTwice: 0 });

    recordFigures({
      scenario: `handler faults (${store.databaseUrl ? 'PostgreSQL' : 'PGlite'})`,
      sent: count,
      ok2xx,
      stored: total(afterReplay.inbox),
      processed: total(afterReplay.effects),
      lost: finalAudit.lost,
      duplicates: finalAudit.duplicates + finalAudit.processedTwice,
      server5xx: 0,
      thrown,
      retried,
      failedThenReplayed: afterFaults.statuses.failed!,
    });
  });
});
