import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve, type ServerType } from '@hono/node-server';
import { eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailroom, type Mailroom } from '@mailroom/core';
import { getOutboundMessage, listOutboundMessages } from '@mailroom/core/outbound';
import {
  buildInboundPost,
  createTestMailroom,
  createTestStore,
  TEST_KEY_PAIR,
  type TestMailroom,
  type TestStore,
} from '@mailroom/core/testing';
import { createList, createListsApp, listsSchema, upsertMember, type ListsApp } from '@mailroom/app-lists';
import { pool, send, signedHeaders } from './support/posts.js';
import { recordFigures } from './support/summary.js';

const DOMAIN = 'poison.example.com';
const MAX_ATTEMPTS = 3;
const HANDLER_TIMEOUT_MS = 300;

/** Keeps the event loop busy without yielding, as a catastrophic regex or a tight loop in a handler would. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spinning on purpose
  }
}

/** A signed raw-mode post; `patch` rewrites the MIME message (only the `email` field is before the first boundary end). */
function rawPost(description: Parameters<typeof buildInboundPost>[0], patch: (mime: string) => string = (m) => m) {
  const built = buildInboundPost({ mode: 'raw', ...description });
  const text = built.body.toString('latin1');
  const end = text.indexOf('\r\n--xYzZY', 10);
  const body = Buffer.from(patch(text.slice(0, end)) + text.slice(end), 'latin1');
  return { body, headers: signedHeaders(body, built.contentType) };
}

async function until(done: () => Promise<boolean>, what: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('poison pills never wedge the inbound queue (real webhook, real server)', () => {
  let store: TestStore;
  let mailroom: Mailroom;
  let server: ServerType;
  let url: string;
  const effects = new Set<string>();

  beforeAll(async () => {
    store = await createTestStore();
    mailroom = createMailroom({
      store,
      security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
      mail: { from: `Help desk <help@${DOMAIN}>` },
      worker: {
        autoStart: false,
        maxAttempts: MAX_ATTEMPTS,
        handlerTimeoutMs: HANDLER_TIMEOUT_MS,
        pollMs: 50,
        backoff: { baseMs: 50, maxMs: 200 },
      },
    });
    mailroom.route('throws', `throws@${DOMAIN}`, () => {
      throw new Error('this handler always throws');
    });
    mailroom.route('blocks', `blocks@${DOMAIN}`, async () => {
      blockFor(HANDLER_TIMEOUT_MS * 4);
      await sleep(50);
    });
    mailroom.route('replies', `help@${DOMAIN}`, async (ctx) => {
      await ctx.reply({ text: 'We got your message.' });
    });
    mailroom.route('ordinary', `inbox@${DOMAIN}`, (ctx) => void effects.add(ctx.email.messageId ?? ''));
    server = serve({
      fetch: new Hono().route('/webhooks/sendgrid', mailroom.app()).fetch,
      port: 0,
      hostname: '127.0.0.1',
    });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/sendgrid/parse`;
    mailroom.start();
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await mailroom?.stop();
    await store?.close();
  });

  it('a handler that always throws and one that blocks the event loop end failed with a reason; 50 ordinary emails around them are delivered', async () => {
    const ordinary = Array.from({ length: 50 }, (_, i) =>
      rawPost({ to: `inbox@${DOMAIN}`, subject: `Ordinary ${i}`, messageId: `<ordinary-${i}@senders.test>` }),
    );
    const poison = [
      rawPost({ to: `throws@${DOMAIN}`, subject: 'Throws', messageId: '<throws@senders.test>' }),
      rawPost({ to: `blocks@${DOMAIN}`, subject: 'Blocks', messageId: '<blocks@senders.test>' }),
    ];
    // Poison in the middle of the stream, posted 4 at a time as SendGrid does.
    const posts = [...ordinary.slice(0, 25), ...poison, ...ordinary.slice(25)];
    const statuses: number[] = [];
    await pool(posts, 4, async (post) => void statuses.push((await send(url, post.headers, post.body)).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(52);

    const byMessageId = async (id: string) => (await store.inbox.list({ limit: 500 })).find((r) => r.messageId === id)!;
    await until(async () => {
      await mailroom.drain();
      const records = await store.inbox.list({ limit: 500 });
      return records.length === 52 && records.every((r) => r.status !== 'pending' && r.status !== 'processing');
    }, 'every email to be settled');

    for (let i = 0; i < 50; i++) expect(effects.has(`ordinary-${i}@senders.test`), `ordinary ${i}`).toBe(true);
    const throws = await byMessageId('throws@senders.test');
    expect(throws).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, note: 'this handler always throws' });
    const blocks = await byMessageId('blocks@senders.test');
    expect(blocks.status).toBe('failed');
    expect(blocks.note).toMatch(
      new RegExp(`^handler blocked the event loop for \\d+ ms \\(past its ${HANDLER_TIMEOUT_MS} ms timeout\\)$`),
    );
    // Pinned at once when it ran alone; when others shared the stall, its one retry ran alone.
    expect(blocks.attempts).toBeLessThanOrEqual(2);
    recordFigures({
      scenario: `poison pills (${store.databaseUrl ? 'PostgreSQL' : 'PGlite'})`,
      sent: posts.length,
      ok2xx: statuses.filter((s) => s === 200).length,
      stored: 52,
      processed: effects.size,
      lost: 50 - effects.size,
      duplicates: 0,
      blockedAttempts: blocks.attempts,
    });
  });

  it('a subject decoding to CR/LF and a CR/LF display name reach ctx.reply: delivered, the reply queued on one line', async () => {
    const b64 = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
    const post = rawPost(
      {
        from: 'Mallory <mallory@senders.test>',
        to: `help@${DOMAIN}`,
        subject: 'SUBJECTMARK',
        messageId: '<crlf@senders.test>',
      },
      (mime) =>
        mime
          .replace('Subject: SUBJECTMARK', `Subject: ${b64('Help\r\nBcc: victim@evil.example')}`)
          .replace(
            'From: Mallory <mallory@senders.test>',
            `From: ${b64('Mallory\r\nBcc: victim@evil.example')} <mallory@senders.test>`,
          ),
    );
    expect((await send(url, post.headers, post.body)).status).toBe(200);
    await mailroom.drain();
    const record = (await store.inbox.list({ limit: 500 })).find((r) => r.messageId === 'crlf@senders.test')!;
    expect(record).toMatchObject({ status: 'delivered', route: 'replies', attempts: 1 });
    const [reply] = (await listOutboundMessages(store.db, { limit: 500 })).filter(
      (m) => m.inReplyTo === 'crlf@senders.test',
    );
    expect(reply).toBeDefined();
    expect(reply!.subject).toBe('Re: Help Bcc: victim@evil.example');
    expect(reply!.to).toEqual([{ address: 'mallory@senders.test', name: 'Mallory Bcc: victim@evil.example' }]);
    expect((await getOutboundMessage(store.db, reply!.id))!.status).toBe('sent');
  });
});

describe('a list post whose redistribution always fails does not hold back later posts', () => {
  let t: TestMailroom;
  let lists: ListsApp;

  beforeAll(async () => {
    const keys = [{ id: 'k1', secret: 'reliability poison scenario key' }];
    const signers = { keys, domain: 'lists.poison.example.com' };
    t = await createTestMailroom({
      mail: {
        from: 'lists@lists.poison.example.com',
        deliverer: { claimLimit: 1000 },
        replyAddresses: signers,
        messageIds: signers,
      },
      maxBatchSize: 1000,
    });
    lists = await createListsApp({
      mailroom: t.mailroom,
      store: t.store,
      config: { domain: 'lists.poison.example.com', publicUrl: 'https://example.com/lists', keys },
      fanout: { maxAttempts: MAX_ATTEMPTS, backoff: { baseMs: 20, maxMs: 100 } },
    });
    t.alsoDrain(() => lists.drain());
  });
  afterAll(async () => {
    await lists?.stop();
    await t?.close();
  });

  it('later posts on two lists are distributed; the failing one ends failed with its reason', async () => {
    const db = t.store.db as never as Parameters<typeof createList>[0];
    const members = ['ann', 'bob', 'cy', 'dee'].map((m) => `${m}@members.test`);
    for (const slug of ['dev', 'ops']) {
      const list = await createList(db, { slug, name: slug.toUpperCase() });
      for (const address of members) await upsertMember(db, list.id, { address });
    }
    // Every copy of this post is refused by the database (an operator's constraint, a broken row): not permanent,
    // so it is retried with backoff behind the others, then set aside.
    await t.store.db.execute(
      sql.raw(`create or replace function refuse_doomed() returns trigger language plpgsql as $$
      begin if new.subject = 'Doomed post' then raise exception 'the outbox refuses this copy'; end if; return new; end $$`),
    );
    await t.store.db.execute(
      sql.raw(
        'create trigger refuse_doomed before insert on mailroom.outbound_messages for each row execute function refuse_doomed()',
      ),
    );
    const post = (slug: string, subject: string) =>
      t.post({ from: 'ann@members.test', to: `${slug}@lists.poison.example.com`, subject, text: `${subject}\n` });
    expect((await post('dev', 'Doomed post')).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await post('dev', `Dev post ${i}`)).status).toBe(200);
      expect((await post('ops', `Ops post ${i}`)).status).toBe(200);
    }
    const { distributions, messages } = listsSchema;
    await until(
      async () => {
        await t.drain();
        const open = await t.store.db.select().from(distributions).where(eq(distributions.status, 'pending'));
        return open.length === 0;
      },
      'every distribution to settle',
      60_000,
    );
    const copies = (subject: string) =>
      t.sent
        .filter((m) => m.subject === subject)
        .map((m) => m.to[0]!.address)
        .sort();
    for (let i = 0; i < 3; i++) {
      expect(copies(`Dev post ${i}`)).toEqual(members);
      expect(copies(`Ops post ${i}`)).toEqual(members);
    }
    expect(copies('Doomed post')).toEqual([]);
    const [doomed] = await t.store.db
      .select({ status: distributions.status, attempts: distributions.attempts, lastError: distributions.lastError })
      .from(distributions)
      .innerJoin(messages, eq(messages.id, distributions.messageId))
      .where(eq(messages.subject, 'Doomed post'));
    expect(doomed).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(doomed!.lastError).toContain('the outbox refuses this copy');
  });
});
