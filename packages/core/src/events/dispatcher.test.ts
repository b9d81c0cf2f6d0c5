import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestStore, type TestStore } from '../testing/store.js';
import { createEventDispatcher, requeueEvent } from './dispatcher.js';
import { parseEventBody } from './parse.js';
import { events } from './schema.js';
import { storeEvents } from './store.js';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.close());

describe('createEventDispatcher', () => {
  it('runs typed handlers in a transaction, retries failures, and marks unhandled events done', async () => {
    await store.transaction((tx) =>
      storeEvents(
        tx,
        parseEventBody(
          JSON.stringify([
            {
              event: 'bounce',
              email: 'a@x.com',
              sg_event_id: 'd1',
              type: 'blocked',
              reason: 'blocked by policy',
              timestamp: 1,
            },
            { event: 'open', email: 'a@x.com', sg_event_id: 'd2', timestamp: 2 },
            { event: 'click', email: 'a@x.com', sg_event_id: 'd3', url: 'https://x', timestamp: 3 },
          ]),
        ),
      ),
    );
    const seen: string[] = [];
    let failOnce = true;
    const dispatcher = createEventDispatcher({ store, backoff: { baseMs: 0, maxMs: 0 } })
      .on('bounce', async (event, { tx, attempt }) => {
        // Typed: only bounce events arrive here.
        seen.push(`${event.type}:${event.reason}:${attempt}`);
        await tx.execute(sql`select 1`);
        if (failOnce) {
          failOnce = false;
          throw new Error('handler crashed');
        }
      })
      .on('click', (event) => void seen.push(`click:${event.url}`));
    await dispatcher.drain();
    expect(seen).toEqual(['blocked:blocked by policy:1', 'click:https://x', 'blocked:blocked by policy:2']);
    const rows = await store.db
      .select({ id: events.sgEventId, status: events.status, attempts: events.attempts })
      .from(events)
      .orderBy(events.sgEventId);
    expect(rows).toEqual([
      { id: 'd1', status: 'done', attempts: 2 },
      { id: 'd2', status: 'done', attempts: 1 },
      { id: 'd3', status: 'done', attempts: 1 },
    ]);
  });

  it('gives up after maxAttempts and keeps the error', async () => {
    await store.transaction((tx) =>
      storeEvents(tx, parseEventBody('[{"event":"dropped","sg_event_id":"f1","email":"b@x.com"}]')),
    );
    const dispatcher = createEventDispatcher({ store, maxAttempts: 2, backoff: { baseMs: 0, maxMs: 0 } }).on(
      'dropped',
      () => {
        throw new Error('always fails');
      },
    );
    await dispatcher.drain();
    const [row] = await store.db.select().from(events).where(eq(events.sgEventId, 'f1'));
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
    expect(row?.lastError).toMatch(/always fails/);
  });

  it('runs after-commit hooks once the event committed, and never for a failed attempt', async () => {
    await store.transaction((tx) =>
      storeEvents(tx, parseEventBody('[{"event":"delivered","sg_event_id":"h1","email":"c@x.com"}]')),
    );
    const log: string[] = [];
    let failOnce = true;
    const dispatcher = createEventDispatcher({ store, backoff: { baseMs: 0, maxMs: 0 } }).on(
      'delivered',
      async (_event, { tx, afterCommit, attempt }) => {
        afterCommit(async () => {
          // Runs after commit: a separate connection sees the event done.
          const [row] = await store.db.select({ status: events.status }).from(events).where(eq(events.sgEventId, 'h1'));
          log.push(`hook ${attempt}: ${row?.status}`);
        });
        await tx.execute(sql`select 1`);
        if (failOnce) {
          failOnce = false;
          throw new Error('first attempt fails');
        }
      },
    );
    await dispatcher.drain();
    expect(log).toEqual(['hook 2: done']);
  });

  describe('poison pills', () => {
    const stored = (ids: string[]) =>
      store.transaction((tx) =>
        storeEvents(
          tx,
          parseEventBody(
            JSON.stringify(
              ids.map((id, i) => ({ event: 'deferred', email: `${id}@x.com`, sg_event_id: id, timestamp: i + 1 })),
            ),
          ),
        ),
      );
    const rowOf = async (sgEventId: string) =>
      (await store.db.select().from(events).where(eq(events.sgEventId, sgEventId)))[0]!;

    for (const synchronous of [false, true]) {
      it(`an event whose handler always throws (${synchronous ? 'synchronously' : 'rejecting'}) ends failed after the attempts; the others are handled`, async () => {
        const tag = synchronous ? 'sync' : 'async';
        await stored([`${tag}-poison`, `${tag}-a`, `${tag}-b`, `${tag}-c`]);
        const handled: string[] = [];
        const dispatcher = createEventDispatcher({ store, maxAttempts: 3, backoff: { baseMs: 0, maxMs: 0 } }).on(
          'deferred',
          synchronous
            ? (event) => {
                if (event.sgEventId.endsWith('poison')) throw new Error('handler refuses this one');
                handled.push(event.sgEventId);
              }
            : async (event) => {
                await Promise.resolve();
                if (event.sgEventId.endsWith('poison')) throw new Error('handler refuses this one');
                handled.push(event.sgEventId);
              },
        );
        await dispatcher.drain();
        expect(handled.sort()).toEqual([`${tag}-a`, `${tag}-b`, `${tag}-c`]);
        const poison = await rowOf(`${tag}-poison`);
        expect(poison).toMatchObject({ status: 'failed', attempts: 3 });
        expect(poison.lastError).toContain('handler refuses this one');
        expect(poison.processedAt).toBeInstanceOf(Date);
      });
    }

    it('a handler that never settles times out, rolls back and ends failed; the events behind it are handled', async () => {
      await stored(['hang-poison', 'hang-a']);
      const handled: string[] = [];
      const dispatcher = createEventDispatcher({
        store,
        maxAttempts: 2,
        handlerTimeoutMs: 200,
        backoff: { baseMs: 0, maxMs: 0 },
      }).on('deferred', async (event, { tx }) => {
        await tx.execute(sql`select 1`);
        if (event.sgEventId === 'hang-poison') await new Promise(() => undefined);
        handled.push(event.sgEventId);
      });
      await dispatcher.drain();
      expect(handled).toEqual(['hang-a']);
      const poison = await rowOf('hang-poison');
      expect(poison).toMatchObject({ status: 'failed', attempts: 2 });
      expect(poison.lastError).toContain('did not finish within 200 ms');
    });

    it('a stored payload that cannot be parsed ends failed at once; the others are handled; a requeue runs it again', async () => {
      await stored(['unreadable', 'readable']);
      await store.db
        .update(events)
        .set({ payload: sql`'null'::jsonb` })
        .where(eq(events.sgEventId, 'unreadable'));
      const handled: string[] = [];
      const dispatcher = createEventDispatcher({ store, backoff: { baseMs: 0, maxMs: 0 } }).on(
        'deferred',
        (event) => void handled.push(event.sgEventId),
      );
      await dispatcher.drain();
      expect(handled).toEqual(['readable']);
      const poison = await rowOf('unreadable');
      expect(poison).toMatchObject({ status: 'failed', attempts: 1 });
      expect(poison.lastError).toMatch(/stored event .* cannot be parsed/);

      // After a fix (here: the payload restored), requeueing hands it to the handlers again.
      await store.db
        .update(events)
        .set({ payload: { event: 'deferred', sg_event_id: 'unreadable', email: 'u@x.com' } })
        .where(eq(events.sgEventId, 'unreadable'));
      expect(await requeueEvent(store.db, poison.id)).toBe(true);
      expect(await requeueEvent(store.db, poison.id)).toBe(false); // pending now, not failed
      await dispatcher.drain();
      expect(handled).toEqual(['readable', 'unreadable']);
      expect(await rowOf('unreadable')).toMatchObject({ status: 'done', attempts: 1 });
    });

    it('an event whose dispatchers kept dying (lease expired, attempts used up) is set aside, not run again', async () => {
      await stored(['dying']);
      await store.db
        .update(events)
        .set({ status: 'processing', attempts: 2, leaseOwner: 'dead', leaseUntil: sql`now() - interval '1 second'` })
        .where(eq(events.sgEventId, 'dying'));
      const handled: string[] = [];
      await createEventDispatcher({ store, maxAttempts: 2 })
        .on('deferred', (event) => void handled.push(event.sgEventId))
        .drain();
      expect(handled).toEqual([]);
      const row = await rowOf('dying');
      expect(row).toMatchObject({ status: 'failed', attempts: 3 });
      expect(row.lastError).toContain('gave up: the worker running attempt 2 of 2 stopped before finishing');
    });
  });
});
