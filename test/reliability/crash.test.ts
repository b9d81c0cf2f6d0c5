import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_KEY_PAIR } from '@mailroom/core/testing';
import { startServerChild, type ServerChild } from './support/child.js';
import { audit, total, type StoreCounts } from './support/effects.js';
import { postgresUrl } from './support/database.js';
import { prng, send, signedPosts } from './support/posts.js';
import { recordFigures, scaled } from './support/summary.js';

const PG = await postgresUrl();
let current: ServerChild | undefined;

afterEach(async () => {
  await current?.kill();
  current = undefined;
});

async function counts(server: ServerChild): Promise<StoreCounts> {
  const response = await fetch(`${server.url}/counts`);
  return (await response.json()) as StoreCounts;
}

/**
 * Posts N signed emails while the server is SIGKILLed `kills` times at random moments and restarted.
 * Every post without a 2xx (no answer, 5xx) is sent again, as SendGrid retries. Afterwards every post
 * must be stored once and processed once (one handler effect row).
 */
async function crashScenario(
  name: string,
  env: Record<string, string>,
  options: { posts: number; kills: number; seed: number; signal?: 'SIGKILL' | 'SIGTERM' },
) {
  const signal = options.signal ?? 'SIGKILL';
  const random = prng(options.seed);
  const runId = randomBytes(4).toString('hex');
  const post = signedPosts(runId);
  const childEnv = { ...env, PUBLIC_KEY: TEST_KEY_PAIR.publicKey, LEASE_MS: '1500', HANDLER_DELAY_MS: '30' };
  current = await startServerChild(childEnv);

  const queue = Array.from({ length: options.posts }, (_, i) => i + 1);
  const acked = new Set<number>();
  const tally = { attempts: 0, ok2xx: 0, duplicateAnswers: 0, noAnswer: 0, server5xx: 0, other: 0 };

  const sender = async () => {
    while (acked.size < options.posts) {
      const index = queue.shift();
      if (index === undefined) {
        await sleep(20);
        continue;
      }
      const server = current!;
      const { body, headers } = post(index);
      tally.attempts++;
      const answer = await send(`${server.url}/webhooks/sendgrid/parse`, headers, body);
      if (answer.status >= 200 && answer.status < 300) {
        tally.ok2xx++;
        if (answer.status === 200 && JSON.parse(answer.body).duplicate) tally.duplicateAnswers++;
        acked.add(index);
        continue;
      }
      if (answer.status === 0) tally.noAnswer++;
      else if (answer.status >= 500) tally.server5xx++;
      else {
        tally.other++;
        throw new Error(`post ${index} answered ${answer.status}: ${'body' in answer ? answer.body : ''}`);
      }
      queue.push(index); // SendGrid retries anything without a 2xx
      await sleep(answer.status === 0 ? 250 : 50);
    }
  };

  const killer = async () => {
    for (let kill = 0; kill < options.kills; kill++) {
      await sleep(300 + random.int(1200));
      await current!.kill(signal);
      current = await startServerChild(childEnv);
    }
  };

  await Promise.all([killer(), ...Array.from({ length: 8 }, sender)]);

  // Emails leased by a killed server are taken over once their lease expires; wait until all are processed.
  let final: StoreCounts = await counts(current);
  const deadline = Date.now() + 90_000;
  while ((final.statuses.delivered ?? 0) < options.posts && Date.now() < deadline) {
    await sleep(500);
    final = await counts(current);
  }

  const ids = Array.from({ length: options.posts }, (_, i) => post(i + 1).messageId);
  const { lost, duplicates, unprocessed, processedTwice } = audit(final, ids);
  const stored = total(final.inbox);
  recordFigures({
    scenario: `${signal === 'SIGKILL' ? 'crash' : 'stop'} (${name}, ${options.kills} ${signal}s)`,
    sent: tally.attempts,
    ok2xx: tally.ok2xx,
    stored,
    processed: total(final.effects),
    lost,
    duplicates: duplicates + processedTwice,
    server5xx: tally.server5xx,
    posts: options.posts,
    noAnswer: tally.noAnswer,
    duplicateAnswers: tally.duplicateAnswers,
  });

  expect(acked.size).toBe(options.posts);
  expect(tally.other).toBe(0);
  expect({ lost, duplicates, unprocessed, processedTwice, statuses: final.statuses }).toEqual({
    lost: 0,
    duplicates: 0,
    unprocessed: 0,
    processedTwice: 0,
    statuses: { delivered: options.posts },
  });
  expect(stored).toBe(options.posts);
  expect(final.statuses).toEqual({ delivered: options.posts });
  // A SIGKILL really crashed mid-load: some posts went unanswered and were sent again. (A SIGTERM may answer
  // every post it accepted; the ones sent while no server listened are unanswered either way.)
  expect(tally.noAnswer + tally.server5xx).toBeGreaterThan(0);
}

/** The scenario on PostgreSQL (when it runs here) and on a PGlite data directory. */
function onBothStores(
  signal: 'SIGKILL' | 'SIGTERM',
  sizes: { pg: [number, number]; pglite: [number, number] },
  seed: number,
) {
  const claim =
    signal === 'SIGKILL'
      ? 'every post stored once and processed once'
      : 'every post answered 2xx is stored and processed, none lost';
  it.skipIf(!PG)(`PostgreSQL: ${claim}`, async () => {
    const database = await createTestDatabase(PG!);
    try {
      await crashScenario(
        'PostgreSQL',
        { DATABASE_URL: database.url },
        { posts: sizes.pg[0], kills: sizes.pg[1], seed, signal },
      );
    } finally {
      await current?.kill();
      await database.drop();
    }
  });
  it(`PGlite data directory: ${claim}`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), `mailroom-reliability-${signal.toLowerCase()}-`));
    try {
      await crashScenario(
        'PGlite data dir',
        { DATABASE_URL: '', DATA_DIR: dataDir },
        { posts: sizes.pglite[0], kills: sizes.pglite[1], seed: seed + 1, signal },
      );
    } finally {
      await current?.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

describe('crash: the server SIGKILLed at random moments under load and restarted', () => {
  onBothStores('SIGKILL', { pg: [scaled(600, 60), Math.max(10, scaled(12))], pglite: [scaled(200, 30), 10] }, 11);
});

describe('stop: the server SIGTERMed under load (an orderly stop, as a deploy does) and restarted', () => {
  onBothStores('SIGTERM', { pg: [scaled(400, 40), 6], pglite: [scaled(150, 30), 5] }, 21);
});
