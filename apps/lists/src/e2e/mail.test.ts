import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listOutbound, type PreparedMessage } from '@mailroom/core';
import { distributions, memberEvents, members, messages, moderation } from '../db/schema.js';
import { createList, threadMessages, upsertMember, type List } from '../service.js';
import { DOMAIN, startHarness, type Harness } from '../testing/harness.js';

const LIST = `dev@${DOMAIN}`;
const ALICE = 'alice@members.test';
const BOB = 'bob@members.test';
const CAROL = 'carol@members.test';
const MOD = 'mod@members.test';

let h: Harness;
let list: List;

beforeEach(async () => {
  h = await startHarness();
  list = await createList(h.db, { slug: 'dev', name: 'Dev', description: 'Development talk' });
  await upsertMember(h.db, list.id, { address: ALICE, name: 'Alice' });
  await upsertMember(h.db, list.id, { address: BOB, name: 'Bob' });
  await upsertMember(h.db, list.id, { address: CAROL });
  await upsertMember(h.db, list.id, { address: MOD, name: 'Moderator', role: 'moderator' });
});
afterEach(async () => h.close());

const header = (m: PreparedMessage, name: string) => m.headers[name];
const copyTo = (sent: PreparedMessage[], address: string) => sent.find((m) => m.to[0]?.address === address);
/** The address inside `<mailto:…>`. */
const mailto = (value: string | undefined) => /<mailto:([^>?]+)/.exec(value ?? '')?.[1] ?? '';

async function startThread(): Promise<{ copies: PreparedMessage[] }> {
  const before = h.sent().length;
  const response = await h.post({ from: `Alice <${ALICE}>`, to: LIST, subject: 'Release plan', text: 'Shall we release on Friday?\n', messageId: '<first@members.test>' });
  expect(response.status).toBe(200);
  return { copies: h.sent().slice(before) };
}

describe('posting and redistribution', () => {
  it('sends every active member a personal copy with list, threading and tracking headers, in one batched request', async () => {
    await upsertMember(h.db, list.id, { address: 'gone@members.test', status: 'unsubscribed' });
    const { copies } = await startThread();
    expect(h.results.at(-1)).toMatchObject({ outcome: 'published' });
    expect(copies.map((m) => m.to[0]!.address).sort()).toEqual([ALICE, BOB, CAROL, MOD].sort());
    expect(h.batches.at(-1)).toHaveLength(4); // one provider request for the whole list

    const [stored] = await h.db.select().from(messages);
    const bob = copyTo(copies, BOB)!;
    expect(bob.from).toEqual({ address: LIST, name: 'Alice via Dev' });
    expect(bob.subject).toBe('Release plan');
    expect(bob.text).toBe('Shall we release on Friday?\n');
    expect(bob.messageId).toBe(stored!.messageId);
    expect(h.lists.services.messageIds.verifyMessageId(bob.messageId)?.scope).toBe(`m:${stored!.id}`);
    expect(header(bob, 'List-Id')).toBe('Dev <dev.lists.example.com>');
    expect(header(bob, 'List-Archive')).toBe('<https://example.com/lists/archive/dev>');
    expect(header(bob, 'List-Help')).toBe(`<mailto:dev-request@${DOMAIN}?subject=help>`);
    expect(header(bob, 'List-Unsubscribe')).toMatch(new RegExp(`^<https://example\\.com/lists/unsubscribe/[a-z0-9]+>, <mailto:dev-request@${DOMAIN}\\?subject=unsubscribe>$`));
    expect(header(bob, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header(bob, 'Precedence')).toBe('list');
    expect(header(bob, 'X-Loop')).toBe(LIST);
    // The personal reply address is bound to Bob; the shared Reply-To leads to the thread.
    const personal = mailto(header(bob, 'List-Post'));
    expect(h.lists.services.replyAddresses.verify(personal, { recipient: BOB })).toMatchObject({ ok: true, scope: `t:${stored!.threadId}` });
    expect(h.lists.services.replyAddresses.verify(personal, { recipient: CAROL })).toMatchObject({ ok: false, reason: 'wrong-recipient' });
    expect(mailto(header(copyTo(copies, CAROL)!, 'List-Post'))).not.toBe(personal);
    expect(bob.replyTo[0]!.address).toBe(copyTo(copies, CAROL)!.replyTo[0]!.address);
    expect(h.lists.services.replyAddresses.verify(bob.replyTo[0]!.address)).toMatchObject({ ok: true, scope: `t:${stored!.threadId}` });
    const bobMember = (await h.db.select().from(members).where(eq(members.address, BOB)))[0]!;
    expect(bob.customArgs).toMatchObject({ lists_list: list.id, lists_thread: stored!.threadId, lists_member: bobMember.id, lists_message: stored!.id });
    expect(bob.customArgs.mailroom_id).toBe(bob.id);
    // The outbox holds them as sent, with the same batch key.
    const outbox = await listOutbound(h.store.db, { limit: 10 });
    expect(outbox.filter((r) => r.batchKey === `lists:${stored!.id}` && r.status === 'sent')).toHaveLength(4);
  });

  it('a reply to a personal address joins the thread: the archive keeps the new text, members get it as written', async () => {
    const { copies } = await startThread();
    const toBob = copyTo(copies, BOB)!;
    const replyText = 'Friday works for me.\n\nOn Mon, Alice wrote:\n> Shall we release on Friday?\n';
    await h.post({ from: `Bob <${BOB}>`, to: mailto(header(toBob, 'List-Post')), subject: 'Re: Release plan', text: replyText, inReplyTo: `<${toBob.messageId}>` });
    const result = h.results.at(-1)!;
    expect(result).toMatchObject({ outcome: 'published' });
    const [first] = await h.db.select().from(messages).where(eq(messages.sourceMessageId, 'first@members.test'));
    const thread = await threadMessages(h.db, first!.threadId);
    expect(thread.map((m) => m.authorAddress)).toEqual([ALICE, BOB]);
    expect(thread[1]!.newText).toBe('Friday works for me.');
    expect(thread[1]!.fullText).toBe(replyText);
    const replyCopies = h.sent().filter((m) => m.messageId === thread[1]!.messageId);
    expect(replyCopies).toHaveLength(4);
    expect(replyCopies[0]!.text).toBe(replyText);
    expect(replyCopies[0]!.inReplyTo).toBe(first!.messageId);
    expect(replyCopies[0]!.references).toEqual([first!.messageId]);
  });

  it('a reply to the list address with In-Reply-To of our Message-ID joins the thread', async () => {
    const { copies } = await startThread();
    const toCarol = copyTo(copies, CAROL)!;
    await h.post({ from: CAROL, to: LIST, subject: 'Re: Release plan', text: 'Fine by me.\n\n> Shall we release on Friday?\n', inReplyTo: `<${toCarol.messageId}>`, references: [`<${toCarol.messageId}>`] });
    const [first] = await h.db.select().from(messages).where(eq(messages.sourceMessageId, 'first@members.test'));
    const thread = await threadMessages(h.db, first!.threadId);
    expect(thread).toHaveLength(2);
    expect(thread[1]!.newText).toBe('Fine by me.');
  });

  it('a reply from someone else than the address the reply address was issued to is held for moderation', async () => {
    const { copies } = await startThread();
    const sentBefore = h.sent().length;
    await h.post({ from: CAROL, to: mailto(header(copyTo(copies, BOB)!, 'List-Post')), subject: 'Re: Release plan', text: 'I am Bob, honestly.' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'held', reason: 'reply address was issued to a different address than the sender' });
    expect(await h.db.select().from(messages)).toHaveLength(1);
    // Only the moderation notice went out, to the moderator.
    const after = h.sent().slice(sentBefore);
    expect(after.map((m) => m.to[0]!.address)).toEqual([MOD]);
    expect(after[0]!.subject).toBe('[dev] Held for moderation: Re: Release plan');
  });

  it('an out-of-office reply is recorded for the member and never redistributed', async () => {
    const { copies } = await startThread();
    const sentBefore = h.sent().length;
    const toBob = copyTo(copies, BOB)!;
    await h.post({
      from: BOB,
      to: toBob.replyTo[0]!.address,
      subject: 'Out of Office: Release plan',
      text: 'I am away until Monday.',
      headers: { 'Auto-Submitted': 'auto-replied' },
      inReplyTo: `<${toBob.messageId}>`,
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored' });
    expect((h.results.at(-1) as { reason: string }).reason).toMatch(/^out-of-office/);
    expect(h.sent().length).toBe(sentBefore);
    expect(await h.db.select().from(messages)).toHaveLength(1);
    const events = await h.db.select().from(memberEvents).where(eq(memberEvents.kind, 'out-of-office'));
    expect(events.map((e) => e.address)).toEqual([BOB]);
  });

  it('drops mail carrying our own List-Id or loop marker', async () => {
    await h.post({ from: ALICE, to: LIST, subject: 'Echo', text: 'looped', headers: { 'List-Id': 'Dev <dev.lists.example.com>' } });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored', reason: 'loop: carries our own List-Id <dev.lists.example.com>' });
    await h.post({ from: ALICE, to: LIST, subject: 'Echo 2', text: 'looped', headers: { 'X-Loop': LIST } });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored' });
    expect((h.results.at(-1) as { reason: string }).reason).toMatch(/^loop/);
    expect(h.sent()).toHaveLength(0);
    expect(await h.db.select().from(messages)).toHaveLength(0);
  });
});

describe('fan-out in chunks', () => {
  it('queues members chunk by chunk after the handler committed, and every active member gets one copy', async () => {
    await h.close();
    h = await startHarness({ fanoutChunk: 3 });
    list = await createList(h.db, { slug: 'dev', name: 'Dev' });
    const addresses = Array.from({ length: 8 }, (_, i) => `m${i}@members.test`);
    for (const address of addresses) await upsertMember(h.db, list.id, { address });
    await h.post({ from: addresses[0]!, to: LIST, subject: 'Chunked', text: 'to everyone' });
    expect(h.sent().map((m) => m.to[0]!.address).sort()).toEqual(addresses);
    const [distribution] = await h.db.select().from(distributions);
    expect(distribution).toMatchObject({ status: 'done', queued: 8 });
    // Chunks are queued in separate transactions, but the copies are identical apart from the personalization,
    // so the deliverer sends them in one request.
    expect(h.batches.map((b) => b.length)).toEqual([8]);
    expect(new Set(h.sent().map((m) => m.replyTo[0]!.address)).size).toBe(1);
  });
});

describe('bounces', () => {
  const dsn = (address: string, originalMessageId: string) => ({
    from: `Mail Delivery System <MAILER-DAEMON@mx.members.test>`,
    to: LIST,
    subject: 'Undelivered Mail Returned to Sender',
    text: 'This is the mail system. Your message could not be delivered.',
    envelope: { from: '', to: [LIST] },
    attachments: [
      {
        filename: 'details.txt',
        contentType: 'message/delivery-status',
        content: `Reporting-MTA: dns; mx.members.test\n\nFinal-Recipient: rfc822; ${address}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n`,
      },
      { filename: 'headers.txt', contentType: 'text/rfc822-headers', content: `From: ${LIST}\nTo: ${address}\nMessage-ID: <${originalMessageId}>\nSubject: Release plan\n` },
    ],
  });

  it('DSNs raise the bounce score; at the threshold the member is suspended, probed, and no longer receives posts', async () => {
    const { copies } = await startThread();
    const id = copyTo(copies, BOB)!.messageId;
    for (let i = 1; i <= 3; i++) {
      await h.post({ ...dsn(BOB, id), messageId: `<dsn-${i}@mx.members.test>` });
      expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored', reason: `bounce recorded for ${BOB}` });
    }
    const [bob] = await h.db.select().from(members).where(eq(members.address, BOB));
    expect(bob).toMatchObject({ status: 'suspended', bounceScore: 3 });
    const probe = h.sent().find((m) => m.customArgs.lists_notice === 'probe');
    expect(probe?.to[0]?.address).toBe(BOB);
    expect(h.sent().filter((m) => m.customArgs.lists_notice === 'probe')).toHaveLength(1);

    const before = h.sent().length;
    await h.post({ from: ALICE, to: LIST, subject: 'Next', text: 'another post' });
    expect(h.sent().slice(before).map((m) => m.to[0]!.address).sort()).toEqual([ALICE, CAROL, MOD].sort());

    // Replying to the probe resumes the subscription.
    await h.post({ from: BOB, to: probe!.replyTo[0]!.address, subject: 'Re: suspended', text: 'I am here' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'confirm', detail: 'subscription active' });
    expect((await h.db.select().from(members).where(eq(members.address, BOB)))[0]).toMatchObject({ status: 'active', bounceScore: 0 });
  });

  it('Event Webhook bounce/dropped events suspend at the threshold; a spam report unsubscribes', async () => {
    const { copies } = await startThread();
    const carol = copyTo(copies, CAROL)!;
    const event = (i: number, kind: string, extra: Record<string, unknown> = {}) => ({
      email: CAROL,
      event: kind,
      timestamp: 1_790_000_000 + i,
      sg_event_id: `evt-${kind}-${i}`,
      sg_message_id: `capture-1.filter-${i}`,
      ...carol.customArgs,
      ...extra,
    });
    const response = await h.postEvents([
      event(1, 'bounce', { type: 'bounce', reason: '550 5.1.1 no such user', status: '5.1.1' }),
      event(2, 'dropped', { reason: 'Bounced Address' }),
    ]);
    expect(response.status).toBe(200);
    expect((await h.db.select().from(members).where(eq(members.address, CAROL)))[0]).toMatchObject({ status: 'active', bounceScore: 2 });
    // A block is about us, not Carol's mailbox: no point.
    await h.postEvents([event(3, 'bounce', { type: 'blocked', reason: 'blocked by policy' })]);
    expect((await h.db.select().from(members).where(eq(members.address, CAROL)))[0]!.bounceScore).toBe(2);
    await h.postEvents([event(4, 'bounce', { type: 'bounce', reason: 'mailbox gone', status: '5.1.1' })]);
    expect((await h.db.select().from(members).where(eq(members.address, CAROL)))[0]).toMatchObject({ status: 'suspended', bounceScore: 3 });
    expect(h.sent().some((m) => m.customArgs.lists_notice === 'probe' && m.to[0]!.address === CAROL)).toBe(true);

    const bob = copyTo(copies, BOB)!;
    await h.postEvents([{ email: BOB, event: 'spamreport', timestamp: 1_790_000_100, sg_event_id: 'evt-spam', ...bob.customArgs }]);
    expect((await h.db.select().from(members).where(eq(members.address, BOB)))[0]!.status).toBe('unsubscribed');
    const kinds = (await h.db.select().from(memberEvents)).map((e) => `${e.address} ${e.kind}`);
    expect(kinds).toEqual(expect.arrayContaining([`${CAROL} bounce`, `${CAROL} suspended`, `${CAROL} probe`, `${BOB} spam-report`, `${BOB} unsubscribed`]));
  });
});

describe('moderation and commands', () => {
  it('a non-member post is held, and the moderator approves it by replying to the notice', async () => {
    await h.post({ from: 'Stranger <stranger@elsewhere.test>', to: LIST, subject: 'Hello list', text: 'May I join the discussion?' });
    const held = h.results.at(-1)!;
    expect(held).toMatchObject({ outcome: 'held', reason: 'sender is not a member' });
    const notice = h.sent().at(-1)!;
    expect(notice.to[0]!.address).toBe(MOD);
    expect(notice.text).toContain('May I join the discussion?');
    expect(await h.db.select().from(messages)).toHaveLength(0);

    // Someone else answering with the moderator's notice address is not obeyed.
    await h.post({ from: ALICE, to: notice.replyTo[0]!.address, subject: 'Re: held', text: 'approve' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored', reason: 'moderation reply from an address the notice was not sent to' });

    const before = h.sent().length;
    await h.post({ from: MOD, to: notice.replyTo[0]!.address, subject: `Re: ${notice.subject}`, text: 'Approve\n\nOn Tue, Dev list wrote:\n> A message was held' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'moderated', decision: 'approve' });
    const [item] = await h.db.select().from(moderation);
    expect(item).toMatchObject({ status: 'approved', decidedBy: MOD });
    const [published] = await h.db.select().from(messages);
    expect(published).toMatchObject({ authorAddress: 'stranger@elsewhere.test', subject: 'Hello list', newText: 'May I join the discussion?' });
    expect(h.sent().slice(before).map((m) => m.to[0]!.address).sort()).toEqual([ALICE, BOB, CAROL, MOD].sort());
    expect(h.sent().at(-1)!.from.name).toBe('Stranger via Dev');

    // A second decision is refused.
    await h.post({ from: MOD, to: notice.replyTo[0]!.address, subject: 'Re: again', text: 'reject', messageId: '<again@members.test>' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored', reason: 'already approved' });
  });

  it('announce-only and moderated policies hold members posts; moderators post directly', async () => {
    const { db } = h;
    const news = await createList(db, { slug: 'news', name: 'News', policy: 'announce' });
    await upsertMember(db, news.id, { address: ALICE });
    await upsertMember(db, news.id, { address: MOD, role: 'owner' });
    await h.post({ from: ALICE, to: `news@${DOMAIN}`, subject: 'Hi', text: 'member post' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'held', reason: 'announce-only list: only moderators and owners post' });
    await h.post({ from: MOD, to: `news@${DOMAIN}`, subject: 'Announcement', text: 'owner post' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'published' });
  });

  it('subscribe by email needs a confirmation round-trip; unsubscribe and help work by email', async () => {
    await h.post({ from: 'New Person <new@members.test>', to: `dev-request@${DOMAIN}`, subject: 'subscribe', text: '' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'subscribe', detail: 'confirmation-sent' });
    expect((await h.db.select().from(members).where(eq(members.address, 'new@members.test')))[0]!.status).toBe('pending');
    const confirmation = h.sent().at(-1)!;
    expect(confirmation.to[0]!.address).toBe('new@members.test');
    await h.post({ from: 'new@members.test', to: confirmation.replyTo[0]!.address, subject: `Re: ${confirmation.subject}`, text: 'yes' });
    expect((await h.db.select().from(members).where(eq(members.address, 'new@members.test')))[0]!.status).toBe('active');

    await h.post({ from: CAROL, to: LIST, subject: 'unsubscribe', text: '' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'unsubscribe', detail: 'unsubscribed' });
    expect((await h.db.select().from(members).where(eq(members.address, CAROL)))[0]!.status).toBe('unsubscribed');

    await h.post({ from: 'curious@elsewhere.test', to: `dev-request@${DOMAIN}`, subject: 'what is this?', text: 'help' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'help' });
    expect(h.sent().at(-1)!.text).toContain(`Post: write to ${LIST}`);
  });

  it('mail to an unknown list bounces', async () => {
    await h.post({ from: ALICE, to: `nope@${DOMAIN}`, subject: 'x', text: 'y' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'bounced', reason: 'no list named "nope"' });
  });
});
