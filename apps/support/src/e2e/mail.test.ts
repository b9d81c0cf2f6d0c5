import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { inboundRequest, TEST_KEY_PAIR } from '@mailroom/core/testing';
import { startHarness, SUPPORT, BILLING, DOMAIN, AGENT, type Harness } from '../testing/harness.js';
import { WebClient } from '../testing/web-client.js';
import { addressStatus, messages, participants, tickets } from '../db/schema.js';
import { setStatus, ticketConversation } from '../domain/tickets.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    throttle: { maxTickets: 3, windowMinutes: 60 },
    attachments: { maxCount: 2, maxBytes: 1024 },
  });
});
afterAll(async () => {
  await h?.close();
});

const db = () => h.support.services.db;
let seq = 0;
const mid = (who: string) => `<m${++seq}.${who}@mail.customer.test>`;

async function ticketRows(requester: string) {
  return db().select().from(tickets).where(eq(tickets.requesterAddress, requester)).orderBy(tickets.number);
}
async function messagesOf(number: number) {
  return (await ticketConversation(db(), number))!.messages;
}
function sentTo(address: string) {
  return h.sent.filter((m) => [...m.to, ...m.cc].some((a) => a.address.toLowerCase() === address));
}

/** Opens a ticket by mail and returns it with its acknowledgement. */
async function openByMail(from: string, subject: string, extra: Record<string, unknown> = {}) {
  const messageId = mid(from.split('@')[0]!);
  const response = await h.post({ from, to: SUPPORT, subject, text: `Help with ${subject}`, messageId, ...extra });
  expect(response.status).toBe(200);
  const [ticket] = (await ticketRows(from)).slice(-1);
  const ack = sentTo(from).at(-1)!;
  return { ticket: ticket!, ack, messageId };
}

/** A delivery report from `mta`'s mail system to the help desk: its delivery-status fields and the headers it cites. */
function postDeliveryReport(mta: string, fields: string, citedHeaders: string, extra: Record<string, unknown> = {}) {
  return h.post({
    from: `Mail Delivery System <MAILER-DAEMON@${mta}>`,
    to: SUPPORT,
    subject: 'Undelivered Mail Returned to Sender',
    text: 'This is the mail system.',
    envelope: { from: '', to: [SUPPORT] },
    ...extra,
    attachments: [
      {
        filename: 'details.txt',
        contentType: 'message/delivery-status',
        content: `Reporting-MTA: dns; ${mta}\n\n${fields}`,
      },
      { filename: 'headers.txt', contentType: 'text/rfc822-headers', content: citedHeaders },
    ],
  });
}

describe('support by email, end to end over HTTP', () => {
  it('opens a ticket with participants and sends one acknowledgement', async () => {
    const before = h.sent.length;
    const messageId = mid('ann');
    const response = await h.post({
      from: 'Ann Smith <ann@customer.test>',
      to: SUPPORT,
      cc: ['Carl <carl@customer.test>', BILLING],
      subject: 'Printer on fire',
      text: 'The printer is on fire.\n\n-- \nAnn Smith\nCustomer Inc.',
      messageId,
      attachments: [
        { filename: 'fire.png', contentType: 'image/png', content: Buffer.from('89504e470d0a1a0a', 'hex') },
      ],
    });
    expect(response.status).toBe(200);
    const [ticket] = await ticketRows('ann@customer.test');
    expect(ticket).toMatchObject({
      number: 1000,
      status: 'open',
      subject: 'Printer on fire',
      queue: 'general',
      requesterName: 'Ann Smith',
    });
    const people = await db().select().from(participants).where(eq(participants.ticketNumber, 1000));
    // Our own billing address is never a participant.
    expect(people.map((p) => [p.address, p.role]).sort()).toEqual([
      ['ann@customer.test', 'requester'],
      ['carl@customer.test', 'cc'],
    ]);
    const conversation = await messagesOf(1000);
    expect(conversation.map((m) => m.kind)).toEqual(['customer', 'ack']);
    expect(conversation[0]!.bodyText).toBe('The printer is on fire.');
    expect(conversation[0]!.fullText).toContain('Customer Inc.');
    expect(conversation[0]!.attachments.map((a) => [a.filename, a.size])).toEqual([['fire.png', 8]]);
    expect(await h.store.blobs.get(conversation[0]!.attachments[0]!.blobKey)).toEqual(
      Buffer.from('89504e470d0a1a0a', 'hex'),
    );

    const mail = h.sent.slice(before);
    expect(mail).toHaveLength(1);
    const ack = mail[0]!;
    expect(ack.to.map((a) => a.address)).toEqual(['ann@customer.test']);
    expect(ack.from.address).toBe(SUPPORT);
    expect(ack.subject).toBe('[#1000] Printer on fire');
    expect(ack.headers['Auto-Submitted']).toBe('auto-replied');
    expect(ack.inReplyTo).toBe(messageId.slice(1, -1));
    expect(ack.messageId).toMatch(new RegExp(`^[a-z2-7]+@${DOMAIN.replace(/\./g, '\\.')}$`));
    expect(h.support.services.messageIds.verifyMessageIds({ inReplyTo: ack.messageId, references: [] })[0]!.scope).toBe(
      't:1000',
    );
    const replyTo = ack.replyTo[0]!.address;
    expect(replyTo).toMatch(new RegExp(`^reply\\+[a-z2-7]+@${DOMAIN.replace(/\./g, '\\.')}$`));
    expect(h.support.services.replyAddresses.verify(replyTo, { recipient: 'ann@customer.test' })).toMatchObject({
      ok: true,
      scope: 't:1000',
    });
  });

  it('threads a reply sent to the signed reply address (token), keeping only the new text', async () => {
    const { ticket, ack } = await openByMail('dora@customer.test', 'Token threading');
    const before = h.sent.length;
    const response = await h.post({
      from: 'dora@customer.test',
      to: ack.replyTo[0]!.address,
      subject: 'totally different subject',
      text: 'Here are more details.\n\nOn Thu, Nov 26, 2026 at 10:00 AM Support <support@support.example.com> wrote:\n> we received your message',
    });
    expect(response.status).toBe(200);
    expect(h.results.at(-1)).toMatchObject({ action: 'appended', ticket: ticket.number, via: 'token' });
    const conversation = await messagesOf(ticket.number);
    expect(conversation.at(-1)).toMatchObject({
      kind: 'customer',
      direction: 'inbound',
      bodyText: 'Here are more details.',
    });
    expect(h.sent.length).toBe(before); // no second acknowledgement
  });

  it('threads a reply by In-Reply-To alone', async () => {
    const { ticket, ack } = await openByMail('eve@customer.test', 'Header threading');
    await h.post({
      from: 'eve@customer.test',
      to: SUPPORT,
      subject: 'no tag here',
      text: 'Following up.',
      inReplyTo: `<${ack.messageId}>`,
    });
    expect(h.results.at(-1)).toMatchObject({ action: 'appended', ticket: ticket.number, via: 'message-id' });
    expect((await ticketRows('eve@customer.test')).length).toBe(1);
  });

  it('never lets a stranger into a ticket by its subject tag, but lets a CC in', async () => {
    const before = (await db().select().from(messages).where(eq(messages.ticketNumber, 1000))).length;
    await h.post({
      from: 'mallory@evil.test',
      to: SUPPORT,
      subject: 'Re: [#1000] Printer on fire',
      text: 'Injected text',
    });
    expect(h.results.at(-1)).toMatchObject({ action: 'opened', acknowledged: true });
    const [strangers] = await ticketRows('mallory@evil.test');
    expect(strangers!.number).not.toBe(1000);
    expect((await db().select().from(messages).where(eq(messages.ticketNumber, 1000))).length).toBe(before);

    await h.post({
      from: 'carl@customer.test',
      to: SUPPORT,
      subject: 'Re: [#1000] Printer on fire',
      text: 'I see smoke too.',
    });
    expect(h.results.at(-1)).toMatchObject({ action: 'appended', ticket: 1000, via: 'subject' });
  });

  it('records an out-of-office answer to the acknowledgement without reopening or sending', async () => {
    const { ticket, ack } = await openByMail('olaf@customer.test', 'Away test');
    await setStatus(db(), ticket.number, 'closed');
    const before = h.sent.length;
    await h.post({
      from: 'olaf@customer.test',
      to: ack.replyTo[0]!.address,
      subject: `Out of office: ${ack.subject}`,
      text: 'I am away until Monday.',
      inReplyTo: `<${ack.messageId}>`,
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect(h.results.at(-1)).toMatchObject({ action: 'auto-reply-recorded', ticket: ticket.number });
    const [after] = await ticketRows('olaf@customer.test');
    expect(after!.status).toBe('closed');
    expect((await messagesOf(ticket.number)).at(-1)!.kind).toBe('auto-reply');
    expect(h.sent.length).toBe(before);
  });

  it('reopens a closed ticket on a human reply, and opens a linked ticket after the age limit', async () => {
    const { ticket, ack } = await openByMail('rita@customer.test', 'Reopen me');
    await setStatus(db(), ticket.number, 'closed');
    await h.post({
      from: 'rita@customer.test',
      to: ack.replyTo[0]!.address,
      subject: 'Re: it broke again',
      text: 'Broken again.',
    });
    expect(h.results.at(-1)).toMatchObject({ action: 'appended', reopened: true });
    expect((await ticketRows('rita@customer.test'))[0]!.status).toBe('open');

    await setStatus(db(), ticket.number, 'closed', new Date(Date.now() - 40 * 86_400_000));
    await h.post({
      from: 'rita@customer.test',
      to: ack.replyTo[0]!.address,
      subject: 'Re: months later',
      text: 'Same thing, months later.',
    });
    const rows = await ticketRows('rita@customer.test');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ linkedTicket: ticket.number, status: 'open' });
    expect(rows[0]!.status).toBe('closed');
    expect(sentTo('rita@customer.test').at(-1)!.subject).toBe(`[#${rows[1]!.number}] months later`);
  });

  it('a feedback report (complaint) opens no ticket and gets no acknowledgement', async () => {
    const before = h.sent.length;
    const response = await h.post({
      from: 'Feedback Loop <fbl@isp.test>',
      to: SUPPORT,
      subject: 'Abuse report',
      text: 'A user of ours marked the attached message as spam.',
      attachments: [
        {
          filename: 'report.txt',
          contentType: 'message/feedback-report',
          content: 'Feedback-Type: abuse\nUser-Agent: IspFbl/1.0\nVersion: 1\nOriginal-Rcpt-To: reader@isp.test\n',
        },
      ],
    });
    expect(response.status).toBe(200);
    expect(h.results.at(-1)).toMatchObject({
      action: 'ignored',
      reason: 'complaint (feedback report): not a customer message',
    });
    expect(await db().select().from(tickets).where(eq(tickets.subject, 'Abuse report'))).toEqual([]);
    expect(h.sent.length).toBe(before);
  });

  it('marks the address undeliverable when our mail bounces (DSN), and from an Event Webhook bounce', async () => {
    const { ticket, ack } = await openByMail('gone@customer.test', 'Bounce test');
    const before = h.sent.length;
    const response = await postDeliveryReport(
      'mx.customer.test',
      'Final-Recipient: rfc822; gone@customer.test\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <gone@customer.test>: user unknown\n',
      `From: ${SUPPORT}\nTo: gone@customer.test\nMessage-ID: <${ack.messageId}>\nSubject: ${ack.subject}\n`,
      {
        text: 'This is the mail system. Your message could not be delivered.',
        headers: { 'Auto-Submitted': 'auto-replied' },
      },
    );
    expect(response.status).toBe(200);
    expect(h.results.at(-1)).toMatchObject({
      action: 'bounce',
      ticket: ticket.number,
      addresses: ['gone@customer.test'],
    });
    const [status] = await db().select().from(addressStatus).where(eq(addressStatus.address, 'gone@customer.test'));
    expect(status).toMatchObject({ status: 'undeliverable', ticketNumber: ticket.number });
    expect(status!.reason).toContain('user unknown');
    const conversation = await ticketConversation(db(), ticket.number);
    expect(conversation!.participants.find((p) => p.role === 'requester')!.undeliverable).toContain('user unknown');
    expect(conversation!.messages.at(-1)!.kind).toBe('bounce');
    expect(h.sent.length).toBe(before);

    // The same through SendGrid's Event Webhook: a hard bounce of the mail to carl (custom arg names the ticket).
    const toCarl = sentTo('carl@customer.test').at(-1);
    const events = await h.postEvents([
      {
        email: 'carl@customer.test',
        event: 'bounce',
        type: 'bounce',
        reason: '550 5.2.1 mailbox disabled',
        status: '5.2.1',
        sg_event_id: 'ev-1',
        timestamp: 1_790_000_000,
        support_ticket: '1000',
        mailroom_id: toCarl?.id ?? 'none',
      },
      {
        email: 'ann@customer.test',
        event: 'bounce',
        type: 'blocked',
        reason: '554 blocked by policy',
        status: '5.7.1',
        sg_event_id: 'ev-2',
        timestamp: 1_790_000_001,
        support_ticket: '1000',
      },
    ]);
    expect(events.status).toBe(200);
    const people = (await ticketConversation(db(), 1000))!.participants;
    expect(people.find((p) => p.address === 'carl@customer.test')!.undeliverable).toBe('550 5.2.1 mailbox disabled');
    expect(people.find((p) => p.address === 'ann@customer.test')!.undeliverable).toBeNull();
  });

  it('ignores a forged delivery report that names no mail of ours', async () => {
    await openByMail('victim@customer.test', 'Forged bounce target');
    const response = await postDeliveryReport(
      'attacker.test',
      'Final-Recipient: rfc822; victim@customer.test\nAction: failed\nStatus: 5.1.1\n',
      'Message-ID: <made-up@attacker.test>\n',
    );
    expect(response.status).toBe(200);
    const rows = await db().select().from(addressStatus).where(eq(addressStatus.address, 'victim@customer.test'));
    expect(rows.filter((r) => r.status === 'undeliverable')).toEqual([]);
  });

  it('ignores a delivery report that cites our real Message-ID but names someone we did not send it to', async () => {
    await openByMail('bystander@customer.test', 'Someone else');
    // The attacker opens a ticket and gets our acknowledgement: a real, signed Message-ID of ours.
    const { ticket, ack } = await openByMail('mallory@attacker.test', 'Hello');
    const response = await postDeliveryReport(
      'attacker.test',
      'Final-Recipient: rfc822; bystander@customer.test\nAction: failed\nStatus: 5.1.1\n',
      `Message-ID: <${ack.messageId}>\n`,
    );
    expect(response.status).toBe(200);
    expect(h.results.at(-1)).toMatchObject({
      action: 'ignored',
      reason: `delivery report names nobody we sent that message to (ticket #${ticket.number})`,
    });
    const rows = await db().select().from(addressStatus).where(eq(addressStatus.address, 'bystander@customer.test'));
    expect(rows).toEqual([]);
    expect((await ticketConversation(db(), ticket.number))!.messages.filter((m) => m.kind === 'bounce')).toEqual([]);
  });

  it('throttles a sender opening too many tickets: mail kept, no acknowledgement', async () => {
    for (let i = 1; i <= 5; i++) {
      await h.post({ from: 'robot@loop.test', to: SUPPORT, subject: `Alert ${i}`, text: `alert ${i}` });
    }
    const rows = await ticketRows('robot@loop.test');
    expect(rows.map((r) => r.throttled)).toEqual([false, false, false, true, true]);
    expect(sentTo('robot@loop.test')).toHaveLength(3);
    expect(await messagesOf(rows[4]!.number)).toHaveLength(1);
  });

  it('creates nothing twice for a duplicate post or a replay', async () => {
    const description = {
      from: 'dup@customer.test',
      to: SUPPORT,
      subject: 'Sent twice',
      text: 'Once only please.',
      messageId: '<dup-1@mail.customer.test>',
    };
    const first = await h.postRaw(
      inboundRequest(description, { sign: TEST_KEY_PAIR, url: `${h.url}/webhooks/sendgrid/parse` }),
    );
    const second = await h.postRaw(
      inboundRequest(description, { sign: TEST_KEY_PAIR, url: `${h.url}/webhooks/sendgrid/parse` }),
    );
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const firstBody = (await first.json()) as { id: string };
    expect(await second.json()).toMatchObject({ duplicate: true, id: firstBody.id });
    expect(await ticketRows('dup@customer.test')).toHaveLength(1);
    expect(sentTo('dup@customer.test')).toHaveLength(1);

    // Replaying the stored email runs the route again; ctx.once keeps it from acting twice.
    expect(await h.mailroom.replay(firstBody.id)).toBe(1);
    await h.settle();
    expect(await ticketRows('dup@customer.test')).toHaveLength(1);
    expect(sentTo('dup@customer.test')).toHaveLength(1);
  });

  it('sends an agent reply from the web UI to requester and CCs, threaded', async () => {
    const web = new WebClient(h.url);
    const login = await web.login(AGENT.email, AGENT.password);
    expect(login.status).toBe(303);
    const page = await web.get('/tickets/1000');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Printer on fire');
    const before = h.sent.length;
    const reply = await web.postForm('/tickets/1000/reply', {
      _csrf: WebClient.csrfOf(html),
      text: 'We are sending a technician.',
      status: 'pending',
    });
    expect(reply.status).toBe(303);
    await h.settle();
    const mail = h.sent.slice(before);
    expect(mail).toHaveLength(1);
    const sent = mail[0]!;
    expect(sent.to.map((a) => a.address)).toEqual(['ann@customer.test']);
    expect(sent.cc.map((a) => a.address)).toEqual(['carl@customer.test']);
    expect(sent.subject).toBe('Re: [#1000] Printer on fire');
    expect(sent.text).toContain('We are sending a technician.');
    const conversationIds = (await messagesOf(1000)).map((m) => m.messageId).filter(Boolean);
    // In-Reply-To is the newest message before this reply; References carry the whole conversation.
    expect(sent.inReplyTo).toBe(conversationIds.at(-2));
    expect(sent.references).toEqual(conversationIds.slice(0, -1));
    expect(sent.references[0]).toBe(conversationIds[0]);
    expect(
      h.support.services.messageIds.verifyMessageIds({ inReplyTo: sent.messageId, references: [] })[0]!.scope,
    ).toBe('t:1000');
    const [ticket] = await db().select().from(tickets).where(eq(tickets.number, 1000));
    expect(ticket!.status).toBe('pending');

    // Without the form token the same post is refused.
    const forged = await web.postForm('/tickets/1000/reply', { text: 'forged' });
    expect(forged.status).toBe(403);
    const crossSite = await web.postForm(
      '/tickets/1000/reply',
      { _csrf: WebClient.csrfOf(html), text: 'cross-site' },
      { origin: 'https://evil.test' },
    );
    expect(crossSite.status).toBe(403);
  });

  it('accepts an emailed agent reply only from the agent with an aligned authentication verdict', async () => {
    const [lastAgentReply] = (await messagesOf(1000)).filter((m) => m.kind === 'agent').slice(-1);
    const before = h.sent.length;
    const countBefore = (await messagesOf(1000)).length;
    // The agent's reply to ticket 1000, as the agent's mail client sends it (what authenticates it varies).
    const agentReply = (text: string, auth: { dkim: string; spf?: string }) =>
      h.post({
        from: `Alice Agent <${AGENT.email}>`,
        to: SUPPORT,
        subject: 'Re: [#1000] Printer on fire',
        text,
        inReplyTo: `<${lastAgentReply!.messageId}>`,
        ...auth,
      });
    const spoofed = await agentReply('Please send your password to me.', { dkim: '{@evil.test : pass}', spf: 'fail' });
    expect(spoofed.status).toBe(200);
    expect(h.results.at(-1)).toMatchObject({ action: 'refused' });
    expect((await messagesOf(1000)).length).toBe(countBefore);
    expect(h.sent.length).toBe(before);

    await agentReply('The technician arrives at 3pm.\n\nOn Thu, Ann wrote:\n> still burning', {
      dkim: '{@staff.test : pass}',
    });
    expect(h.results.at(-1)).toMatchObject({ action: 'agent-reply', ticket: 1000 });
    const mail = h.sent.slice(before);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.to.map((a) => a.address)).toEqual(['ann@customer.test']);
    expect(mail[0]!.text).toContain('The technician arrives at 3pm.');
    expect(mail[0]!.text).not.toContain('still burning');
    const recorded = (await messagesOf(1000)).at(-1)!;
    expect(recorded).toMatchObject({
      kind: 'agent',
      direction: 'outbound',
      bodyText: 'The technician arrives at 3pm.',
    });
  });
});

describe('attachments', () => {
  it('keeps attachments within the limits, shows cid: images inline and serves them to agents', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await h.post({
      from: 'pia@customer.test',
      to: SUPPORT,
      subject: 'Screenshot',
      text: 'See the screenshot.',
      html: '<p>See the screenshot:</p><img src="cid:shot@pia" alt="shot">',
      attachments: [
        { filename: 'shot.png', contentType: 'image/png', content: png, contentId: 'shot@pia' },
        { filename: 'big.log', contentType: 'text/plain', content: 'x'.repeat(2048) },
        { filename: 'notes.txt', contentType: 'text/plain', content: 'notes' },
        { filename: 'extra.txt', contentType: 'text/plain', content: 'one too many' },
      ],
    });
    const [ticket] = await ticketRows('pia@customer.test');
    const [message] = await messagesOf(ticket!.number);
    expect(message!.attachments.map((a) => a.filename).sort()).toEqual(['notes.txt', 'shot.png']);
    expect(message!.bodyText).toContain('[attachment "big.log" not kept: larger than');
    expect(message!.bodyText).toContain('[attachment "extra.txt" not kept: more than 2 attachments]');

    const web = new WebClient(h.url);
    await web.login(AGENT.email, AGENT.password);
    const page = await (await web.get(`/tickets/${ticket!.number}`)).text();
    const shot = message!.attachments.find((a) => a.filename === 'shot.png')!;
    expect(page).toContain(`src="/attachments/${shot.id}"`);
    const image = await web.get(`/attachments/${shot.id}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(png);
    const notes = await web.get(`/attachments/${message!.attachments.find((a) => a.filename === 'notes.txt')!.id}`);
    expect(notes.headers.get('content-type')).toBe('application/octet-stream');
    expect(notes.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''notes.txt");
    expect((await new WebClient(h.url).get(`/attachments/${shot.id}`)).status).toBe(303);
  });
});

describe('queues', () => {
  it('maps the support address to its queue', async () => {
    await h.post({ from: 'payer@customer.test', to: BILLING, subject: 'Invoice', text: 'Wrong amount.' });
    const [row] = await db()
      .select()
      .from(tickets)
      .where(and(eq(tickets.requesterAddress, 'payer@customer.test')));
    expect(row).toMatchObject({ queue: 'billing', supportAddress: BILLING });
  });
});

/** SendGrid's verdict fields for a post whose From is not vouched for (forged, or an unauthenticated server). */
const FORGED = { dkim: 'none', spf: 'fail' };

async function inboundOf(response: Response) {
  const { id } = (await response.json()) as { id: string };
  return (await h.store.inbox.get(id))!;
}
async function participantsOfTicket(number: number) {
  return (await db().select().from(participants).where(eq(participants.ticketNumber, number)))
    .map((p) => p.address)
    .sort();
}
async function apiReply(number: number, text: string) {
  const before = h.sent.length;
  const response = await fetch(`${h.url}/api/tickets/${number}/replies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  expect(response.status).toBe(201);
  await h.settle();
  return h.sent.slice(before);
}

describe('forged senders (finding 5: ticket hijack)', () => {
  it('never lets a forged From thread by subject tag or put its Cc on the ticket, so agent replies never reach the attacker', async () => {
    const { ticket } = await openByMail('vic@victim.test', 'Invoice PIN');
    const before = (await messagesOf(ticket.number)).length;
    const forged = await h.post({
      from: 'Vic Victim <vic@victim.test>',
      to: SUPPORT,
      cc: 'Eve <eve@attacker.test>',
      subject: `Re: [#${ticket.number}] Invoice PIN`,
      text: 'Please copy my colleague on everything.',
      ...FORGED,
    });
    expect(await inboundOf(forged)).toMatchObject({ status: 'delivered' });
    const result = h.results.at(-1)!;
    expect(result).toMatchObject({ action: 'opened', authenticated: false });
    const opened = (result as { ticket: number }).ticket;
    expect(opened).not.toBe(ticket.number);
    expect(await participantsOfTicket(ticket.number)).toEqual(['vic@victim.test']);
    expect(await participantsOfTicket(opened)).toEqual(['vic@victim.test']);
    expect((await messagesOf(ticket.number)).length).toBe(before);

    const mail = await apiReply(ticket.number, 'Your new invoice PIN is 4711.');
    expect(mail.flatMap((m) => [...m.to, ...m.cc, ...m.bcc]).map((a) => a.address)).toEqual(['vic@victim.test']);
    expect(sentTo('eve@attacker.test')).toEqual([]);
  });

  it('adds Cc’s of a follow-up only for an authenticated sender', async () => {
    const { ticket, ack } = await openByMail('wes@customer.test', 'Cc rules');
    // The signed Message-ID still threads the forged follow-up (only people we mailed know it), but adds nobody.
    await h.post({
      from: 'wes@customer.test',
      to: SUPPORT,
      cc: 'eve@attacker.test',
      subject: 'more',
      text: 'More.',
      inReplyTo: `<${ack.messageId}>`,
      ...FORGED,
    });
    expect(h.results.at(-1)).toMatchObject({
      action: 'appended',
      ticket: ticket.number,
      via: 'message-id',
      authenticated: false,
      participantsAdded: 0,
    });
    await h.post({
      from: 'wes@customer.test',
      to: SUPPORT,
      cc: 'Boss <boss@customer.test>',
      subject: 'more',
      text: 'Adding my boss.',
      inReplyTo: `<${ack.messageId}>`,
    });
    expect(h.results.at(-1)).toMatchObject({
      action: 'appended',
      ticket: ticket.number,
      authenticated: true,
      participantsAdded: 1,
    });
    expect(await participantsOfTicket(ticket.number)).toEqual(['boss@customer.test', 'wes@customer.test']);
  });

  it('caps participants at 50: an email naming 5,000 addresses reaches 50 people, not 5,000', async () => {
    const cc = Array.from({ length: 5000 }, (_, i) => `p${i}@crowd.test`);
    const response = await h.post({
      from: 'crowd@crowd.test',
      to: SUPPORT,
      cc,
      subject: 'Everyone',
      text: 'Tell everyone.',
    });
    expect(await inboundOf(response)).toMatchObject({ status: 'delivered' });
    const { ticket } = h.results.at(-1) as { ticket: number };
    expect(await participantsOfTicket(ticket)).toHaveLength(50);
    const [mail] = await apiReply(ticket, 'Noted.');
    expect(mail!.to.length + mail!.cc.length).toBe(50);
  });
});

describe('reply tokens are bound to the ticket and the sender', () => {
  it('refuses a token used by another sender, for another ticket, or not naming a ticket — with the reason', async () => {
    const first = await openByMail('tia@customer.test', 'Token A');
    const second = await openByMail('tia@customer.test', 'Token B');
    const tokenA = first.ack.replyTo[0]!.address;
    const stranger = await h.post({
      from: 'eve@attacker.test',
      to: tokenA,
      subject: 'Re: Token A',
      text: 'Let me in.',
    });
    expect(await inboundOf(stranger)).toMatchObject({
      status: 'bounced',
      note: 'reply token rejected: wrong-recipient',
    });
    const crossed = await h.post({
      from: 'tia@customer.test',
      to: tokenA,
      subject: 'Re: Token B',
      text: 'Crossed.',
      inReplyTo: `<${second.ack.messageId}>`,
    });
    expect(await inboundOf(crossed)).toMatchObject({
      status: 'bounced',
      note: `reply token is for ticket #${first.ticket.number}, but the message answers ticket #${second.ticket.number}`,
    });
    const foreign = `reply+${h.mailroom.replyAddresses!.createToken({ scope: 'p:7', recipient: 'tia@customer.test' })}@${DOMAIN}`;
    expect(
      await inboundOf(await h.post({ from: 'tia@customer.test', to: foreign, subject: 'x', text: 'x' })),
    ).toMatchObject({ status: 'bounced', note: 'reply token is not for a ticket' });
    for (const t of [first.ticket, second.ticket])
      expect((await messagesOf(t.number)).map((m) => m.kind)).toEqual(['customer', 'ack']);
  });
});

describe('backscatter (finding 7)', () => {
  it('acknowledges forged senders with fixed text only: nothing they chose reaches the third party', async () => {
    const before = h.sent.length;
    for (let i = 0; i < 8; i++) {
      await h.post({
        from: `Cheap Pills <victim${i}@third-party.test>`,
        to: SUPPORT,
        subject: 'BUY CHEAP PILLS at http://spam.test',
        text: 'http://spam.test',
        ...FORGED,
      });
    }
    const acks = h.sent.slice(before);
    expect(acks).toHaveLength(8);
    for (const ack of acks) {
      expect(ack.subject).toMatch(/^\[#\d+\] We received your message$/);
      expect(`${ack.subject} ${ack.text} ${JSON.stringify(ack.to)}`).not.toMatch(/pills|spam\.test/i);
      expect(ack.headers['Auto-Submitted']).toBe('auto-replied');
    }
  });

  it('caps what rotating forged senders can make us send at the global automatic-reply limit', async () => {
    const capped = await startHarness({}, { autoReplyLimit: { globalMax: 3 } });
    try {
      const statuses = [];
      for (let i = 0; i < 8; i++) {
        const response = await capped.post({
          from: `victim${i}@third-party.test`,
          to: SUPPORT,
          subject: 'BUY CHEAP PILLS',
          text: 'spam',
          ...FORGED,
        });
        statuses.push((await capped.store.inbox.get(((await response.json()) as { id: string }).id))!.status);
      }
      expect(statuses).toEqual(Array(8).fill('delivered'));
      expect(capped.results.map((r) => (r as { acknowledged?: boolean }).acknowledged)).toEqual([
        true,
        true,
        true,
        false,
        false,
        false,
        false,
        false,
      ]);
      expect(capped.sent).toHaveLength(3);
      expect(await capped.support.services.db.select().from(tickets)).toHaveLength(8); // every email is kept
    } finally {
      await capped.close();
    }
  });
});

describe('hostile subjects (finding 10)', () => {
  it('opens the ticket and acknowledges it when the subject decodes to CR/LF (raw and parsed mode)', async () => {
    const encoded = `=?UTF-8?B?${Buffer.from('Invoice\r\nBcc: everyone@victim.test').toString('base64')}?=`;
    for (const [mode, subject] of [
      ['raw', encoded],
      ['parsed', 'Invoice\r\nBcc: everyone@victim.test'],
    ] as const) {
      const from = `crlf-${mode}@customer.test`;
      const response = await h.post({ mode, from, to: SUPPORT, subject, text: 'Hello' });
      expect(await inboundOf(response), mode).toMatchObject({ status: 'delivered', attempts: 1 });
      const [ticket] = await ticketRows(from);
      expect(ticket!.subject).toBe('Invoice Bcc: everyone@victim.test');
      const ack = sentTo(from).at(-1)!;
      expect(ack.subject).toBe(`[#${ticket!.number}] Invoice Bcc: everyone@victim.test`);
      expect(ack.bcc).toEqual([]);
    }
  });
});

describe('replay: every outcome ends the same way, with no second effect', () => {
  async function effects() {
    const [t, m, p] = await Promise.all([
      db().select().from(tickets),
      db().select().from(messages),
      db().select().from(participants),
    ]);
    return { tickets: t.length, messages: m.length, participants: p.length, sent: h.sent.length };
  }

  it('replays one email of each outcome (delivered, ignored, bounced) through mailroom.replay + drain', async () => {
    const { ticket, ack } = await openByMail('ray@customer.test', 'Replay me');
    const [agentMail] = await apiReply(ticket.number, 'An answer to reply to.');
    const cases = [
      {
        expect: ['delivered', null],
        from: 'rex@customer.test',
        to: SUPPORT,
        subject: 'A new ticket',
        text: 'Opened and acknowledged.',
      },
      {
        expect: ['delivered', null],
        from: 'ray@customer.test',
        to: ack.replyTo[0]!.address,
        subject: 'Re: Replay me',
        text: 'A follow-up.',
        cc: 'ray.boss@customer.test',
      },
      {
        expect: ['ignored', 'mail loop detected'],
        from: 'rex@customer.test',
        to: SUPPORT,
        subject: 'Looping',
        text: 'x',
        messageId: `<loop-1@${DOMAIN}>`,
      },
      {
        expect: ['ignored', 'delivery report for mail that is not ours'],
        from: 'MAILER-DAEMON@mx.attacker.test',
        to: SUPPORT,
        subject: 'Undelivered Mail Returned to Sender',
        text: 'This is the mail system.',
        envelope: { from: '', to: [SUPPORT] },
        attachments: [
          {
            filename: 'details.txt',
            contentType: 'message/delivery-status',
            content: 'Final-Recipient: rfc822; ray@customer.test\nAction: failed\nStatus: 5.1.1\n',
          },
        ],
      },
      {
        expect: ['bounced', /^agent reply from alice@staff\.test refused: sender not authenticated/],
        from: `Alice Agent <${AGENT.email}>`,
        to: SUPPORT,
        subject: 'Re: x',
        text: 'Forged agent.',
        inReplyTo: `<${agentMail!.messageId}>`,
        ...FORGED,
      },
      {
        expect: ['bounced', 'reply token rejected: wrong-recipient'],
        from: 'eve@attacker.test',
        to: ack.replyTo[0]!.address,
        subject: 'Re: Replay me',
        text: 'Not my token.',
      },
    ];
    for (const {
      expect: [status, note],
      ...description
    } of cases) {
      const first = await inboundOf(await h.post(description));
      expect(first.status, description.subject).toBe(status);
      if (note instanceof RegExp) expect(first.note).toMatch(note);
      else expect(first.note ?? null).toBe(note);
      const before = await effects();
      expect(await h.mailroom.replay(first.id)).toBe(1);
      await h.settle();
      const again = (await h.store.inbox.get(first.id))!;
      expect({ status: again.status, note: again.note }, description.subject).toEqual({
        status: first.status,
        note: first.note,
      });
      expect(await effects(), description.subject).toEqual(before);
    }
  });
});
