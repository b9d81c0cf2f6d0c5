import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestStore, type TestStore } from '../testing/store.js';
import { createEventDispatcher } from './dispatcher.js';
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
            { event: 'bounce', email: 'a@x.com', sg_event_id: 'd1', type: 'blocked', reason: 'blocked by policy', timestamp: 1 },
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
    const rows = await store.db.select({ id: events.sgEventId, status: events.status, attempts: events.attempts }).from(events).orderBy(events.sgEventId);
    expect(rows).toEqual([
      { id: 'd1', status: 'done', attempts: 2 },
      { id: 'd2', status: 'done', attempts: 1 },
      { id: 'd3', status: 'done', attempts: 1 },
    ]);
  });

  it('gives up after maxAttempts and keeps the error', async () => {
    await store.transaction((tx) => storeEvents(tx, parseEventBody('[{"event":"dropped","sg_event_id":"f1","email":"b@x.com"}]')));
    const dispatcher = createEventDispatcher({ store, maxAttempts: 2, backoff: { baseMs: 0, maxMs: 0 } }).on('dropped', () => {
      throw new Error('always fails');
    });
    await dispatcher.drain();
    const [row] = await store.db.select().from(events).where(eq(events.sgEventId, 'f1'));
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
    expect(row?.lastError).toMatch(/always fails/);
  });

  it('runs after-commit hooks once the event committed, and never for a failed attempt', async () => {
    await store.transaction((tx) => storeEvents(tx, parseEventBody('[{"event":"delivered","sg_event_id":"h1","email":"c@x.com"}]')));
    const log: string[] = [];
    let failOnce = true;
    const dispatcher = createEventDispatcher({ store, backoff: { baseMs: 0, maxMs: 0 } }).on('delivered', async (_event, { tx, afterCommit, attempt }) => {
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
    });
    await dispatcher.drain();
    expect(log).toEqual(['hook 2: done']);
  });
});
