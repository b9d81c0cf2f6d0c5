import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailroom } from '@mailroom/core';
import { generateTestKeyPair, signBody, TEST_KEY_PAIR } from '@mailroom/core/testing';
import { ensureEffectsTable, storeCounts, total } from './support/effects.js';
import { send, signedHeaders, signedPosts } from './support/posts.js';
import { startWebhookServer, type WebhookServer } from './support/webhooks.js';
import { recordFigures } from './support/summary.js';

const WINDOW_SECONDS = 300;
const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

describe('signatures over real HTTP: forged, replayed or unsigned posts are rejected and nothing is stored', () => {
  let web: WebhookServer;
  beforeAll(async () => {
    web = await startWebhookServer(async (store) => {
      await ensureEffectsTable(store.db);
      const mailroom = createMailroom({
        store,
        security: { publicKeys: [TEST_KEY_PAIR.publicKey], maxTimestampAgeSeconds: WINDOW_SECONDS },
      });
      mailroom.route('any', '*@reliability.example.com', () => undefined);
      return mailroom;
    });
  });
  afterAll(() => web?.close());

  it('answers 401/403 with a reason for every forgery and stores only the genuine control posts', async () => {
    const { store, url } = web;
    const post = signedPosts(randomBytes(4).toString('hex'));
    const now = Math.floor(Date.now() / 1000);
    const otherKey = generateTestKeyPair();
    let n = 0;
    const fresh = () => post(++n);
    const cases: Array<{
      name: string;
      expect: number[];
      build: () => { headers: Record<string, string>; body: Buffer };
    }> = [
      {
        name: 'replayed: valid signature, timestamp beyond the window',
        expect: [401],
        build: () => {
          const p = fresh();
          return {
            body: p.body,
            headers: signedHeaders(p.body, p.headers['content-type']!, TEST_KEY_PAIR, now - WINDOW_SECONDS - 3600),
          };
        },
      },
      {
        name: 'timestamp from the future beyond the window',
        expect: [401],
        build: () => {
          const p = fresh();
          return {
            body: p.body,
            headers: signedHeaders(p.body, p.headers['content-type']!, TEST_KEY_PAIR, now + WINDOW_SECONDS + 3600),
          };
        },
      },
      {
        name: 'tampered body (one byte changed after signing)',
        expect: [403],
        build: () => {
          const p = fresh();
          const body = Buffer.from(p.body);
          body[Math.floor(body.length / 2)] ^= 0x01;
          return { body, headers: p.headers };
        },
      },
      {
        name: 'tampered body (bytes appended)',
        expect: [403],
        build: () => {
          const p = fresh();
          return { body: Buffer.concat([p.body, Buffer.from('\r\n')]), headers: p.headers };
        },
      },
      {
        name: 'timestamp header changed after signing',
        expect: [403],
        build: () => {
          const p = fresh();
          return { body: p.body, headers: { ...p.headers, [TIMESTAMP]: String(now - 1) } };
        },
      },
      {
        name: 'signed with another key',
        expect: [403],
        build: () => {
          const p = fresh();
          return { body: p.body, headers: signedHeaders(p.body, p.headers['content-type']!, otherKey) };
        },
      },
      {
        name: 'signature is not base64',
        expect: [403],
        build: () => {
          const p = fresh();
          return { body: p.body, headers: { ...p.headers, [SIGNATURE]: '!!not-a-signature!!' } };
        },
      },
      {
        name: 'signature of another post',
        expect: [403],
        build: () => {
          const p = fresh();
          const other = fresh();
          return {
            body: p.body,
            headers: {
              ...p.headers,
              [SIGNATURE]: signBody(TEST_KEY_PAIR.privateKey, p.headers[TIMESTAMP]!, other.body),
            },
          };
        },
      },
      {
        name: 'missing signature header',
        expect: [401],
        build: () => {
          const p = fresh();
          const { [SIGNATURE]: _dropped, ...headers } = p.headers;
          return { body: p.body, headers };
        },
      },
      {
        name: 'missing timestamp header',
        expect: [401],
        build: () => {
          const p = fresh();
          const { [TIMESTAMP]: _dropped, ...headers } = p.headers;
          return { body: p.body, headers };
        },
      },
      {
        name: 'no signature headers at all',
        expect: [401],
        build: () => {
          const p = fresh();
          return { body: p.body, headers: { 'content-type': p.headers['content-type']! } };
        },
      },
      {
        name: 'timestamp not a number',
        expect: [401],
        build: () => {
          const p = fresh();
          return { body: p.body, headers: { ...p.headers, [TIMESTAMP]: 'yesterday' } };
        },
      },
    ];

    let sent = 0;
    let rejected = 0;
    for (const c of cases) {
      for (let i = 0; i < 5; i++) {
        const { headers, body } = c.build();
        const answer = await send(url, headers, body);
        sent++;
        expect(answer.status, c.name).toSatisfy((status: number) => c.expect.includes(status));
        if ('body' in answer) expect(JSON.parse(answer.body).reason, c.name).toEqual(expect.any(String));
        rejected++;
      }
    }
    // Genuine posts interleaved at the end prove the server does store what is correctly signed.
    const controls = [fresh(), fresh()];
    for (const control of controls) expect((await send(url, control.headers, control.body)).status).toBe(200);
    const counts = await storeCounts(store.db);
    expect(Object.keys(counts.inbox).sort()).toEqual(controls.map((c) => c.messageId).sort());

    recordFigures({
      scenario: 'signatures (forged/replayed/unsigned)',
      sent: sent + controls.length,
      ok2xx: controls.length,
      stored: total(counts.inbox),
      processed: 0,
      lost: 0,
      duplicates: 0,
      server5xx: 0,
      rejected401or403: rejected,
      storedForgeries: total(counts.inbox) - controls.length,
    });
  });
});
