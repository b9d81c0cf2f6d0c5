/**
 * Crash over every ingress besides SendGrid's: Postmark, Mailgun, the relay, Amazon SES through SNS and the SMTP
 * receiver, each SIGKILLed under load (a child server, support/providers-child.ts) and restarted while senders keep
 * posting; the sender retries anything not acknowledged (no answer, a 5xx; SMTP: no reply or a 4xx), with the very
 * same request, as the provider's own retry would (Mailgun the same signed fields, SNS the same signed message).
 *
 * What it proves: no acknowledged message lost (200 / 250), none stored twice (0 duplicate rows: the resends of
 * what a killed server had committed are answered `duplicate`), none processed twice (the handler's effect, written
 * in its processing transaction, is committed once per message), every message delivered after the restarts. A
 * kill really lands mid-load: some sends go unanswered and are sent again. Figures: the summary table.
 *
 * Store: PostgreSQL when DATABASE_URL is set (a fresh database), else PGlite in a data directory (it must survive
 * SIGKILL).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { audit, total } from './support/effects.js';
import { prng } from './support/posts.js';
import {
  PG_URL,
  STORE,
  childStore,
  counts,
  post,
  startProviders,
  type Providers,
} from './support/providers-harness.js';
import { DOMAIN, genuineMessage, smtpSend, wrapFor, type HttpProvider } from './support/providers.js';
import { recordFigures, scaled } from './support/summary.js';

/** Kills for Postmark, relay and SES (see below). */
const ADDED_KILLS = PG_URL ? 5 : 2;

const NAMES: Record<HttpProvider | 'smtp', string> = {
  postmark: 'Postmark',
  mailgun: 'Mailgun',
  relay: 'relay',
  ses: 'SES',
  smtp: 'SMTP receiver',
};

describe('crash: every ingress SIGKILLed under load and restarted', () => {
  let current: Providers | undefined;
  afterEach(async () => {
    await current?.child.kill();
    current = undefined;
  });

  /**
   * Sends `posts` distinct messages while the server is SIGKILLed `kills` times and restarted; anything without
   * an acknowledgement (no answer, 5xx, SMTP 4xx) is sent again, exactly as the provider's retry would (each HTTP
   * request is built once and resent byte for byte). Then every message is stored once and processed once.
   */
  async function crashScenario(via: HttpProvider | 'smtp', posts: number, kills: number, seed: number) {
    const started = performance.now();
    const store = await childStore(true);
    const env = { ...store.env, LEASE_MS: '1500', HANDLER_DELAY_MS: '30', MAX_ATTEMPTS: '100' };
    try {
      const random = prng(seed);
      const runId = randomBytes(4).toString('hex');
      const ids = Array.from({ length: posts }, (_, i) => `crash-${via}-${runId}-${i}@${DOMAIN}`);
      const messages = ids.map((id) => genuineMessage(id, `crash ${via}`));
      const requests = messages.map((m) => (via === 'smtp' ? null : wrapFor(via, m)));
      current = await startProviders(env);
      const queue = [...ids.keys()];
      const acked = new Set<number>();
      const tally = { attempts: 0, ok: 0, duplicateAnswers: 0, noAnswer: 0, retryable: 0, other: 0 };
      const failures: string[] = [];

      const sender = async () => {
        while (acked.size < posts) {
          const index = queue.shift();
          if (index === undefined) {
            await sleep(20);
            continue;
          }
          const server = current!;
          tally.attempts++;
          let ok = false;
          let retry = false;
          if (via !== 'smtp') {
            const answer = await post(server, via, requests[index]!, 20_000);
            ok = answer.status === 200;
            if (ok && JSON.parse((answer as { body: string }).body).duplicate) tally.duplicateAnswers++;
            if (answer.status === 0) tally.noAnswer++;
            retry = answer.status === 0 || answer.status >= 500;
            if (!ok && !retry) failures.push(`${index}: ${answer.status} ${'body' in answer ? answer.body : ''}`);
          } else {
            const outcome = await smtpSend(server.smtpPort, messages[index]!, undefined, 20_000);
            ok = outcome.code === 250;
            if (ok && /already stored/.test(outcome.text)) tally.duplicateAnswers++;
            if (outcome.code === 0) tally.noAnswer++;
            retry = outcome.code === 0 || (outcome.code >= 400 && outcome.code < 500);
            if (!ok && !retry) failures.push(`${index}: ${outcome.code} ${outcome.text}`);
          }
          if (ok) {
            tally.ok++;
            acked.add(index);
            continue;
          }
          if (!retry) {
            tally.other++;
            acked.add(index); // refused for good: counted as a failure below, not retried forever
            continue;
          }
          tally.retryable++;
          queue.push(index);
          await sleep(250);
        }
      };
      const restartMs: number[] = [];
      const killer = async () => {
        // The first kill by progress (a tenth acknowledged: it lands mid-load however fast the store), then by time.
        while (acked.size < posts / 10) await sleep(5);
        for (let kill = 0; kill < kills; kill++) {
          await sleep((kill === 0 ? 0 : 300) + random.int(900));
          const killed = performance.now();
          await current!.child.kill('SIGKILL');
          current = await startProviders(env);
          restartMs.push(performance.now() - killed);
        }
      };
      await Promise.all([killer(), ...Array.from({ length: 6 }, sender)]);

      // Emails leased by a killed server are taken over once their lease expires; wait until all are processed.
      let final = await counts(current!);
      const deadline = Date.now() + 90_000;
      while ((final.statuses.delivered ?? 0) < posts && Date.now() < deadline) {
        await sleep(500);
        final = await counts(current!);
      }
      const result = audit(final, ids);
      recordFigures({
        scenario: `crash (${NAMES[via]}, ${STORE}, ${kills} SIGKILLs)`,
        sent: tally.attempts,
        ok2xx: tally.ok,
        stored: total(final.inbox),
        processed: total(final.effects),
        lost: result.lost,
        duplicates: result.duplicates + result.processedTwice,
        server5xx: 0,
        posts,
        noAnswer: tally.noAnswer,
        retried: tally.retryable,
        duplicateAnswers: tally.duplicateAnswers,
        restartMaxMs: Math.round(Math.max(0, ...restartMs)),
        downSeconds: Math.round(restartMs.reduce((a, b) => a + b, 0) / 1000),
        seconds: Math.round((performance.now() - started) / 1000),
      });
      expect(failures).toEqual([]);
      expect(acked.size).toBe(posts);
      expect({ ...result, statuses: final.statuses }).toEqual({
        lost: 0,
        duplicates: 0,
        unprocessed: 0,
        processedTwice: 0,
        statuses: { delivered: posts },
      });
      expect(total(final.inbox)).toBe(posts);
      // A kill really landed mid-load: some sends went unanswered and were sent again.
      expect(tally.noAnswer).toBeGreaterThan(0);
    } finally {
      await current?.child.kill();
      current = undefined;
      await store.drop();
    }
  }

  // A restart of the child takes ~3.5 s over PostgreSQL and ~11 s over PGlite (reopening its data directory after
  // SIGKILL) on this shared machine, most of a run's time: the providers added later get five kills over
  // PostgreSQL, two over PGlite (each run ~40 s at most); Mailgun and SMTP keep their six.
  it(`Postmark (${STORE}): no acknowledged post lost, none stored or processed twice`, async () => {
    await crashScenario('postmark', scaled(150, 40), ADDED_KILLS, 11);
  });
  it(`Mailgun (${STORE}): no acknowledged post lost, none stored or processed twice`, async () => {
    await crashScenario('mailgun', scaled(250, 40), 6, 31);
  });
  it(`relay (${STORE}): no acknowledged post lost, none stored or processed twice`, async () => {
    await crashScenario('relay', scaled(150, 40), ADDED_KILLS, 21);
  });
  it(`SES through SNS (${STORE}): no acknowledged notification lost, none stored or processed twice`, async () => {
    await crashScenario('ses', scaled(150, 40), ADDED_KILLS, 51);
  });
  it(`SMTP receiver (${STORE}): no message answered 250 lost, none stored or processed twice`, async () => {
    await crashScenario('smtp', scaled(200, 40), 6, 41);
  });
});
