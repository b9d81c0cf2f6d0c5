import { eq, inArray } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type PreparedMessage } from '@mailroom/core';
import { listOutbound, type AutoReplyLimit } from '@mailroom/core/outbound';
import {
  createTestMailroom,
  inboundRequest,
  TEST_KEY_PAIR,
  type InboundDescription,
  type TestMailroom,
} from '@mailroom/core/testing';
import { createList, createListsApp, listsSchema, upsertMember, type List, type ListsApp } from '@mailroom/app-lists';
import { pool } from './support/posts.js';
import { recordFigures, scaled } from './support/summary.js';

// The lists app on the open internet: forged senders, backscatter, an unmarked auto-responder and CR/LF
// subjects, posted concurrently through the real webhook of a real HTTP server while the Mailroom's worker,
// deliverer and the lists' fan-out run on their own (nothing is drained by hand). PGlite, or PostgreSQL
// with DATABASE_URL.

const DOMAIN = 'lists.reliability.test';
const LIST = `dev@${DOMAIN}`;
const REQUEST = `dev-request@${DOMAIN}`;
const MOD = 'mod@members.test';
const KEYS = [{ id: 'k1', secret: 'reliability secret for the lists signers' }];
const FORGED = { dkim: 'none', spf: 'fail' } as const;
const CONCURRENCY = 4;
const SETTLE_TIMEOUT_MS = 120_000;

interface Running {
  t: TestMailroom;
  lists: ListsApp;
  list: List;
  members: string[];
}

let running: Running | null = null;
afterEach(async () => {
  if (!running) return;
  await running.lists.stop();
  await running.t.close();
  running = null;
});

async function start(memberCount: number, autoReplyLimit?: AutoReplyLimit): Promise<Running> {
  const t = await createTestMailroom({
    mail: {
      from: `lists@${DOMAIN}`,
      replyAddresses: { keys: KEYS, domain: DOMAIN },
      messageIds: { keys: KEYS, domain: DOMAIN },
      ...(autoReplyLimit ? { autoReplyLimit } : {}),
    },
    maxBatchSize: 1000,
    worker: { autoStart: true, pollMs: 50, concurrency: CONCURRENCY, backoff: { baseMs: 50, maxMs: 200 } },
  });
  const lists = await createListsApp({
    mailroom: t.mailroom,
    store: t.store,
    config: { domain: DOMAIN, publicUrl: `${t.url}/lists`, keys: KEYS, secureCookies: false },
  });
  t.app.route('/lists', lists.web);
  const list = await createList(t.store.db, { slug: 'dev', name: 'Dev' });
  const members = Array.from({ length: memberCount }, (_, i) => `m${i}@members.test`);
  for (const address of members) await upsertMember(t.store.db, list.id, { address });
  await upsertMember(t.store.db, list.id, { address: MOD, role: 'moderator' });
  t.mailroom.start();
  lists.start();
  running = { t, lists, list, members };
  return running;
}

/** Posts like SendGrid over HTTP, `concurrency` at a time; every post must be stored (200). */
async function postAll(r: Running, descriptions: InboundDescription[]): Promise<string[]> {
  const ids: string[] = [];
  const refused: string[] = [];
  await pool(descriptions, 8, async (description) => {
    const response = await fetch(
      inboundRequest(description, { sign: TEST_KEY_PAIR, url: `${r.t.url}/webhooks/sendgrid/parse` }),
    );
    const body = (await response.json()) as { id?: string };
    if (response.status === 200 && body.id) ids.push(body.id);
    else refused.push(`${response.status} ${JSON.stringify(body)}`);
  });
  expect(refused).toEqual([]);
  return ids;
}

/** Waits until the worker, the fan-out and the deliverer have nothing left. */
async function settled(r: Running): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const busyInbound = await r.t.store.inbox.list({ status: ['pending', 'processing'], limit: 1 });
    const busyOutbox = await listOutbound(r.t.store.db, { status: ['queued', 'sending'], limit: 1 });
    const busyFanout = await r.t.store.db
      .select()
      .from(listsSchema.distributions)
      .where(eq(listsSchema.distributions.status, 'pending'))
      .limit(1);
    if (busyInbound.length + busyOutbox.length + busyFanout.length === 0) return;
    if (Date.now() > deadline) throw new Error('the lists did not settle in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function statuses(r: Running, ids: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const id of ids) {
    const status = (await r.t.store.inbox.get(id))!.status;
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

const to = (sent: readonly PreparedMessage[], address: string) => sent.filter((m) => m.to[0]?.address === address);

describe('lists under forged senders, over real HTTP with the worker running', () => {
  it('forged member posts and unsubscribes publish nothing and remove nobody; authentic posts still go out', async () => {
    const r = await start(20);
    const forged = scaled(100, 20);
    const posts: InboundDescription[] = [];
    for (let i = 0; i < forged; i++)
      posts.push({
        from: r.members[i % r.members.length]!,
        to: LIST,
        subject: `Forged ${i}`,
        text: 'pay here',
        messageId: `<forged-${i}@attacker.test>`,
        ...FORGED,
      });
    for (const [i, member] of r.members.entries())
      posts.push({
        from: member,
        to: REQUEST,
        subject: 'unsubscribe',
        text: '',
        messageId: `<unsub-${i}@attacker.test>`,
        ...FORGED,
      });
    for (let i = 0; i < 5; i++)
      posts.push({
        from: r.members[i]!,
        to: LIST,
        subject: `Real ${i}`,
        text: 'hello',
        messageId: `<real-${i}@members.test>`,
      });
    const ids = await postAll(r, posts);
    await settled(r);

    expect(await statuses(r, ids)).toEqual({ delivered: posts.length });
    const published = await r.t.store.db.select().from(listsSchema.messages);
    expect(published.map((m) => m.subject).sort()).toEqual(['Real 0', 'Real 1', 'Real 2', 'Real 3', 'Real 4']);
    const held = await r.t.store.db.select().from(listsSchema.moderation);
    expect(held).toHaveLength(forged);
    expect(held.every((item) => item.reason.startsWith('sender not authenticated'))).toBe(true);
    const active = await r.t.store.db
      .select()
      .from(listsSchema.members)
      .where(eq(listsSchema.members.status, 'active'));
    expect(active).toHaveLength(r.members.length + 1);
    // Each member: 5 real posts and one fixed-text "confirm that you want to leave"; the moderator's notices are capped.
    for (const member of r.members)
      expect(
        to(r.t.sent, member)
          .map((m) => m.subject)
          .sort(),
      ).toEqual(['Real 0', 'Real 1', 'Real 2', 'Real 3', 'Real 4', '[dev] Confirm that you want to leave']);
    const notices = to(r.t.sent, MOD).filter((m) => m.subject.includes('Held for moderation'));
    expect(notices).toHaveLength(Math.min(forged, 20));
    recordFigures({
      scenario: 'forged-lists: forged posts/unsubscribes',
      sent: posts.length,
      ok2xx: ids.length,
      stored: ids.length,
      processed: ids.length,
      lost: 0,
      duplicates: 0,
      published: published.length,
      held: held.length,
      moderatorNotices: notices.length,
    });
  });

  it('forged subscribe/help from rotating addresses: at most 3 answers per victim and the global cap overall', async () => {
    const globalMax = 25;
    const r = await start(2, { globalMax });
    const victims = Array.from({ length: 10 }, (_, i) => `victim${i}@elsewhere.test`);
    const posts = victims.flatMap((victim, v) =>
      Array.from({ length: 6 }, (_, i) => ({
        from: `CHEAP PILLS http://spam.test <${victim}>`,
        to: REQUEST,
        subject: i % 2 ? 'subscribe' : 'help me http://spam.test',
        text: 'http://spam.test',
        messageId: `<bs-${v}-${i}@attacker.test>`,
        ...FORGED,
      })),
    );
    const ids = await postAll(r, posts);
    await settled(r);

    expect(await statuses(r, ids)).toEqual({ delivered: posts.length });
    const answers = r.t.sent.filter((m) => victims.includes(m.to[0]!.address));
    // The global count is not serialised: concurrent handlers may pass it by at most the worker's concurrency.
    expect(answers.length).toBeGreaterThanOrEqual(globalMax);
    expect(answers.length).toBeLessThanOrEqual(globalMax + CONCURRENCY);
    for (const victim of victims) expect(to(answers, victim).length).toBeLessThanOrEqual(3);
    expect(answers.every((m) => !/PILLS|spam\.test/.test(`${m.subject}\n${m.text}\n${m.to[0]!.name}`))).toBe(true);
    const joined = await r.t.store.db
      .select()
      .from(listsSchema.members)
      .where(inArray(listsSchema.members.address, victims));
    expect(joined.filter((m) => m.status === 'active')).toEqual([]);
    recordFigures({
      scenario: 'forged-lists: backscatter',
      sent: posts.length,
      ok2xx: ids.length,
      stored: ids.length,
      processed: ids.length,
      lost: 0,
      duplicates: 0,
      answers: answers.length,
      globalMax,
    });
  });

  it('an auto-responder that does not mark its mail gets at most 3 answers in 8 rounds', async () => {
    const r = await start(2);
    const bot = 'helpdesk@vendor.test';
    let subject = 'Question';
    const ids: string[] = [];
    for (let round = 1; round <= 8; round++) {
      ids.push(
        ...(await postAll(r, [
          {
            from: `Helpdesk <${bot}>`,
            to: REQUEST,
            subject,
            text: 'Thank you for your message. We will reply shortly.\n',
            messageId: `<round-${round}@vendor.test>`,
          },
        ])),
      );
      await settled(r);
      const ours = to(r.t.sent, bot).at(-1);
      if (ours) subject = `Re: ${ours.subject}`;
    }
    expect(await statuses(r, ids)).toEqual({ delivered: 8 });
    expect(to(r.t.sent, bot)).toHaveLength(3);
    recordFigures({
      scenario: 'forged-lists: unmarked auto-responder',
      sent: 8,
      ok2xx: 8,
      stored: 8,
      processed: 8,
      lost: 0,
      duplicates: 0,
      answers: 3,
    });
  });

  it('forged DSNs suspend nobody (no, made-up or borrowed Message-IDs, replays); real bounces of three messages still suspend', async () => {
    const r = await start(6);
    const [author, noId, madeUp, replayed, authentic] = r.members;
    const late = 'late@members.test';
    await postAll(
      r,
      [0, 1, 2].map((i) => ({
        from: author!,
        to: LIST,
        subject: `Topic ${i}`,
        text: 'hello',
        messageId: `<topic-${i}@members.test>`,
      })),
    );
    await settled(r);
    const copies = to(r.t.sent, authentic!).filter((m) => m.subject.startsWith('Topic '));
    expect(copies).toHaveLength(3);
    const realIds = copies.map((m) => m.messageId);
    // Joined after the posts went out: we never sent them any of these messages.
    await upsertMember(r.t.store.db, r.list.id, { address: late });

    const dsn = (i: number, failed: string, originalMessageId: string | null): InboundDescription => ({
      from: 'Mail Delivery System <MAILER-DAEMON@mx.attacker.test>',
      to: i % 2 ? LIST : REQUEST,
      subject: 'Undelivered Mail Returned to Sender',
      text: 'This is the mail system. Your message could not be delivered.',
      envelope: { from: '', to: [i % 2 ? LIST : REQUEST] },
      messageId: `<dsn-${i}@mx.attacker.test>`,
      attachments: [
        {
          filename: 'details.txt',
          contentType: 'message/delivery-status',
          content: `Reporting-MTA: dns; mx.attacker.test\n\nFinal-Recipient: rfc822; ${failed}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n`,
        },
        ...(originalMessageId
          ? [
              {
                filename: 'headers.txt',
                contentType: 'text/rfc822-headers',
                content: `From: ${LIST}\nTo: ${failed}\nMessage-ID: <${originalMessageId}>\nSubject: Topic\n`,
              },
            ]
          : []),
      ],
    });
    const repeats = scaled(10, 3);
    const forged: InboundDescription[] = [];
    for (let i = 0; i < repeats; i++) {
      forged.push(dsn(forged.length, noId!, null));
      forged.push(dsn(forged.length, madeUp!, `forged-${i}@${DOMAIN}`));
      forged.push(dsn(forged.length, replayed!, realIds[0]!)); // a member's copy shows everyone the Message-ID
      forged.push(dsn(forged.length, late, realIds[i % 3]!));
    }
    const real = realIds.map((id, i) => ({
      ...dsn(1000 + i, authentic!, id),
      from: 'Mail Delivery System <MAILER-DAEMON@mx.members.test>',
    }));
    const ids = await postAll(r, [...forged, ...real]);
    await settled(r);

    expect(await statuses(r, ids)).toEqual({ ignored: forged.length + real.length });
    const member = async (address: string) =>
      (await r.t.store.db.select().from(listsSchema.members).where(eq(listsSchema.members.address, address)))[0]!;
    for (const address of [noId!, madeUp!, late])
      expect(await member(address), address).toMatchObject({ status: 'active', bounceScore: 0 });
    expect(await member(replayed!)).toMatchObject({ status: 'active', bounceScore: 1 });
    expect(await member(authentic!)).toMatchObject({ status: 'suspended', bounceScore: 3 });
    const notes = await Promise.all(ids.map(async (id) => (await r.t.store.inbox.get(id))!.note ?? ''));
    expect(
      notes.filter((n) => n === 'bounce ignored: it names no signed Message-ID of a list message of ours'),
    ).toHaveLength(2 * repeats);
    expect(notes.filter((n) => n === '1 failed recipient(s) ignored: we did not send them this message')).toHaveLength(
      repeats,
    );
    expect(notes.filter((n) => n === `already counted for this message: ${replayed}`)).toHaveLength(repeats - 1);
    const probes = r.t.sent.filter((m) => m.customArgs.lists_notice === 'probe');
    expect(probes.map((m) => m.to[0]!.address)).toEqual([authentic]);
    recordFigures({
      scenario: 'forged-lists: forged DSNs',
      sent: ids.length,
      ok2xx: ids.length,
      stored: ids.length,
      processed: ids.length,
      lost: 0,
      duplicates: 0,
      forgedDsns: forged.length,
      suspendedByForgery: 0,
      realBounces: real.length,
    });
  });

  it('member posts whose subjects decode to CR/LF are redistributed, and none fails', async () => {
    const r = await start(5);
    const count = 10;
    const posts = Array.from({ length: count }, (_, i) => ({
      mode: 'raw' as const,
      from: r.members[i % 5]!,
      to: LIST,
      subject: `Line ${i}\r\nBcc: victim@evil.test`,
      text: 'body',
      messageId: `<crlf-${i}@members.test>`,
    }));
    const ids = await postAll(r, posts);
    await settled(r);

    expect(await statuses(r, ids)).toEqual({ delivered: count });
    const copies = r.t.sent.filter((m) => m.subject.startsWith('Line '));
    expect(copies).toHaveLength(count * 6);
    expect(
      copies.every(
        (m) => m.subject.endsWith(' Bcc: victim@evil.test') && !/[\r\n]/.test(m.subject) && m.bcc.length === 0,
      ),
    ).toBe(true);
    recordFigures({
      scenario: 'forged-lists: CR/LF subjects',
      sent: count,
      ok2xx: count,
      stored: count,
      processed: count,
      lost: 0,
      duplicates: 0,
      copies: copies.length,
    });
  });
});
