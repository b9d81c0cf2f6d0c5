import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundEmail, type InboundEmailInit } from '../message/index.js';
import { createTestStore, type TestStore } from '../testing/store.js';
import { createMessageIds } from './message-id.js';
import { outboundMigrationSet } from './migrations.js';
import { createMailer, listOutbound, listOutboundMessages } from './outbox.js';
import { createReplyAddresses } from './reply-address.js';
import { createReplyHelpers, replyTokenGuard, verifyReplyToken } from './reply-helpers.js';
import { buildReply, canAutoReply, conversationThreading, replySubject } from './threading.js';

function inbound(overrides: Partial<InboundEmailInit> = {}): InboundEmail {
  return new InboundEmail({
    mode: 'raw',
    messageId: 'CAB123@mail.gmail.com',
    date: new Date('2026-11-26T10:00:00Z'),
    subject: 'Printer on fire',
    from: { address: 'ann@client.example', name: 'Ann' },
    to: [{ address: 'help@example.com', name: '' }],
    cc: [],
    replyTo: [],
    envelope: { from: 'ann@client.example', to: ['help@example.com'] },
    inReplyTo: null,
    references: [],
    text: 'Help!',
    html: null,
    headers: [],
    attachments: [],
    auth: { spf: 'pass', dkim: [] },
    spam: null,
    senderIp: null,
    ...overrides,
  });
}

const keys = [{ id: 'k1', secret: 'a-long-enough-secret-for-tests' }];
const messageIds = createMessageIds({ keys, domain: 'mail.example.com' });

describe('replySubject', () => {
  it.each([
    ['Printer on fire', 'Re: Printer on fire'],
    ['Re: Printer on fire', 'Re: Printer on fire'],
    ['RE: Re: re:Printer on fire', 'Re: Printer on fire'],
    ['Aw: Sv: AW: Printer', 'Re: Printer'],
    ['Re[3]: Antw: Printer', 'Re: Printer'],
    ['Fwd: Printer', 'Re: Fwd: Printer'],
    ['Regarding the printer', 'Re: Regarding the printer'],
    ['', 'Re: '],
    ['hello\r\nBcc: victim@example.net', 'Re: hello Bcc: victim@example.net'],
    ['tab\tand\u0000nul', 'Re: tab and nul'],
  ])('%j → %j', (input, expected) => expect(replySubject(input)).toBe(expected));
});

describe('buildReply', () => {
  it('threads with In-Reply-To, References and a signed Message-ID on our domain', () => {
    const email = inbound({ references: ['root@client.example'], subject: 'RE: Printer on fire' });
    const reply = buildReply(email, { text: 'On it.' }, { from: 'help@example.com', messageIds, scope: 'ticket:42' });
    expect(reply).toMatchObject({
      to: [{ address: 'ann@client.example', name: 'Ann' }],
      subject: 'Re: Printer on fire',
      inReplyTo: 'CAB123@mail.gmail.com',
      references: ['root@client.example', 'CAB123@mail.gmail.com'],
      headers: {},
    });
    expect(messageIds.verifyMessageId(reply.messageId!)?.scope).toBe('ticket:42');
    // The customer's answer to our reply threads back to the scope.
    const answer = inbound({ inReplyTo: reply.messageId!, references: [...reply.references!, reply.messageId!] });
    expect(messageIds.verifyMessageIds(answer).map((v) => v.scope)).toEqual(['ticket:42']);
  });

  it('marks automatic replies (RFC 3834) and answers the envelope sender', () => {
    const email = inbound({
      envelope: { from: 'bounces+ann@client.example', to: [] },
      replyTo: [{ address: 'list@client.example', name: '' }],
    });
    const reply = buildReply(
      email,
      { text: 'Got it' },
      { from: 'help@example.com', domain: 'mail.example.com', auto: true },
    );
    expect(reply.headers).toEqual({ 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' });
    expect(reply.to).toEqual([{ address: 'bounces+ann@client.example', name: 'Ann' }]);
    expect(reply.messageId).toMatch(/@mail\.example\.com$/);
    expect(buildReply(email, { text: 'x' }, { from: 'help@example.com' }).to).toEqual([
      { address: 'list@client.example', name: '' },
    ]);
  });

  it('keeps References bounded: the root plus the latest', () => {
    const references = Array.from({ length: 40 }, (_, i) => `r${i}@x`);
    const reply = buildReply(inbound({ references }), { text: 'x' }, { from: 'help@example.com' });
    expect(reply.references).toHaveLength(20);
    expect(reply.references![0]).toBe('r0@x');
    expect(reply.references!.at(-1)).toBe('CAB123@mail.gmail.com');
  });
});

describe('conversationThreading', () => {
  it('answers the newest message, with the conversation (unique, oldest first) bounded like a reply', () => {
    expect(conversationThreading([])).toEqual({ inReplyTo: null, references: [] });
    expect(conversationThreading(['<a@x>', 'b@x', 'a@x', ' ', 'c@x'])).toEqual({
      inReplyTo: 'c@x',
      references: ['a@x', 'b@x', 'c@x'],
    });
    const long = conversationThreading(Array.from({ length: 40 }, (_, i) => `m${i}@x`));
    expect(long.inReplyTo).toBe('m39@x');
    expect(long.references).toEqual(['m0@x', ...Array.from({ length: 19 }, (_, i) => `m${i + 21}@x`)]);
  });
});

describe('canAutoReply', () => {
  const h = (name: string, value: string) => ({ name, value });
  it.each([
    ['a human', {}, true],
    ['Auto-Submitted: no', { headers: [h('Auto-Submitted', 'no')] }, true],
    ['an auto-reply', { headers: [h('Auto-Submitted', 'auto-replied')] }, 'auto-reply'],
    ['an OOO with X-Autoreply', { headers: [h('X-Autoreply', 'yes')] }, 'auto-reply'],
    ['Exchange OOF', { headers: [h('X-Auto-Response-Suppress', 'All')] }, 'auto-reply'],
    [
      'a bounce from MAILER-DAEMON',
      { from: { address: 'MAILER-DAEMON@mx.client.example', name: '' }, envelope: { from: '', to: [] } },
      'bounce',
    ],
    ['a DSN', { headers: [h('Content-Type', 'multipart/report; report-type=delivery-status')] }, 'bounce'],
    ['a list post', { headers: [h('List-Id', '<dev.lists.example>')] }, 'list'],
    ['Precedence: bulk', { headers: [h('Precedence', 'bulk')] }, 'bulk'],
    [
      'a no-reply sender',
      { from: { address: 'noreply@shop.example', name: '' }, envelope: { from: 'noreply@shop.example', to: [] } },
      'auto-reply',
    ],
    ['an out-of-office notice', { subject: 'Out of Office: Printer on fire' }, 'out-of-office'],
    ['a German vacation notice', { subject: 'Abwesenheitsnotiz: Printer on fire' }, 'out-of-office'],
    ['a newsletter', { headers: [h('List-Unsubscribe', '<https://shop.example/u>')] }, 'bulk'],
    ['X-Loop naming our domain', { headers: [h('X-Loop', 'help@example.com')] }, 'loop'],
    ['no sender at all', { from: null, envelope: { from: null, to: [] } }, 'no-sender'],
    ['our own mail', { messageId: 'abc@mail.example.com' }, 'loop'],
    [
      'mail from our domain',
      { from: { address: 'robot@example.com', name: '' }, envelope: { from: 'robot@example.com', to: [] } },
      'loop',
    ],
  ] as const)('%s', (_name, overrides, expected) => {
    const verdict = canAutoReply(inbound(overrides as Partial<InboundEmailInit>), {
      ownDomains: ['example.com', 'mail.example.com'],
    });
    if (expected === true) expect(verdict).toEqual({ ok: true });
    else expect(verdict).toMatchObject({ ok: false, reason: expected, detail: expect.any(String) });
  });

  it("gives the classifier's reasons as the detail", () => {
    const verdict = canAutoReply(inbound({ headers: [{ name: 'Auto-Submitted', value: 'auto-replied' }] }));
    expect(verdict).toEqual({ ok: false, reason: 'auto-reply', detail: 'Auto-Submitted: auto-replied' });
  });
});

describe('createReplyHelpers', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await createTestStore();
    await store.migrate(outboundMigrationSet);
  });
  afterAll(() => store.close());

  it('queues replies with a signed Reply-To, and rate-limits automatic replies per recipient', async () => {
    const replyAddresses = createReplyAddresses({ keys, domain: 'replies.example.com' });
    const mailer = createMailer({ store, messageIds });
    const helpers = createReplyHelpers({
      mailer,
      from: 'Support <help@example.com>',
      messageIds,
      replyAddresses,
      ownDomains: ['example.com'],
      autoReplyLimit: { max: 2 },
    });
    const email = inbound();
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await store.transaction((tx) =>
          helpers.extension({ email, tx }).autoReply({ text: 'We got your mail.' }, { scope: 't:42' }),
        ),
      );
    }
    expect(outcomes.map((o) => o.sent)).toEqual([true, true, false]);
    expect(outcomes[2]).toMatchObject({ sent: false, reason: 'rate-limited' });

    // A rolled-back handler frees its slot: the reservation lives in the same transaction.
    await expect(
      store.transaction(async (tx) => {
        await helpers.autoReply(
          {
            email: inbound({
              from: { address: 'bob@client.example', name: '' },
              envelope: { from: 'bob@client.example', to: [] },
            }),
            tx,
          },
          { text: 'x' },
        );
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const bob = await store.transaction((tx) =>
      helpers.autoReply(
        {
          email: inbound({
            from: { address: 'bob@client.example', name: '' },
            envelope: { from: 'bob@client.example', to: [] },
          }),
          tx,
        },
        { text: 'x' },
      ),
    );
    expect(bob.sent).toBe(true);

    const refused = await store.transaction((tx) =>
      helpers.autoReply(
        { email: inbound({ headers: [{ name: 'Auto-Submitted', value: 'auto-replied' }] }), tx },
        { text: 'x' },
      ),
    );
    expect(refused).toMatchObject({ sent: false, reason: 'auto-reply' });

    const manual = await store.transaction((tx) =>
      helpers.reply({ email, tx }, { text: 'A human answer' }, { scope: 't:42' }),
    );
    expect(manual.sent).toBe(true);
    const [row] = await listOutbound(store.db, { limit: 1 });
    expect(row).toMatchObject({ subject: 'Re: Printer on fire', inReplyTo: 'CAB123@mail.gmail.com', status: 'queued' });
  });

  it('sends to an override address with its own automatic-reply limit', async () => {
    const replyAddresses = createReplyAddresses({ keys, domain: 'replies.example.com' });
    const mailer = createMailer({ store, messageIds });
    const helpers = createReplyHelpers({
      mailer,
      from: 'Blog <blog@example.com>',
      messageIds,
      replyAddresses,
      ownDomains: ['example.com'],
    });
    // From claims to be the author; the notice goes to the registered address instead, at most once a day.
    const email = inbound({
      from: { address: 'forged@client.example', name: '' },
      envelope: { from: 'forged@client.example', to: [] },
    });
    const notice = () =>
      store.transaction((tx) =>
        helpers
          .extension({ email, tx })
          .autoReply(
            { text: 'Not published.', subject: 'Not published' },
            { to: 'Registered <author@writers.example>', autoReplyLimit: { max: 1 }, scope: 'p:7' },
          ),
      );
    const first = await notice();
    expect(first.sent).toBe(true);
    expect(await notice()).toMatchObject({
      sent: false,
      reason: 'rate-limited',
      detail: expect.stringContaining('author@writers.example'),
    });
    const [row] = await listOutboundMessages(store.db, { limit: 1 });
    expect(row).toMatchObject({
      to: [{ address: 'author@writers.example', name: 'Registered' }],
      subject: 'Not published',
      inReplyTo: 'CAB123@mail.gmail.com',
    });
    // The signed Reply-To is issued to the override recipient, not to the sender of the email.
    expect(replyAddresses.verify(row!.replyTo[0]!.address, { recipient: 'author@writers.example' })).toMatchObject({
      ok: true,
      scope: 'p:7',
    });
    expect(replyAddresses.verify(row!.replyTo[0]!.address, { recipient: 'forged@client.example' }).ok).toBe(false);
  });

  it('caps automatic replies to all recipients together, so rotating forged senders cannot multiply them', async () => {
    const mailer = createMailer({ store, messageIds });
    const helpers = createReplyHelpers({
      mailer,
      from: 'Help <help@example.com>',
      messageIds,
      ownDomains: ['example.com'],
    });
    const limit = { max: 3, globalMax: 4, globalWindowMs: 60_000 };
    const from = (i: number) => ({ address: `victim${i}@third-party.example`, name: '' });
    const before = (await listOutbound(store.db, { limit: 1000 })).length;
    const outcomes = [];
    for (let i = 0; i < 10; i++) {
      const email = inbound({ from: from(i), envelope: { from: from(i).address, to: [] } });
      outcomes.push(
        await store.transaction((tx) =>
          helpers.autoReply({ email, tx }, { text: 'Got it' }, { autoReplyLimit: limit }),
        ),
      );
    }
    // Earlier tests in this file already sent some: the global window counts every recipient's rows.
    const sent = outcomes.filter((o) => o.sent).length;
    expect(sent).toBeLessThanOrEqual(4);
    expect(outcomes.at(-1)).toMatchObject({ sent: false, reason: 'rate-limited' });
    expect((await listOutbound(store.db, { limit: 1000 })).length - before).toBe(sent);
    // globalMax 0 turns the global cap off; the per-recipient cap still holds.
    const unlimited = await store.transaction((tx) =>
      helpers.autoReply(
        { email: inbound({ from: from(99), envelope: { from: from(99).address, to: [] } }), tx },
        { text: 'x' },
        { autoReplyLimit: { ...limit, globalMax: 0 } },
      ),
    );
    expect(unlimited.sent).toBe(true);
  });

  it('verifies reply tokens from the route parameter or the recipients, bound to the sender', () => {
    const replyAddresses = createReplyAddresses({ keys, domain: 'replies.example.com' });
    const address = replyAddresses.create({ scope: 't:42', recipient: 'ann@client.example' });
    const token = address.slice('reply+'.length, address.indexOf('@'));
    const toUs = inbound({ envelope: { from: 'ann@client.example', to: [address.toUpperCase()] } });
    expect(verifyReplyToken(replyAddresses, { email: toUs, token })).toMatchObject({ ok: true, scope: 't:42' });
    expect(verifyReplyToken(replyAddresses, { email: toUs })).toMatchObject({ ok: true, scope: 't:42' });
    const forwarded = inbound({
      from: { address: 'eve@elsewhere.example', name: '' },
      envelope: { from: 'eve@elsewhere.example', to: [address] },
    });
    expect(verifyReplyToken(replyAddresses, { email: forwarded, token })).toEqual({
      ok: false,
      reason: 'wrong-recipient',
    });
    expect(verifyReplyToken(replyAddresses, { email: forwarded, token, requireSender: false })).toMatchObject({
      ok: true,
    });

    const guard = replyTokenGuard(replyAddresses);
    expect(guard.extension({ email: toUs, params: { token } }).replyToken).toMatchObject({ ok: true, scope: 't:42' });
    const bounced: string[] = [];
    let reached = false;
    void guard.middleware({ email: forwarded, params: { token }, bounce: (r) => bounced.push(r) }, async () => {
      reached = true;
    });
    expect(bounced).toEqual(['reply address rejected: wrong-recipient']);
    expect(reached).toBe(false);
  });
});
