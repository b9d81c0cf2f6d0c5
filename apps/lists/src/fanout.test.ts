import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestMailroom, type TestMailroom } from '@mailroom/core/testing';
import type { ListsDb } from './db/index.js';
import { distributions, messages } from './db/schema.js';
import { createListsApp, requeueDistribution, type ListsApp } from './index.js';
import { createList, upsertMember, type List } from './domain/index.js';

const DOMAIN = 'lists.example.com';
const KEYS = [{ id: 'k1', secret: 'test secret for the lists fan-out tests' }];
let t: TestMailroom;
let lists: ListsApp;
let db: ListsDb;
let dev: List;
let ops: List;

beforeEach(async () => {
  t = await createTestMailroom({
    mail: {
      from: `lists@${DOMAIN}`,
      deliverer: { claimLimit: 1000 },
      replyAddresses: { keys: KEYS, domain: DOMAIN },
      messageIds: { keys: KEYS, domain: DOMAIN },
    },
    maxBatchSize: 1000,
  });
  lists = await createListsApp({
    mailroom: t.mailroom,
    store: t.store,
    config: { domain: DOMAIN, publicUrl: 'https://example.com/lists', keys: KEYS },
    fanout: { maxAttempts: 3, backoff: { baseMs: 1, maxMs: 1 } },
  });
  db = t.store.db;
  dev = await createList(db, { slug: 'dev', name: 'Dev' });
  ops = await createList(db, { slug: 'ops', name: 'Ops' });
  for (const list of [dev, ops]) {
    for (const member of ['ann', 'bob', 'cy']) await upsertMember(db, list.id, { address: `${member}@members.test` });
  }
});
afterEach(async () => {
  await lists.stop();
  await t.close();
});

/** Posts to a list (the handler publishes and records a distribution; the fan-out runs later) and returns the message id. */
async function publish(list: List, subject: string): Promise<string> {
  expect(
    (await t.post({ from: 'ann@members.test', to: `${list.slug}@${DOMAIN}`, subject, text: `${subject}\n` })).status,
  ).toBe(200);
  const [row] = await db.select({ id: messages.id }).from(messages).where(eq(messages.subject, subject));
  return row!.id;
}
const distribution = async (messageId: string) =>
  (await db.select().from(distributions).where(eq(distributions.messageId, messageId)))[0]!;
/** Fan-outs until none is due, retries included (1 ms backoff), then delivery. */
async function settle() {
  await expect
    .poll(
      async () => {
        await lists.drain();
        const open = await db
          .select()
          .from(distributions)
          .where(sql`${distributions.status} = 'pending'`);
        return open.length;
      },
      { timeout: 10_000, interval: 20 },
    )
    .toBe(0);
  await t.drain();
}
const copiesOf = (subject: string) =>
  t.sent
    .filter((m) => m.subject === subject)
    .map((m) => m.to[0]!.address)
    .sort();
const MEMBERS = ['ann@members.test', 'bob@members.test', 'cy@members.test'];

describe('fan-out poison pills', () => {
  it('a distribution that can never be sent (empty body) is set aside at once; later posts on both lists go out', async () => {
    const poison = await publish(dev, 'First post');
    // What an empty post leaves behind: no text, no HTML. Every copy fails outbound validation.
    await db.update(messages).set({ newText: '', fullText: null, fullHtml: null }).where(eq(messages.id, poison));
    await publish(dev, 'Second post');
    await publish(ops, 'Ops post');
    await settle();
    expect(copiesOf('Second post')).toEqual(MEMBERS);
    expect(copiesOf('Ops post')).toEqual(MEMBERS);
    expect(copiesOf('First post')).toEqual([]);
    const failed = await distribution(poison);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, queued: 0 });
    expect(failed.lastError).toContain('a message needs text or html');
  });

  it('a distribution that keeps failing is retried with backoff behind the others, then set aside; a requeue resumes it', async () => {
    const poison = await publish(dev, 'Doomed post');
    // The database refuses its copies (say a constraint an operator added): an error that is not permanent.
    await t.store.db.execute(
      sql.raw(`
      create or replace function reject_doomed() returns trigger language plpgsql as $$
      begin
        if new.subject = 'Doomed post' then raise exception 'outbox refuses this copy'; end if;
        return new;
      end $$`),
    );
    await t.store.db.execute(
      sql.raw(
        'create trigger reject_doomed before insert on mailroom.outbound_messages for each row execute function reject_doomed()',
      ),
    );
    await publish(ops, 'Ops post');
    await publish(dev, 'Dev post');
    await settle();
    expect(copiesOf('Ops post')).toEqual(MEMBERS);
    expect(copiesOf('Dev post')).toEqual(MEMBERS);
    const failed = await distribution(poison);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, queued: 0 });
    expect(failed.lastError).toContain('outbox refuses this copy');

    await t.store.db.execute(sql.raw('drop trigger reject_doomed on mailroom.outbound_messages'));
    expect(await requeueDistribution(db, poison)).toBe(true);
    await settle();
    expect(copiesOf('Doomed post')).toEqual(MEMBERS);
    expect(await distribution(poison)).toMatchObject({ status: 'done', queued: 3, attempts: 0, lastError: null });
  });

  it('a distribution whose chunk kept crashing the fan-out (attempts used up, never recorded) is set aside', async () => {
    const poison = await publish(dev, 'Crashing post');
    await db.update(distributions).set({ attempts: 3 }).where(eq(distributions.messageId, poison));
    await publish(ops, 'Ops post');
    await settle();
    expect(copiesOf('Crashing post')).toEqual([]);
    expect(copiesOf('Ops post')).toEqual(MEMBERS);
    const failed = await distribution(poison);
    expect(failed).toMatchObject({ status: 'failed', attempts: 4 });
    expect(failed.lastError).toContain('gave up: the worker running attempt 3 of 3 stopped before finishing');
  });

  it('a distribution whose fan-out died mid-chunk (lease expired) is taken over and finished, not sent twice', async () => {
    const id = await publish(dev, 'Orphaned post');
    await db
      .update(distributions)
      .set({
        status: 'processing',
        attempts: 1,
        leaseOwner: 'dead-fanout',
        leaseUntil: sql`now() - interval '1 second'`,
      })
      .where(eq(distributions.messageId, id));
    await settle();
    expect(copiesOf('Orphaned post')).toEqual(MEMBERS);
    expect(await distribution(id)).toMatchObject({ status: 'done', queued: 3, leaseOwner: null, leaseUntil: null });
  });

  it('a subject that decoded to CR/LF goes out on one line instead of failing every copy', async () => {
    const id = await publish(dev, 'Plain subject');
    await db.update(messages).set({ subject: 'Hello\r\nBcc: victim@evil.example' }).where(eq(messages.id, id));
    await settle();
    expect(
      t.sent
        .filter((m) => m.subject === 'Hello Bcc: victim@evil.example')
        .map((m) => m.to[0]!.address)
        .sort(),
    ).toEqual(MEMBERS);
    expect(await distribution(id)).toMatchObject({ status: 'done' });
  });
});
