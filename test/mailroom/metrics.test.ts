import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailroomMetrics } from '@mailroom/core/http';
import { createTestStore, inboundRequest, type TestStore } from '@mailroom/core/testing';
import { signedPost, testMailroom } from './support.js';

/** `name{labels} value` of the exposition, as a number (absent: 0). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('mailroomMetrics: a Prometheus endpoint scraped over HTTP', () => {
  let store: TestStore;
  let server: ServerType;
  let base: string;
  let mailroom: ReturnType<typeof testMailroom>;
  beforeAll(async () => {
    store = await createTestStore();
    mailroom = testMailroom(store);
    mailroom.route('tickets', 'support@example.com', () => {});
    mailroom.route('spam', 'spam@example.com', (ctx) => ctx.ignore('not for us'));
    const metrics = mailroomMetrics(mailroom);
    const app = new Hono();
    app.use('/webhooks/sendgrid/*', metrics.observePosts);
    app.route('/webhooks/sendgrid', mailroom.app());
    app.get('/metrics', metrics.handler);
    server = await new Promise((listening) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => listening(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    await store?.close();
  });

  const scrape = async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };
  const post = async (request: Request) => {
    const body = await request.arrayBuffer();
    return fetch(`${base}/webhooks/sendgrid/parse`, { method: 'POST', headers: request.headers, body });
  };

  it('counts posts by answer, the queue while pending, and outcomes with durations once processed', async () => {
    const before = await scrape();
    expect(sample(before, 'mailroom_inbound_queue_depth{status="pending"}')).toBe(0);

    const first = signedPost({ to: 'support@example.com' });
    const again = first.clone();
    expect((await post(first)).status).toBe(200);
    expect((await post(again)).status).toBe(200); // SendGrid's retry: a duplicate
    expect((await post(signedPost({ to: 'spam@example.com' }))).status).toBe(200);
    expect((await post(inboundRequest({ to: 'support@example.com' }))).status).toBe(401); // unsigned

    const queued = await scrape();
    expect(sample(queued, 'mailroom_webhook_posts_total{status="200",reason="stored"}')).toBe(3);
    expect(sample(queued, 'mailroom_webhook_posts_total{status="401",reason="signature_missing"}')).toBe(1);
    expect(sample(queued, 'mailroom_inbound_events_total{event="received"}')).toBe(2);
    expect(sample(queued, 'mailroom_inbound_events_total{event="duplicate"}')).toBe(1);
    expect(sample(queued, 'mailroom_inbound_queue_depth{status="pending"}')).toBe(2);
    expect(sample(queued, 'mailroom_inbound_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0);

    await mailroom.drain();
    const done = await scrape();
    expect(sample(done, 'mailroom_inbound_queue_depth{status="pending"}')).toBe(0);
    expect(sample(done, 'mailroom_processing_outcomes_total{outcome="delivered",route="tickets"}')).toBe(1);
    expect(sample(done, 'mailroom_processing_outcomes_total{outcome="ignored",route="spam"}')).toBe(1);
    expect(sample(done, 'mailroom_handler_duration_seconds_count{outcome="delivered"}')).toBe(1);
    expect(sample(done, 'mailroom_outbox_backlog{status="queued"}')).toBe(0);
  });
});
