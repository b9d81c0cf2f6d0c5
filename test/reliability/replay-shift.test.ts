/**
 * The shifted-timestamp replay (issue "Safe on the open internet", finding 13). SendGrid signs `timestamp || body`
 * with no separator, so every other split of those bytes into a timestamp header and a body carries a valid
 * signature too. Moving the timestamp's last digit to the body's front made the ingress read it as multipart
 * preamble, drop the first part (raw mode's `email`), rebuild the message from SendGrid's other fields and store
 * it as a new email. Here a captured genuine raw-mode post is re-sent under every split a header can carry, with
 * and without a freshness window: only the genuine split is accepted, and it is deduplicated.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailroom } from '@mailroom/core';
import { buildInboundPost, TEST_KEY_PAIR } from '@mailroom/core/testing';
import { ensureEffectsTable, storeCounts, total } from './support/effects.js';
import { RELIABILITY_DOMAIN, send, signedHeaders } from './support/posts.js';
import { startWebhookServer, type WebhookServer } from './support/webhooks.js';
import { recordFigures } from './support/summary.js';

const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

describe.each([
  { window: undefined, name: 'no freshness window (the default)' },
  { window: 300, name: 'a 300 s freshness window' },
])('re-framed signed posts over real HTTP, $name', ({ window }) => {
  let web: WebhookServer;
  const processed: string[] = [];
  beforeAll(async () => {
    web = await startWebhookServer(async (store) => {
      await ensureEffectsTable(store.db);
      const security = { publicKeys: [TEST_KEY_PAIR.publicKey], ...(window ? { maxTimestampAgeSeconds: window } : {}) };
      const mailroom = createMailroom({ store, security, worker: { autoStart: false } });
      mailroom.route('any', `*@${RELIABILITY_DOMAIN}`, (ctx) => void processed.push(ctx.id));
      return mailroom;
    });
  });
  afterAll(() => web?.close());

  it('accepts only the genuine split of timestamp || body, and stores and processes it once', async () => {
    const { store, mailroom, url } = web;
    const runId = randomBytes(4).toString('hex');
    const genuine = buildInboundPost({
      mode: 'raw',
      to: `inbox@${RELIABILITY_DOMAIN}`,
      subject: `Original ${runId}`,
      messageId: `<shift-${runId}@${RELIABILITY_DOMAIN}>`,
    });
    const headers = signedHeaders(genuine.body, genuine.contentType);
    const first = await send(url, headers, genuine.body);
    expect(first.status).toBe(200);
    const { id } = JSON.parse(first.body) as { id: string };

    // Every split a header can carry: up to 9 timestamp digits moved into the body, up to "--xYzZY" (the first
    // delimiter without its CRLF) moved into the timestamp.
    const signed = Buffer.concat([Buffer.from(headers[TIMESTAMP]), genuine.body]);
    const stampLength = headers[TIMESTAMP].length;
    const answers: Array<{ shift: number; status: number; error: string }> = [];
    for (let shift = -9; shift <= '--xYzZY'.length; shift++) {
      if (shift === 0) continue;
      const timestamp = signed.toString('latin1', 0, stampLength + shift);
      const body = signed.subarray(stampLength + shift);
      const answer = await send(
        url,
        { 'content-type': genuine.contentType, [SIGNATURE]: headers[SIGNATURE], [TIMESTAMP]: timestamp },
        body,
      );
      answers.push({
        shift,
        status: answer.status,
        error: 'body' in answer ? JSON.parse(answer.body).error : 'no answer',
      });
    }
    // Digits moved out leave a timestamp 10× (or more) older: a window refuses it first, else the body's framing.
    const shortened = window
      ? { status: 401, error: 'timestamp_stale' }
      : { status: 400, error: 'signed_body_framing' };
    for (const answer of answers) {
      const expected = answer.shift < 0 ? shortened : { status: 401, error: 'timestamp_invalid' };
      expect({ status: answer.status, error: answer.error }, `shift ${answer.shift}`).toEqual(expected);
    }
    // The exact issue case, and the same bytes with the boundary of the unsigned Content-Type changed.
    const issueCase = await send(
      url,
      {
        'content-type': genuine.contentType,
        [SIGNATURE]: headers[SIGNATURE],
        [TIMESTAMP]: headers[TIMESTAMP].slice(0, -1),
      },
      Buffer.concat([Buffer.from(headers[TIMESTAMP].slice(-1)), genuine.body]),
    );
    expect(issueCase.status).toBe(shortened.status);
    const reBoundary = await send(
      url,
      { ...headers, 'content-type': 'multipart/form-data; boundary=xYz' },
      genuine.body,
    );
    expect(reBoundary.status).toBe(400);

    // The genuine post again (SendGrid retrying): deduplicated, the same id.
    const retry = await send(url, headers, genuine.body);
    expect(retry.status).toBe(200);
    expect(JSON.parse(retry.body)).toEqual({ id, duplicate: true });

    await mailroom.drain();
    const counts = await storeCounts(store.db);
    expect(total(counts.inbox)).toBe(1);
    expect(processed).toEqual([id]);

    recordFigures({
      scenario: `replay shift (${window ? `${window} s window` : 'no window'}, ${store.dialect})`,
      sent: answers.length + 4,
      ok2xx: 2,
      stored: total(counts.inbox),
      processed: processed.length,
      lost: 0,
      duplicates: 0,
      server5xx: 0,
      refusedSplits: answers.length + 2,
    });
  });
});
