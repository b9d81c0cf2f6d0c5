import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, inboundRequest, TEST_KEY_PAIR, type TestStore } from '@mailroom/core/testing';
import { deliver, signedPost, testMailroom } from './support.js';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
  await store.db.execute(sql`create schema if not exists lifecycle_app`);
  await store.db.execute(
    sql`create table lifecycle_app.notes (id serial primary key, inbound_id text not null, body text not null)`,
  );
});
afterAll(async () => {
  await store?.close();
});

async function notesFor(id: string): Promise<string[]> {
  const result = await store.db.execute(sql`select body from lifecycle_app.notes where inbound_id = ${id} order by id`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ body: string }>;
  return rows.map((r) => r.body);
}

describe('handler outcomes', () => {
  it('ctx.bounce and ctx.ignore set the status and keep the reason; writes before them commit', async () => {
    const mailroom = testMailroom(store)
      .route('bounce', 'bounce@example.com', async (ctx) => {
        await ctx.tx.execute(sql`insert into lifecycle_app.notes (inbound_id, body) values (${ctx.id}, 'seen')`);
        ctx.bounce('unknown sender');
      })
      .route('ignore', 'ignore@example.com', (ctx) => ctx.ignore('auto-reply'));
    const bounced = await deliver(mailroom, { to: 'bounce@example.com' });
    expect(bounced).toMatchObject({ status: 'bounced', note: 'unknown sender', route: 'bounce' });
    expect(await notesFor(bounced.id)).toEqual(['seen']);
    expect(await deliver(mailroom, { to: 'ignore@example.com' })).toMatchObject({
      status: 'ignored',
      note: 'auto-reply',
    });
  });

  it('a throwing handler rolls back its writes, retries, ends failed, and a replay succeeds', async () => {
    let broken = true;
    const attempts: number[] = [];
    const mailroom = testMailroom(store, { worker: { maxAttempts: 3 } }).route(
      'flaky',
      'flaky@example.com',
      async (ctx) => {
        attempts.push(ctx.attempt);
        await ctx.tx.execute(
          sql`insert into lifecycle_app.notes (inbound_id, body) values (${ctx.id}, ${`attempt ${ctx.attempt}`})`,
        );
        if (broken) throw new Error('downstream is down');
      },
    );
    const failed = await deliver(mailroom, { to: 'flaky@example.com' });
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed.lastError).toContain('downstream is down');
    expect(attempts).toEqual([1, 2, 3]);
    expect(await notesFor(failed.id)).toEqual([]); // every attempt's insert rolled back

    broken = false;
    expect(await mailroom.replay({ status: 'failed' })).toBeGreaterThanOrEqual(1);
    await mailroom.drain();
    expect(await store.inbox.get(failed.id)).toMatchObject({ status: 'delivered', route: 'flaky' });
    expect(await notesFor(failed.id)).toEqual(['attempt 1']);
  });

  it('ctx.once skips work already committed when a delivered email is replayed; afterCommit runs after commit only', async () => {
    let runs = 0;
    const committed: string[] = [];
    const mailroom = testMailroom(store).route('once', 'once@example.com', async (ctx) => {
      const ticket = await ctx.once('create-ticket', async (tx) => {
        runs += 1;
        await tx.execute(sql`insert into lifecycle_app.notes (inbound_id, body) values (${ctx.id}, 'ticket')`);
        return { ticketId: 17 };
      });
      ctx.afterCommit(() => committed.push(`notify ${ticket?.ticketId} attempt ${ctx.attempt}`));
    });
    const record = await deliver(mailroom, { to: 'once@example.com' });
    await mailroom.replay(record.id);
    await mailroom.drain();
    expect(runs).toBe(1);
    expect(await notesFor(record.id)).toEqual(['ticket']);
    expect(committed).toEqual(['notify 17 attempt 1', 'notify 17 attempt 1']);
  });
});

describe('replay keeps the outcome decided inside ctx.once', () => {
  it.each([
    ['ignored', (ctx: { ignore(r: string): void }) => ctx.ignore('mail loop detected')],
    ['bounced', (ctx: { bounce(r: string): void }) => ctx.bounce('sender not authenticated')],
  ] as const)('an email %s inside ctx.once ends the same way when replayed', async (status, decide) => {
    let runs = 0;
    const to = `once-${status}@example.com`;
    const mailroom = testMailroom(store).route(`once-${status}`, to, async (ctx) => {
      await ctx.once('decide', async () => {
        runs += 1;
        decide(ctx);
        return { decided: true };
      });
    });
    const first = await deliver(mailroom, { to });
    expect(first).toMatchObject({
      status,
      note: status === 'ignored' ? 'mail loop detected' : 'sender not authenticated',
    });
    await mailroom.replay(first.id);
    await mailroom.drain();
    const again = await mailroom.store.inbox.get(first.id);
    expect(runs).toBe(1);
    expect(again).toMatchObject({ id: first.id, status: first.status, note: first.note });
  });
});

describe('middleware and context extensions', () => {
  it('runs middleware in registration order around the handler, and can stop the chain', async () => {
    const trace: string[] = [];
    const mailroom = testMailroom(store)
      .use(async (ctx, next) => {
        trace.push(`a> ${ctx.route}`);
        await next();
        trace.push('a<');
      })
      .use(async (ctx, next) => {
        if (ctx.email.subject.includes('Out of office')) return ctx.ignore('auto-reply');
        trace.push('b>');
        await next();
        trace.push('b<');
      })
      .route('support', 'support@example.com', () => {
        trace.push('handler');
      });
    expect((await deliver(mailroom, { to: 'support@example.com' })).status).toBe('delivered');
    expect(trace).toEqual(['a> support', 'b>', 'handler', 'b<', 'a<']);
    trace.length = 0;
    expect(await deliver(mailroom, { to: 'support@example.com', subject: 'Out of office' })).toMatchObject({
      status: 'ignored',
      note: 'auto-reply',
    });
    expect(trace).toEqual(['a> support', 'a<']);
  });

  it('adds typed fields to every context through `context` and `extend`', async () => {
    const seen: string[] = [];
    const mailroom = testMailroom(store, {
      context: (ctx) => ({ shout: (text: string) => `${text.toUpperCase()} (${ctx.route})` }),
    }).extend((ctx) => ({ greeting: ctx.shout('hello') }));
    mailroom.route('hi', 'hi@example.com', (ctx) => {
      seen.push(ctx.greeting, ctx.shout('x'));
    });
    await deliver(mailroom, { to: 'hi@example.com' });
    expect(seen).toEqual(['HELLO (hi)', 'X (hi)']);
  });
});

describe('the HTTP contract', () => {
  it('answers a duplicate post 200 with the same id and processes it once', async () => {
    let calls = 0;
    const mailroom = testMailroom(store).route('dup', 'dup@example.com', () => {
      calls += 1;
    });
    const description = { to: 'dup@example.com', messageId: 'same-message@test.example', subject: 'twice' };
    const first = await mailroom.fetch(inboundRequest(description, { sign: TEST_KEY_PAIR }));
    const second = await mailroom.fetch(inboundRequest(description, { sign: TEST_KEY_PAIR }));
    const a = (await first.json()) as { id: string; duplicate: boolean };
    const b = (await second.json()) as { id: string; duplicate: boolean };
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(a.duplicate).toBe(false);
    expect(b).toEqual({ id: a.id, duplicate: true });
    await mailroom.drain();
    await mailroom.drain();
    expect(calls).toBe(1);
  });

  it('rejects a forged signature with its 4xx and a reason, and stores nothing', async () => {
    const mailroom = testMailroom(store);
    const before = (await store.inbox.list({ limit: 1000 })).length;
    const request = inboundRequest(
      { to: 'x@example.com' },
      { sign: TEST_KEY_PAIR, headers: { 'X-Twilio-Email-Event-Webhook-Timestamp': '1700000000' } },
    );
    const response = await mailroom.fetch(request);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'signature_invalid' });
    const unsigned = await mailroom.fetch(inboundRequest({ to: 'x@example.com' }));
    expect(unsigned.status).toBe(401);
    expect((await store.inbox.list({ limit: 1000 })).length).toBe(before);
    expect((await mailroom.fetch(new Request('http://x/parse', { method: 'GET' }))).status).toBe(405);
  });

  it('answers 503 when the store is down, so SendGrid retries', async () => {
    const downStore = await createTestStore();
    const mailroom = testMailroom(downStore);
    await downStore.close();
    const response = await mailroom.fetch(signedPost({ to: 'x@example.com' }));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(await response.json()).toMatchObject({ error: 'store_unavailable' });
  });

  it('answers 500 for any other server fault (SendGrid retries), logging it', async () => {
    const events: string[] = [];
    const logger = {
      info() {},
      warn() {},
      error: (event: string) => {
        events.push(event);
      },
    };
    // Fault injection: the real store, with ingest failing like a bug would.
    const faulty = Object.assign(Object.create(store) as TestStore, {
      inbox: {
        ...store.inbox,
        ingest: async () => {
          throw new TypeError('bug in a plugin');
        },
      },
    });
    const response = await testMailroom(faulty, { logger }).fetch(signedPost({ to: 'x@example.com' }));
    expect(response.status).toBe(500);
    expect(events).toEqual(['http_error']);
  });

  it('processes right after the commit when the worker runs (no drain)', async () => {
    let handledId: (id: string) => void = () => {};
    const handled = new Promise<string>((resolve) => {
      handledId = resolve;
    });
    const mailroom = testMailroom(store, { worker: { autoStart: true } }).route('live', 'live@example.com', (ctx) =>
      handledId(ctx.id),
    );
    const response = await mailroom.fetch(signedPost({ to: 'live@example.com' }));
    const { id } = (await response.json()) as { id: string };
    expect(await handled).toBe(id);
    await mailroom.stop();
    expect(await store.inbox.get(id)).toMatchObject({ status: 'delivered', route: 'live' });
  });
});

describe('receiving comes first', () => {
  it('while yieldToWebhookAt posts are being received the worker starts one email per pollMs, then speeds up', async () => {
    let running = 0;
    let held = true;
    const peak = { held: 0, released: 0 };
    // Basic auth: a post counts as being received once authenticated, which basic auth is by its headers alone
    // (a signed post counts only once its whole body verified, so a held signed body would not count).
    const basic = { username: 'sendgrid', password: 'lifecycle-secret' };
    const post = () =>
      inboundRequest({ to: 'burst@example.com', messageId: `${randomUUID()}@test.example` }, { basic });
    const mailroom = testMailroom(store, {
      security: { basic: [basic] },
      worker: { concurrency: 4, yieldToWebhookAt: 1, pollMs: 50 },
    }).route('burst', 'burst@example.com', async () => {
      running++;
      const phase = held ? 'held' : 'released';
      peak[phase] = Math.max(peak[phase], running);
      await new Promise((resolve) => setTimeout(resolve, 15));
      running--;
    });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await mailroom.fetch(post());
      expect(response.status).toBe(200);
      ids.push(((await response.json()) as { id: string }).id);
    }

    // An authenticated post whose body is still arriving: the webhook is receiving one post.
    const slow = post();
    const bytes = new Uint8Array(await slow.arrayBuffer());
    let finishBody!: () => void;
    const rest = new Promise<void>((resolve) => (finishBody = resolve));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(bytes.subarray(0, 100));
        await rest;
        controller.enqueue(bytes.subarray(100));
        controller.close();
      },
    });
    const headers = new Headers(slow.headers);
    headers.delete('content-length');
    const answer = mailroom.fetch(
      new Request(slow.url, { method: 'POST', headers, body, duplex: 'half' } as RequestInit),
    );
    await new Promise((resolve) => setTimeout(resolve, 10)); // its headers checked: it counts from now on

    mailroom.start();
    while ((await store.inbox.list({ status: ['delivered'], search: 'burst@example.com' })).length < 3) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    held = false;
    finishBody();
    expect((await answer).status).toBe(200);
    await mailroom.drain();
    await mailroom.stop();
    expect(peak.held).toBe(1);
    // PGlite is one connection: handlers never overlap there.
    if (store.dialect === 'postgres') expect(peak.released).toBeGreaterThan(1);
    for (const id of ids) expect((await store.inbox.get(id))!.status).toBe('delivered');
  });
});
