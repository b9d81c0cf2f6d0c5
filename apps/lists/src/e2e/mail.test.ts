import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PreparedMessage } from '@mailroom/core';
import { listOutbound } from '@mailroom/core/outbound';
import { distributions, memberEvents, members, messages, moderation } from '../db/schema.js';
import { createList, threadMessages, upsertMember, type List } from '../domain/index.js';
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
const memberRow = async (address: string) => (await h.db.select().from(members).where(eq(members.address, address)))[0];
/** The confirmation link in a message's text. */
const linkIn = (m: PreparedMessage) =>
  /https:\/\/example\.com\/lists\/confirm\/[a-z0-9]+/.exec(m.text ?? '')?.[0] ?? '';
/** Opens a confirmation link like a person: GET shows the question, POST applies it. */
async function openLink(link: string, question: string): Promise<void> {
  expect(link).not.toBe('');
  const url = link.replace('https://example.com', h.url);
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(question);
  const applied = await fetch(url, { method: 'POST' });
  expect(applied.status).toBe(200);
}
const copyTo = (sent: PreparedMessage[], address: string) => sent.find((m) => m.to[0]?.address === address);
/** The address inside `<mailto:…>`. */
const mailto = (value: string | undefined) => /<mailto:([^>?]+)/.exec(value ?? '')?.[1] ?? '';

async function startThread(): Promise<{ copies: PreparedMessage[] }> {
  const before = h.sent().length;
  const response = await h.post({
    from: `Alice <${ALICE}>`,
    to: LIST,
    subject: 'Release plan',
    text: 'Shall we release on Friday?\n',
    messageId: '<first@members.test>',
  });
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
    expect(header(bob, 'List-Unsubscribe')).toMatch(
      new RegExp(
        `^<https://example\\.com/lists/unsubscribe/[a-z0-9]+>, <mailto:dev-request@${DOMAIN}\\?subject=unsubscribe>$`,
      ),
    );
    expect(header(bob, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header(bob, 'Precedence')).toBe('list');
    expect(header(bob, 'X-Loop')).toBe(LIST);
    // The personal reply address is bound to Bob; the shared Reply-To leads to the thread.
    const personal = mailto(header(bob, 'List-Post'));
    expect(h.lists.services.replyAddresses.verify(personal, { recipient: BOB })).toMatchObject({
      ok: true,
      scope: `t:${stored!.threadId}`,
    });
    expect(h.lists.services.replyAddresses.verify(personal, { recipient: CAROL })).toMatchObject({
      ok: false,
      reason: 'wrong-recipient',
    });
    expect(mailto(header(copyTo(copies, CAROL)!, 'List-Post'))).not.toBe(personal);
    expect(bob.replyTo[0]!.address).toBe(copyTo(copies, CAROL)!.replyTo[0]!.address);
    expect(h.lists.services.replyAddresses.verify(bob.replyTo[0]!.address)).toMatchObject({
      ok: true,
      scope: `t:${stored!.threadId}`,
    });
    const bobMember = (await h.db.select().from(members).where(eq(members.address, BOB)))[0]!;
    expect(bob.customArgs).toMatchObject({
      lists_list: list.id,
      lists_thread: stored!.threadId,
      lists_member: bobMember.id,
      lists_message: stored!.id,
    });
    expect(bob.customArgs.mailroom_id).toBe(bob.id);
    // The outbox holds them as sent, with the same batch key.
    const outbox = await listOutbound(h.store.db, { limit: 10 });
    expect(outbox.filter((r) => r.batchKey === `lists:${stored!.id}` && r.status === 'sent')).toHaveLength(4);
  });

  it('a reply to a personal address joins the thread: the archive keeps the new text, members get it as written', async () => {
    const { copies } = await startThread();
    const toBob = copyTo(copies, BOB)!;
    const replyText = 'Friday works for me.\n\nOn Mon, Alice wrote:\n> Shall we release on Friday?\n';
    await h.post({
      from: `Bob <${BOB}>`,
      to: mailto(header(toBob, 'List-Post')),
      subject: 'Re: Release plan',
      text: replyText,
      inReplyTo: `<${toBob.messageId}>`,
    });
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
    await h.post({
      from: CAROL,
      to: LIST,
      subject: 'Re: Release plan',
      text: 'Fine by me.\n\n> Shall we release on Friday?\n',
      inReplyTo: `<${toCarol.messageId}>`,
      references: [`<${toCarol.messageId}>`],
    });
    const [first] = await h.db.select().from(messages).where(eq(messages.sourceMessageId, 'first@members.test'));
    const thread = await threadMessages(h.db, first!.threadId);
    expect(thread).toHaveLength(2);
    expect(thread[1]!.newText).toBe('Fine by me.');
  });

  it('a reply from someone else than the address the reply address was issued to is held for moderation', async () => {
    const { copies } = await startThread();
    const sentBefore = h.sent().length;
    await h.post({
      from: CAROL,
      to: mailto(header(copyTo(copies, BOB)!, 'List-Post')),
      subject: 'Re: Release plan',
      text: 'I am Bob, honestly.',
    });
    expect(h.results.at(-1)).toMatchObject({
      outcome: 'held',
      reason: 'reply address was issued to a different address than the sender',
    });
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

  it('a feedback report (complaint) to the list is dropped, never redistributed', async () => {
    await startThread();
    const sentBefore = h.sent().length;
    await h.post({
      from: 'Feedback Loop <fbl@isp.example>',
      to: LIST,
      subject: 'Abuse report',
      text: 'A user of ours marked the attached message as spam.',
      attachments: [
        {
          filename: 'report.txt',
          contentType: 'message/feedback-report',
          content: 'Feedback-Type: abuse\nUser-Agent: IspFbl/1.0\nVersion: 1\n',
        },
      ],
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored' });
    expect((h.results.at(-1) as { reason: string }).reason).toMatch(/^complaint/);
    expect(h.sent().length).toBe(sentBefore);
    expect(await h.db.select().from(messages)).toHaveLength(1);
  });

  it('drops mail carrying our own List-Id or loop marker', async () => {
    await h.post({
      from: ALICE,
      to: LIST,
      subject: 'Echo',
      text: 'looped',
      headers: { 'List-Id': 'Dev <dev.lists.example.com>' },
    });
    expect(h.results.at(-1)).toMatchObject({
      outcome: 'ignored',
      reason: 'loop: carries our own List-Id <dev.lists.example.com>',
    });
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
    expect(
      h
        .sent()
        .map((m) => m.to[0]!.address)
        .sort(),
    ).toEqual(addresses);
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
      {
        filename: 'headers.txt',
        contentType: 'text/rfc822-headers',
        content: `From: ${LIST}\nTo: ${address}\nMessage-ID: <${originalMessageId}>\nSubject: Release plan\n`,
      },
    ],
  });

  it('DSNs raise the bounce score; at the threshold the member is suspended, probed, and no longer receives posts', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const before = h.sent().length;
      await h.post({
        from: `Alice <${ALICE}>`,
        to: LIST,
        subject: `Post ${i}`,
        text: 'hello\n',
        messageId: `<post-${i}@members.test>`,
      });
      ids.push(copyTo(h.sent().slice(before), BOB)!.messageId);
    }
    // A second report about the same message counts once.
    await h.post({ ...dsn(BOB, ids[0]!), messageId: '<dsn-0@mx.members.test>' });
    await h.post({ ...dsn(BOB, ids[0]!), messageId: '<dsn-0-again@mx.members.test>' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored', reason: `already counted for this message: ${BOB}` });
    for (const [i, id] of ids.slice(1).entries()) {
      await h.post({ ...dsn(BOB, id), messageId: `<dsn-${i + 1}@mx.members.test>` });
      expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored', reason: `bounce recorded for ${BOB}` });
    }
    const [bob] = await h.db.select().from(members).where(eq(members.address, BOB));
    expect(bob).toMatchObject({ status: 'suspended', bounceScore: 3 });
    const probe = h.sent().find((m) => m.customArgs.lists_notice === 'probe');
    expect(probe?.to[0]?.address).toBe(BOB);
    expect(h.sent().filter((m) => m.customArgs.lists_notice === 'probe')).toHaveLength(1);

    const before = h.sent().length;
    await h.post({ from: ALICE, to: LIST, subject: 'Next', text: 'another post' });
    expect(
      h
        .sent()
        .slice(before)
        .map((m) => m.to[0]!.address)
        .sort(),
    ).toEqual([ALICE, CAROL, MOD].sort());

    // Replying to the probe resumes the subscription.
    await h.post({ from: BOB, to: probe!.replyTo[0]!.address, subject: 'Re: suspended', text: 'I am here' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'confirm', detail: 'subscription active' });
    expect((await h.db.select().from(members).where(eq(members.address, BOB)))[0]).toMatchObject({
      status: 'active',
      bounceScore: 0,
    });
  });

  it('a DSN without our signed Message-ID, or naming someone we did not send the message to, counts nothing', async () => {
    const { copies } = await startThread();
    const id = copyTo(copies, BOB)!.messageId;
    await upsertMember(h.db, list.id, { address: 'late@members.test' });
    await h.post({ ...dsn(BOB, 'forged-1@members.test'), messageId: '<f1@mx.members.test>' });
    expect(h.results.at(-1)).toMatchObject({
      outcome: 'ignored',
      reason: 'bounce ignored: it names no signed Message-ID of a list message of ours',
    });
    // A signed-looking id on our domain whose signature does not verify.
    await h.post({
      ...dsn(BOB, `${id.slice(0, 5)}${id[5] === 'a' ? 'b' : 'a'}${id.slice(6)}`),
      messageId: '<f2@mx.members.test>',
    });
    expect(h.results.at(-1)).toMatchObject({
      outcome: 'ignored',
      reason: 'bounce ignored: it names no signed Message-ID of a list message of ours',
    });
    await h.post({ ...dsn('late@members.test', id), messageId: '<f3@mx.members.test>' });
    expect(h.results.at(-1)).toMatchObject({
      outcome: 'ignored',
      reason: '1 failed recipient(s) ignored: we did not send them this message',
    });
    for (const address of [BOB, 'late@members.test'])
      expect(await memberRow(address)).toMatchObject({ status: 'active', bounceScore: 0 });
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
    expect((await h.db.select().from(members).where(eq(members.address, CAROL)))[0]).toMatchObject({
      status: 'active',
      bounceScore: 2,
    });
    // A block is about us, not Carol's mailbox: no point.
    await h.postEvents([event(3, 'bounce', { type: 'blocked', reason: 'blocked by policy' })]);
    expect((await h.db.select().from(members).where(eq(members.address, CAROL)))[0]!.bounceScore).toBe(2);
    await h.postEvents([event(4, 'bounce', { type: 'bounce', reason: 'mailbox gone', status: '5.1.1' })]);
    expect((await h.db.select().from(members).where(eq(members.address, CAROL)))[0]).toMatchObject({
      status: 'suspended',
      bounceScore: 3,
    });
    expect(h.sent().some((m) => m.customArgs.lists_notice === 'probe' && m.to[0]!.address === CAROL)).toBe(true);

    const bob = copyTo(copies, BOB)!;
    await h.postEvents([
      { email: BOB, event: 'spamreport', timestamp: 1_790_000_100, sg_event_id: 'evt-spam', ...bob.customArgs },
    ]);
    expect((await h.db.select().from(members).where(eq(members.address, BOB)))[0]!.status).toBe('unsubscribed');
    const kinds = (await h.db.select().from(memberEvents)).map((e) => `${e.address} ${e.kind}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        `${CAROL} bounce`,
        `${CAROL} suspended`,
        `${CAROL} probe`,
        `${BOB} spam-report`,
        `${BOB} unsubscribed`,
      ]),
    );
  });
});

describe('moderation and commands', () => {
  it('a non-member post is held, and the moderator approves it by replying to the notice', async () => {
    await h.post({
      from: 'Stranger <stranger@elsewhere.test>',
      to: LIST,
      subject: 'Hello list',
      text: 'May I join the discussion?',
    });
    const held = h.results.at(-1)!;
    expect(held).toMatchObject({ outcome: 'held', reason: 'sender is not a member' });
    const notice = h.sent().at(-1)!;
    expect(notice.to[0]!.address).toBe(MOD);
    expect(notice.text).toContain('May I join the discussion?');
    expect(await h.db.select().from(messages)).toHaveLength(0);

    // Someone else answering with the moderator's notice address is not obeyed.
    await h.post({ from: ALICE, to: notice.replyTo[0]!.address, subject: 'Re: held', text: 'approve' });
    expect(h.results.at(-1)).toMatchObject({
      outcome: 'ignored',
      reason: 'moderation reply from an address the notice was not sent to',
    });

    const before = h.sent().length;
    await h.post({
      from: MOD,
      to: notice.replyTo[0]!.address,
      subject: `Re: ${notice.subject}`,
      text: 'Approve\n\nOn Tue, Dev list wrote:\n> A message was held',
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'moderated', decision: 'approve' });
    const [item] = await h.db.select().from(moderation);
    expect(item).toMatchObject({ status: 'approved', decidedBy: MOD });
    const [published] = await h.db.select().from(messages);
    expect(published).toMatchObject({
      authorAddress: 'stranger@elsewhere.test',
      subject: 'Hello list',
      newText: 'May I join the discussion?',
    });
    expect(
      h
        .sent()
        .slice(before)
        .map((m) => m.to[0]!.address)
        .sort(),
    ).toEqual([ALICE, BOB, CAROL, MOD].sort());
    expect(h.sent().at(-1)!.from.name).toBe('Stranger via Dev');

    // A second decision is refused.
    await h.post({
      from: MOD,
      to: notice.replyTo[0]!.address,
      subject: 'Re: again',
      text: 'reject',
      messageId: '<again@members.test>',
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored', reason: 'already approved' });
  });

  it('announce-only and moderated policies hold members posts; moderators post directly', async () => {
    const { db } = h;
    const news = await createList(db, { slug: 'news', name: 'News', policy: 'announce' });
    await upsertMember(db, news.id, { address: ALICE });
    await upsertMember(db, news.id, { address: MOD, role: 'owner' });
    await h.post({ from: ALICE, to: `news@${DOMAIN}`, subject: 'Hi', text: 'member post' });
    expect(h.results.at(-1)).toMatchObject({
      outcome: 'held',
      reason: 'announce-only list: only moderators and owners post',
    });
    await h.post({ from: MOD, to: `news@${DOMAIN}`, subject: 'Announcement', text: 'owner post' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'published' });
  });

  it('subscribe and unsubscribe by email mail a confirmation link; the membership changes only when it is opened', async () => {
    await h.post({
      from: 'New Person <new@members.test>',
      to: `dev-request@${DOMAIN}`,
      subject: 'subscribe',
      text: '',
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'subscribe', detail: 'confirmation sent' });
    expect((await memberRow('new@members.test'))!.status).toBe('pending');
    const confirmation = h.sent().at(-1)!;
    expect(confirmation.to).toEqual([{ address: 'new@members.test', name: '' }]);
    expect(confirmation.subject).toBe('[dev] Confirm your subscription');
    expect(confirmation.headers['Auto-Submitted']).toBe('auto-replied');
    // Replying to the confirmation does nothing: only the link confirms.
    await h.post({
      from: 'new@members.test',
      to: `dev-request@${DOMAIN}`,
      subject: `Re: ${confirmation.subject}`,
      text: 'yes',
    });
    expect((await memberRow('new@members.test'))!.status).toBe('pending');
    await openLink(linkIn(confirmation), 'Subscribe new@members.test to Dev?');
    expect((await memberRow('new@members.test'))!.status).toBe('active');

    await h.post({ from: CAROL, to: LIST, subject: 'unsubscribe', text: '' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'unsubscribe', detail: 'confirmation sent' });
    expect((await memberRow(CAROL))!.status).toBe('active');
    const leave = h.sent().at(-1)!;
    expect(leave).toMatchObject({ to: [{ address: CAROL }], subject: '[dev] Confirm that you want to leave' });
    await openLink(linkIn(leave), `Unsubscribe ${CAROL} from Dev?`);
    expect((await memberRow(CAROL))!.status).toBe('unsubscribed');

    await h.post({
      from: 'curious@elsewhere.test',
      to: `dev-request@${DOMAIN}`,
      subject: 'what is this?',
      text: 'help',
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'help', detail: 'help sent' });
    expect(h.sent().at(-1)!.text).toContain(`Post: write to ${LIST}`);
  });

  it('a confirmation link works only for its own member, and not once expired or tampered with', async () => {
    await h.post({ from: 'new@members.test', to: `dev-request@${DOMAIN}`, subject: 'subscribe', text: '' });
    const link = linkIn(h.sent().at(-1)!);
    const token = link.split('/').at(-1)!;
    const tampered = `${link.slice(0, -2)}${token.endsWith('a') ? 'bb' : 'aa'}`;
    expect((await fetch(tampered.replace('https://example.com', h.url), { method: 'POST' })).status).toBe(404);
    // A token for another member's scope, bound to this address, is refused too.
    const bob = (await memberRow(BOB))!;
    const foreign = h.lists.services.replyAddresses.createToken({
      scope: `l:${bob.id}`,
      recipient: 'new@members.test',
    });
    expect((await fetch(`${h.url}/lists/confirm/${foreign}`, { method: 'POST' })).status).toBe(404);
    expect((await memberRow(BOB))!.status).toBe('active');
    // An expired one (the mailed links live 7 days).
    const pending = (await memberRow('new@members.test'))!;
    const expired = h.lists.services.replyAddresses.createToken({
      scope: `j:${pending.id}`,
      recipient: pending.address,
      ttlSeconds: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await fetch(`${h.url}/lists/confirm/${expired}`, { method: 'POST' })).status).toBe(404);
    expect((await memberRow('new@members.test'))!.status).toBe('pending');
    // The link as mailed still works, once: a second POST changes nothing.
    await openLink(link, 'Subscribe new@members.test to Dev?');
    expect((await memberRow('new@members.test'))!.status).toBe('active');
    const again = await fetch(link.replace('https://example.com', h.url), { method: 'POST' });
    expect(await again.text()).toContain('new@members.test was already subscribed to Dev.');
  });

  it('mail to an unknown list bounces', async () => {
    await h.post({ from: ALICE, to: `nope@${DOMAIN}`, subject: 'x', text: 'y' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'bounced', reason: 'no list named "nope"' });
  });
});

/** What SendGrid reports for mail whose From nobody vouches for: no DKIM signature, SPF failed. */
const FORGED = { dkim: 'none', spf: 'fail' } as const;

describe('forged senders (From not aligned with DKIM or SPF)', () => {
  it('a forged member post is held for the moderator, not redistributed; approving it publishes it', async () => {
    await h.post({ from: `Bob <${BOB}>`, to: LIST, subject: 'Urgent: new bank details', text: 'Pay here.', ...FORGED });
    const held = h.results.at(-1)!;
    expect(held).toMatchObject({ outcome: 'held' });
    expect((held as { reason: string }).reason).toMatch(
      /^sender not authenticated: no passing DKIM signature aligned with From domain members\.test/,
    );
    expect(await h.db.select().from(messages)).toHaveLength(0);
    expect(h.sent().map((m) => m.to[0]!.address)).toEqual([MOD]);
    // The moderation flow decides, as for any held post.
    const notice = h.sent()[0]!;
    await h.post({ from: MOD, to: notice.replyTo[0]!.address, subject: 'Re: held', text: 'reject' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'moderated', decision: 'reject' });
    expect(await h.db.select().from(messages)).toHaveLength(0);
  });

  it('a DKIM pass for another domain, or SPF for a foreign envelope, does not make From authentic', async () => {
    await h.post({ from: ALICE, to: LIST, subject: 'a', text: 'x', dkim: '{@evil.test : pass}', spf: 'fail' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'held' });
    await h.post({
      from: ALICE,
      to: LIST,
      subject: 'b',
      text: 'y',
      dkim: 'none',
      spf: 'pass',
      envelope: { from: 'bounce@evil.test', to: [LIST] },
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'held' });
    // Aligned by SPF alone is enough.
    await h.post({ from: ALICE, to: LIST, subject: 'c', text: 'z', dkim: 'none', spf: 'pass' });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'published' });
  });

  it('a forged unsubscribe removes nobody: the member gets a fixed-text link, and stays until opening it', async () => {
    await h.post({ from: `Bob <${BOB}>`, to: `dev-request@${DOMAIN}`, subject: 'unsubscribe', text: '', ...FORGED });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'command', command: 'unsubscribe', detail: 'confirmation sent' });
    expect((await memberRow(BOB))!.status).toBe('active');
    const leave = h.sent().at(-1)!;
    expect(leave.to).toEqual([{ address: BOB, name: '' }]);
    // A post now still reaches Bob.
    await h.post({ from: ALICE, to: LIST, subject: 'Still there?', text: 'hello' });
    expect(h.sent().some((m) => m.subject === 'Still there?' && m.to[0]!.address === BOB)).toBe(true);
  });

  it("a forged reply through a member's personal reply address is held; a forged moderation answer is ignored", async () => {
    const { copies } = await startThread();
    await h.post({
      from: BOB,
      to: mailto(header(copyTo(copies, BOB)!, 'List-Post')),
      subject: 'Re: Release plan',
      text: 'Cancel it.',
      ...FORGED,
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'held' });
    const notice = h.sent().at(-1)!;
    expect(notice.to[0]!.address).toBe(MOD);
    await h.post({ from: MOD, to: notice.replyTo[0]!.address, subject: 'Re: held', text: 'approve', ...FORGED });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'ignored' });
    expect((h.results.at(-1) as { reason: string }).reason).toMatch(/^moderation reply from an unauthenticated sender/);
    expect((await h.db.select().from(moderation))[0]!.status).toBe('pending');
    expect(await h.db.select().from(messages)).toHaveLength(1);
  });
});

describe('backscatter: what forged requests can make us send', () => {
  it('20 forged subscribe and help requests naming one victim get at most 3 answers, with fixed text', async () => {
    const victim = 'victim@elsewhere.test';
    for (let i = 0; i < 20; i++) {
      const subject = i % 2 ? 'subscribe' : 'help BUY CHEAP PILLS http://spam.test';
      await h.post({
        from: `BUY CHEAP PILLS http://spam.test <${victim}>`,
        to: `dev-request@${DOMAIN}`,
        subject,
        text: 'http://spam.test',
        messageId: `<forged-${i}@spam.test>`,
        ...FORGED,
      });
    }
    const answers = h.sent().filter((m) => m.to[0]!.address === victim);
    expect(answers).toHaveLength(3);
    for (const answer of answers) {
      expect(answer.to).toEqual([{ address: victim, name: '' }]);
      expect(answer.subject).toMatch(/^\[dev\] (Help|Confirm your subscription)$/);
      expect(`${answer.subject}\n${answer.text}`).not.toMatch(/PILLS|spam\.test/);
    }
    expect(h.results).toHaveLength(20);
    expect(
      h.results.filter((r) => r.outcome === 'command' && r.detail.startsWith('no answer sent (rate-limited')),
    ).toHaveLength(17);
    expect((await memberRow(victim))?.status ?? 'none').not.toBe('active');
  });

  it('rotating forged addresses is bounded by the global cap of automatic replies', async () => {
    await h.close();
    h = await startHarness({}, { autoReplyLimit: { globalMax: 5 } });
    list = await createList(h.db, { slug: 'dev', name: 'Dev' });
    for (let i = 0; i < 12; i++)
      await h.post({
        from: `victim${i}@elsewhere.test`,
        to: `dev-request@${DOMAIN}`,
        subject: 'subscribe',
        text: '',
        ...FORGED,
      });
    expect(h.sent()).toHaveLength(5);
    // Refused requests leave no pending member behind.
    expect(await h.db.select().from(members)).toHaveLength(5);
  });
});

describe('auto-responders that do not mark their mail', () => {
  it('an auto-responder answering every mail with human-looking text gets at most 3 answers in 8 rounds', async () => {
    const bot = 'helpdesk@vendor.test';
    let subject = 'Question about the list';
    for (let round = 1; round <= 8; round++) {
      // No Auto-Submitted, no Precedence, no threading headers: it looks like a person writing.
      await h.post({
        from: `Vendor Helpdesk <${bot}>`,
        to: `dev-request@${DOMAIN}`,
        subject,
        text: 'Thank you for your message. We will get back to you shortly.\n',
        messageId: `<round-${round}@vendor.test>`,
      });
      const ours = h
        .sent()
        .filter((m) => m.to[0]!.address === bot)
        .at(-1);
      if (ours) subject = `Re: ${ours.subject}`;
    }
    expect(h.results).toHaveLength(8);
    expect(h.sent().filter((m) => m.to[0]!.address === bot)).toHaveLength(3);
  });
});

describe('subjects that decode to line breaks', () => {
  const SUBJECT = 'Release\r\nBcc: victim@evil.test';

  it('a member post whose subject decodes to CR/LF is redistributed with the breaks collapsed, and the next post too', async () => {
    const response = await h.post({ mode: 'raw', from: ALICE, to: LIST, subject: SUBJECT, text: 'body' });
    const { id } = (await response.json()) as { id: string };
    expect((await h.store.inbox.get(id))!.status).toBe('delivered');
    const copies = h.sent().filter((m) => m.subject === 'Release Bcc: victim@evil.test');
    expect(copies.map((m) => m.to[0]!.address).sort()).toEqual([ALICE, BOB, CAROL, MOD].sort());
    expect(copies.every((m) => m.bcc.length === 0)).toBe(true);
    await h.post({ from: BOB, to: LIST, subject: 'Next', text: 'after it' });
    expect(h.sent().filter((m) => m.subject === 'Next')).toHaveLength(4);
  });

  it('a held post with such a subject notifies the moderator (the email does not fail)', async () => {
    const response = await h.post({
      mode: 'raw',
      from: 'Stranger\r\nX: y <stranger@elsewhere.test>',
      to: LIST,
      subject: SUBJECT,
      text: 'hi',
    });
    const { id } = (await response.json()) as { id: string };
    expect((await h.store.inbox.get(id))!.status).toBe('delivered');
    expect(h.results.at(-1)).toMatchObject({ outcome: 'held' });
    expect(h.sent().at(-1)).toMatchObject({
      to: [{ address: MOD }],
      subject: '[dev] Held for moderation: Release Bcc: victim@evil.test',
    });
  });
});

describe('replay', () => {
  it('replaying an email of every outcome ends with the same status and note, and repeats no effect', async () => {
    const cases = [
      { from: ALICE, to: LIST, subject: 'Published', text: 'a post' },
      { from: 'stranger@elsewhere.test', to: LIST, subject: 'Held', text: 'may I?' },
      { from: 'curious@elsewhere.test', to: `dev-request@${DOMAIN}`, subject: 'help', text: '' },
      { from: ALICE, to: LIST, subject: 'Echo', text: 'looped', headers: { 'List-Id': 'Dev <dev.lists.example.com>' } },
      { from: ALICE, to: `nope@${DOMAIN}`, subject: 'x', text: 'y' },
    ];
    const effects = async () => ({
      messages: (await h.db.select().from(messages)).length,
      moderation: (await h.db.select().from(moderation)).length,
      members: (await h.db.select().from(members)).length,
      distributions: (await h.db.select().from(distributions)).length,
      outbox: (await listOutbound(h.store.db, { limit: 1000 })).length,
      sent: h.sent().length,
    });
    const seen: string[] = [];
    for (const description of cases) {
      const { id } = (await (await h.post(description)).json()) as { id: string };
      const first = (await h.store.inbox.get(id))!;
      const before = await effects();
      expect(await h.mailroom.replay(id)).toBe(1);
      await h.settle();
      const again = (await h.store.inbox.get(id))!;
      expect({ status: again.status, note: again.note }).toEqual({ status: first.status, note: first.note });
      expect(await effects()).toEqual(before);
      seen.push(first.status);
    }
    expect(seen).toEqual(['delivered', 'delivered', 'delivered', 'ignored', 'bounced']);
  });
});
