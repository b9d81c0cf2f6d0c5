import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestStore, type TestStore } from '../testing/store.js';
import { generateTestKeyPair, signBody } from '../testing/keys.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../ingress/verify/signature.js';
import { outboundMigrationSet } from '../outbound/migrations.js';
import { eventsMigrationSet } from './migrations.js';
import { eventsHandler, EventsConfigurationError } from './handler.js';
import { events } from './schema.js';
import { SINGLE_EVENT, TWO_EVENTS } from './vectors.test-data.js';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
  await store.migrate(outboundMigrationSet);
  await store.migrate(eventsMigrationSet);
});
afterAll(() => store.close());

const keys = generateTestKeyPair();

function post(body: string | Uint8Array, headers: Record<string, string>): Request {
  return new Request('http://localhost/sendgrid/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=utf-8', ...headers },
    body: new Uint8Array(typeof body === 'string' ? Buffer.from(body, 'utf8') : body),
  });
}

function signed(body: string, timestamp = String(Math.floor(Date.now() / 1000))): Request {
  const bytes = Buffer.from(body, 'utf8');
  return post(bytes, {
    [SIGNATURE_HEADER]: signBody(keys.privateKey, timestamp, bytes),
    [TIMESTAMP_HEADER]: timestamp,
  });
}

async function count(): Promise<number> {
  const [row] = await store.db.select({ n: sql<number>`count(*)::int` }).from(events);
  return row!.n;
}

describe('eventsHandler', () => {
  it("accepts SendGrid's two published signature vectors and stores their events", async () => {
    const handle = eventsHandler({ store, publicKeys: [SINGLE_EVENT.publicKey, TWO_EVENTS.publicKey] });
    for (const vector of [SINGLE_EVENT, TWO_EVENTS]) {
      const response = await handle(
        post(vector.body, { [SIGNATURE_HEADER]: vector.signature, [TIMESTAMP_HEADER]: vector.timestamp }),
      );
      expect(response.status).toBe(200);
    }
    const rows = await store.db.select({ event: events.event, id: events.sgEventId }).from(events);
    expect(rows.map((r) => r.event).sort()).toEqual(['bounce', 'dropped', 'processed']);
  });

  it('rejects tampered, re-serialised, reordered and truncated payloads with 403', async () => {
    const handle = eventsHandler({ store, publicKeys: [SINGLE_EVENT.publicKey, TWO_EVENTS.publicKey] });
    const before = await count();
    const cases = [
      { ...SINGLE_EVENT, body: SINGLE_EVENT.body.replace('hello@world.com', 'hello@world.org') },
      { ...SINGLE_EVENT, body: SINGLE_EVENT.body.slice(0, -2) }, // trailing CRLF dropped
      { ...TWO_EVENTS, body: `${JSON.stringify(JSON.parse(TWO_EVENTS.body))}\r\n` }, // compact re-serialisation
      { ...TWO_EVENTS, body: TWO_EVENTS.reordered },
      { ...SINGLE_EVENT, timestamp: '1600112503' },
      { ...TWO_EVENTS, signature: SINGLE_EVENT.signature },
      { ...SINGLE_EVENT, signature: 'not base64 at all!' },
    ];
    for (const c of cases) {
      const response = await handle(post(c.body, { [SIGNATURE_HEADER]: c.signature, [TIMESTAMP_HEADER]: c.timestamp }));
      expect(response.status).toBe(403);
    }
    expect(await count()).toBe(before);
  });

  it('answers 401 without signature headers, 400 with a reason for malformed JSON, 405 for GET', async () => {
    const handle = eventsHandler({ store, publicKeys: [keys.publicKey] });
    expect((await handle(post('[]', {}))).status).toBe(401);
    const bad = await handle(signed('[{"event":"open",'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not valid JSON/);
    const notArray = await handle(signed('{"event":"open"}'));
    expect(notArray.status).toBe(400);
    expect(((await notArray.json()) as { error: string }).error).toMatch(/JSON array/);
    expect((await handle(new Request('http://localhost/x'))).status).toBe(405);
    expect(() => eventsHandler({ store })).toThrow(EventsConfigurationError);
    expect(() => eventsHandler({ store, publicKeys: ['bm90IGEga2V5'] })).toThrow(/public key/);
  });

  it('reads a streamed body chunk by chunk: verifies it across chunks, 413 past maxBodyBytes (the rest unread), 400 when it breaks', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const bytes = Buffer.from('[{"event":"open","sg_event_id":"streamed-1","email":"a@x.com"}]\r\n');
    const signature = signBody(keys.privateKey, timestamp, bytes);
    let pulled = 0;
    const streamed = (from: Buffer, failAt = Infinity) =>
      new Request('http://localhost/sendgrid/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp },
        duplex: 'half',
        body: new ReadableStream<Uint8Array>({
          pull(controller) {
            const at = pulled++ * 7;
            if (at >= failAt) return controller.error(new Error('connection reset'));
            if (at >= from.length) return controller.close();
            controller.enqueue(new Uint8Array(from.subarray(at, at + 7)));
          },
        }),
      } as RequestInit);
    const handle = eventsHandler({ store, publicKeys: [keys.publicKey], maxBodyBytes: 100 });
    expect((await handle(streamed(bytes))).status).toBe(200);
    pulled = 0;
    const large = Buffer.concat([bytes, Buffer.alloc(10_000, 0x20)]);
    expect((await handle(streamed(large))).status).toBe(413);
    expect(pulled).toBeLessThan(30); // stopped a little past 100 bytes, not read to the end (1,400+ chunks)
    pulled = 0;
    const broken = await handle(streamed(bytes, 21));
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: string }).error).toMatch(/connection reset/);
  });

  it('stores each sg_event_id once however often SendGrid repeats it', async () => {
    const handle = eventsHandler({ store, publicKeys: [keys.publicKey] });
    const body = `[${[1, 2, 2].map((n) => JSON.stringify({ email: 'a@x.com', event: 'delivered', sg_event_id: `dup-${n}`, timestamp: 1700000000 })).join(',\r\n')}]\r\n`;
    const first = await handle(signed(body));
    expect(await first.json()).toEqual({ received: 3, stored: 2, duplicates: 1 });
    const again = await handle(signed(body));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: 3, stored: 0, duplicates: 3 });
    const rows = await store.db
      .select()
      .from(events)
      .where(sql`${events.sgEventId} like 'dup-%'`);
    expect(rows).toHaveLength(2);
  });

  it('accepts unsigned posts only in explicit insecure mode', async () => {
    const handle = eventsHandler({ store, insecure: true });
    const response = await handle(post('[{"event":"open","sg_event_id":"insecure-1","email":"a@x.com"}]', {}));
    expect(response.status).toBe(200);
  });

  it('answers 503 when the store is down, so SendGrid retries', async () => {
    const down = await createTestStore();
    await down.migrate(outboundMigrationSet);
    await down.migrate(eventsMigrationSet);
    const handle = eventsHandler({ store: down, publicKeys: [keys.publicKey] });
    await down.close();
    const response = await handle(signed('[{"event":"open","sg_event_id":"x"}]'));
    expect(response.status).toBe(503);
  });

  it('ingests a batch of 10,000 events through the handler', async () => {
    const handle = eventsHandler({ store, publicKeys: [keys.publicKey] });
    const kinds = ['processed', 'delivered', 'open', 'click', 'bounce', 'deferred'];
    const items = Array.from({ length: 10_000 }, (_, i) =>
      JSON.stringify({
        email: `user${i % 997}@example.com`,
        event: kinds[i % kinds.length],
        sg_event_id: `bulk-${i}`,
        sg_message_id: `msg${i % 500}.filterdrecv-1-2-3.0`,
        'smtp-id': `<msg${i % 500}@ismtpd.sendgrid.net>`,
        timestamp: 1764100000 + i,
        category: ['newsletter'],
        list: 'weekly',
        ...(i % kinds.length === 4 ? { type: 'bounce', reason: '550 5.1.1 user unknown', status: '5.1.1' } : {}),
      }),
    );
    const body = `[${items.join(',\r\n')}]\r\n`;
    const response = await handle(signed(body));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 10_000, stored: 10_000, duplicates: 0 });
    const [row] = await store.db
      .select({ n: sql<number>`count(*)::int` })
      .from(events)
      .where(sql`${events.sgEventId} like 'bulk-%'`);
    expect(row!.n).toBe(10_000);
  });
});
