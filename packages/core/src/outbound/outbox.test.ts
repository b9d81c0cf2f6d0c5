import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestStore, type TestStore } from '../testing/store.js';
import { generateTestKeyPair, signBody } from '../testing/keys.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../ingress/verify/signature.js';
import { eventsMigrationSet } from '../events/migrations.js';
import { eventsHandler } from '../events/handler.js';
import { findEventsForMessage, lastDeliveryStatus } from '../events/store.js';
import { outboundMigrationSet } from './migrations.js';
import {
  createMailer,
  getOutbound,
  getOutboundMessage,
  listOutbound,
  listOutboundMessages,
  requeueOutbound,
  sentTo,
} from './outbox.js';
import { createOutboxDeliverer } from './deliverer.js';
import { outboundMessages } from './schema.js';
import { outboxOnlyTransport } from './transport.js';
import { sendgridTransport } from './transports/sendgrid.js';
import { startSendGridStandIn, type SendGridStandIn } from './transports/test-sendgrid-server.js';

let store: TestStore;
let standIn: SendGridStandIn;
let requests: any[] = [];
let replies: Array<{ status: number; body?: string; messageId?: string }> = [];

beforeAll(async () => {
  store = await createTestStore();
  await store.migrate(outboundMigrationSet);
  await store.migrate(eventsMigrationSet);
  standIn = await startSendGridStandIn((request) => {
    requests.push(JSON.parse(request.body));
    const reply = replies.shift() ?? { status: 202 };
    return {
      status: reply.status,
      headers: { 'x-message-id': reply.messageId ?? `sg${requests.length}` },
      body: reply.body ?? '',
    };
  });
});
afterAll(async () => {
  await standIn.close();
  await store.close();
});
beforeEach(async () => {
  requests = [];
  replies = [];
  await store.db.delete(outboundMessages);
});

const sendgrid = () => sendgridTransport({ apiKey: 'SG.x', baseUrl: standIn.baseUrl, maxRetries: 0 });
const message = (to: string, extra: Record<string, unknown> = {}) => ({
  from: 'Support <help@example.com>',
  to,
  subject: 'Your ticket',
  text: 'We are on it.',
  ...extra,
});

describe('outbox', () => {
  it('queues in the caller transaction: a handler that fails after queueing sends nothing', async () => {
    const mailer = createMailer({ store, domain: 'mail.example.com' });
    await expect(
      store.transaction(async (tx) => {
        await mailer.send(message('ann@example.com'), { tx });
        throw new Error('handler failed after queueing');
      }),
    ).rejects.toThrow('handler failed');
    const deliverer = createOutboxDeliverer({ store, transport: sendgrid() });
    await deliverer.drain();
    expect(requests).toHaveLength(0);
    expect(await listOutbound(store.db)).toEqual([]);

    // The same handler committing: sent after commit, via the after-commit hook.
    const hooks: Array<() => unknown> = [];
    const { id, messageId } = await store.transaction((tx) =>
      mailer.send(message('ann@example.com', { attachments: [{ filename: 'a.txt', content: 'hello' }] }), {
        tx,
        afterCommit: (fn) => hooks.push(fn),
      }),
    );
    expect(hooks).toHaveLength(1);
    expect((await getOutbound(store.db, id))?.status).toBe('queued');
    await deliverer.drain();
    expect(requests).toHaveLength(1);
    expect(requests[0].personalizations[0].custom_args).toEqual({ mailroom_id: id });
    expect(requests[0].personalizations[0].headers['Message-ID']).toBe(`<${messageId}>`);
    expect(requests[0].attachments[0]).toMatchObject({
      filename: 'a.txt',
      content: Buffer.from('hello').toString('base64'),
    });
    expect(await getOutbound(store.db, id)).toMatchObject({
      status: 'sent',
      providerMessageId: 'sg1',
      transport: 'sendgrid',
      attempts: 1,
    });
  });

  it('store-only transport marks messages sent and keeps them listable, newest first', async () => {
    const mailer = createMailer({ store, domain: 'mail.example.com' });
    const first = await mailer.send(message('a@example.com'));
    const second = await mailer.send(message('b@example.com'));
    await createOutboxDeliverer({ store, transport: outboxOnlyTransport() }).drain();
    const listed = await listOutbound(store.db);
    expect(listed.map((r) => [r.id, r.status, r.transport])).toEqual([
      [second.id, 'sent', 'store-only'],
      [first.id, 'sent', 'store-only'],
    ]);
    expect((await listOutbound(store.db, { before: second.id })).map((r) => r.id)).toEqual([first.id]);
    expect(await listOutbound(store.db, { status: 'failed' })).toEqual([]);
    await expect(mailer.send({ from: 'x@example.com', to: 'nobody', subject: 's', text: 't' })).rejects.toThrow(
      /not an address|recipient/,
    );
    await expect(mailer.send({ from: 'x@example.com', to: 'a@example.com', subject: 's' })).rejects.toThrow(
      /text or html/,
    );
  });

  it('sentTo: which of some addresses a sent message with this Message-ID went to (what a delivery report may name)', async () => {
    const mailer = createMailer({ store, domain: 'mail.example.com' });
    const sent = await mailer.send(message('Ann <Ann@Example.com>', { cc: 'bob@example.com', bcc: 'eve@example.com' }));
    const queued = await mailer.send(message('carol@example.com', { messageId: '<queued@mail.example.com>' }));
    expect(await sentTo(store.db, sent.messageId, ['ann@example.com'])).toEqual([]); // not sent yet
    await createOutboxDeliverer({ store, transport: outboxOnlyTransport() }).drain();
    await mailer.send(message('dave@example.com', { messageId: '<queued@mail.example.com>' }));
    expect(
      await sentTo(store.db, `<${sent.messageId}>`, [
        ' ANN@example.com',
        'bob@example.com',
        'eve@example.com',
        'mallory@example.com',
        '',
      ]),
    ).toEqual(['ann@example.com', 'bob@example.com', 'eve@example.com']);
    expect(await sentTo(store.db, 'forged@mail.example.com', ['ann@example.com'])).toEqual([]);
    expect(await sentTo(store.db, queued.messageId, ['carol@example.com', 'dave@example.com'])).toEqual([
      'carol@example.com',
    ]);
    expect(await sentTo(store.db, sent.messageId, [])).toEqual([]);
  });

  it('reads a message back in full: every field it was queued with, and its delivery state', async () => {
    const mailer = createMailer({ store, domain: 'mail.example.com' });
    const { id, messageId } = await mailer.send(
      message('Ann <ann@example.com>', {
        cc: ['cc@example.com'],
        bcc: 'Hidden <bcc@example.com>',
        replyTo: 'reply+t1@replies.example.com',
        html: '<p>We are on it.</p>',
        headers: { 'List-Unsubscribe': '<https://example.com/u>' },
        customArgs: { ticket: '42' },
        categories: ['support'],
        inReplyTo: '<parent@example.net>',
        references: ['<root@example.net>', '<parent@example.net>'],
        attachments: [{ filename: 'a.txt', contentType: 'text/plain', content: 'hello' }],
      }),
    );
    const full = await getOutboundMessage(store.db, id);
    expect(full).toMatchObject({
      id,
      status: 'queued',
      messageId,
      from: { address: 'help@example.com', name: 'Support' },
      to: [{ address: 'ann@example.com', name: 'Ann' }],
      cc: [{ address: 'cc@example.com', name: '' }],
      bcc: [{ address: 'bcc@example.com', name: 'Hidden' }],
      replyTo: [{ address: 'reply+t1@replies.example.com', name: '' }],
      recipients: ['ann@example.com', 'cc@example.com', 'bcc@example.com'],
      subject: 'Your ticket',
      text: 'We are on it.',
      html: '<p>We are on it.</p>',
      headers: { 'List-Unsubscribe': '<https://example.com/u>' },
      customArgs: { ticket: '42', mailroom_id: id },
      categories: ['support'],
      inReplyTo: 'parent@example.net',
      references: ['root@example.net', 'parent@example.net'],
      attachments: [{ filename: 'a.txt', contentType: 'text/plain', size: 5, contentId: null, inline: false }],
      attempts: 0,
      lastError: null,
    });
    expect(full!.attachments[0]).not.toHaveProperty('blobKey');
    expect(full).not.toHaveProperty('leaseOwner');
    expect((await listOutboundMessages(store.db))[0]).toEqual(full);
    expect(await getOutboundMessage(store.db, 'not-a-uuid')).toBeNull();
    expect(await getOutboundMessage(store.db, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('sends rows sharing a batchKey as one SendGrid request with one personalization each', async () => {
    const mailer = createMailer({ store, domain: 'mail.example.com' });
    const sent = await mailer.sendMany(
      ['m1@example.com', 'm2@example.com', 'm3@example.com'].map((to) =>
        message(to, {
          batchKey: 'digest-2026-11-26',
          headers: { 'List-Unsubscribe': `<https://example.com/u/${to}>` },
        }),
      ),
    );
    await mailer.send(message('solo@example.com'));
    replies = [
      { status: 202, messageId: 'batchid' },
      { status: 202, messageId: 'soloid' },
    ];
    await createOutboxDeliverer({ store, transport: sendgrid() }).drain();
    expect(requests).toHaveLength(2);
    const batch = requests.find((r) => r.personalizations.length === 3);
    expect(batch.personalizations.map((p: any) => p.to[0].email)).toEqual([
      'm1@example.com',
      'm2@example.com',
      'm3@example.com',
    ]);
    expect(batch.personalizations.map((p: any) => p.custom_args.mailroom_id)).toEqual(sent.map((s) => s.id));
    expect(batch.personalizations[1].headers['List-Unsubscribe']).toBe('<https://example.com/u/m2@example.com>');
    for (const { id } of sent) expect((await getOutbound(store.db, id))?.status).toBe('sent');
  });

  it('retries failures independently with backoff, and fails permanently on 4xx', async () => {
    const mailer = createMailer({ store, domain: 'mail.example.com' });
    const flaky = await mailer.send(message('flaky@example.com'));
    const deliverer = createOutboxDeliverer({ store, transport: sendgrid(), backoff: { baseMs: 60_000 } });
    replies = [{ status: 500, body: 'upstream down' }];
    await deliverer.drain();
    const afterFailure = await getOutbound(store.db, flaky.id);
    expect(afterFailure).toMatchObject({ status: 'queued', attempts: 1 });
    expect(afterFailure?.lastError).toMatch(/upstream down/);
    expect(afterFailure!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 25_000);
    await deliverer.drain(); // not due yet
    expect(requests).toHaveLength(1);
    await store.db.update(outboundMessages).set({ nextAttemptAt: sql`now()` });
    await deliverer.drain();
    expect(await getOutbound(store.db, flaky.id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });

    const bad = await mailer.send(message('bad@example.com'));
    replies = [{ status: 400, body: JSON.stringify({ errors: [{ message: 'Invalid from address', field: 'from' }] }) }];
    await deliverer.drain();
    const failed = await getOutbound(store.db, bad.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed?.lastError).toMatch(/Invalid from address/);
    expect(await requeueOutbound(store.db, bad.id)).toBe(true);
    await deliverer.drain();
    expect((await getOutbound(store.db, bad.id))?.status).toBe('sent');
  });

  it('links Event Webhook events to the message: by mailroom_id, else by X-Message-Id and recipient', async () => {
    const keys = generateTestKeyPair();
    const mailer = createMailer({ store, domain: 'mail.example.com' });
    const a = await mailer.send(message('ann@example.com'));
    const b = await mailer.send(message('bob@example.com', { batchKey: 'k' }));
    const c = await mailer.send(message('cid@example.com', { batchKey: 'k' }));
    replies = [
      { status: 202, messageId: 'XA' },
      { status: 202, messageId: 'XBC' },
    ];
    await createOutboxDeliverer({ store, transport: sendgrid() }).drain();
    expect((await getOutbound(store.db, b.id))?.providerMessageId).toBe('XBC');

    const handle = eventsHandler({ store, publicKeys: [keys.publicKey] });
    const batch = [
      {
        event: 'processed',
        email: 'ann@example.com',
        sg_event_id: 'l1',
        sg_message_id: 'XA.f1.0',
        timestamp: 1764100000,
        mailroom_id: a.id,
      },
      {
        event: 'delivered',
        email: 'ann@example.com',
        sg_event_id: 'l2',
        sg_message_id: 'XA.f1.0',
        timestamp: 1764100005,
        mailroom_id: a.id,
        response: '250 ok',
      },
      {
        event: 'open',
        email: 'ann@example.com',
        sg_event_id: 'l3',
        timestamp: 1764100100,
        mailroom_id: a.id,
        sg_machine_open: false,
      },
      // No custom args (e.g. SMTP without X-SMTPAPI): the batch shares XBC, the recipient tells them apart.
      {
        event: 'deferred',
        email: 'cid@example.com',
        sg_event_id: 'l4',
        sg_message_id: 'XBC.f2.1',
        timestamp: 1764100001,
        attempt: '1',
      },
      {
        event: 'bounce',
        email: 'CID@example.com',
        sg_event_id: 'l5',
        sg_message_id: 'XBC.f2.1',
        timestamp: 1764100050,
        type: 'bounce',
        status: '5.1.1',
        reason: '550 unknown user',
      },
      {
        event: 'delivered',
        email: 'bob@example.com',
        sg_event_id: 'l6',
        sg_message_id: 'XBC.f2.0',
        timestamp: 1764100002,
      },
    ];
    const body = Buffer.from(`[${batch.map((e) => JSON.stringify(e)).join(',\r\n')}]\r\n`);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const response = await handle(
      new Request('http://localhost/events', {
        method: 'POST',
        body: new Uint8Array(body),
        headers: { [SIGNATURE_HEADER]: signBody(keys.privateKey, timestamp, body), [TIMESTAMP_HEADER]: timestamp },
      }),
    );
    expect(response.status).toBe(200);

    expect((await findEventsForMessage(store.db, a.id)).map((e) => e.event.kind)).toEqual([
      'processed',
      'delivered',
      'open',
    ]);
    expect((await findEventsForMessage(store.db, c.id)).map((e) => e.event.kind)).toEqual(['deferred', 'bounce']);
    expect((await findEventsForMessage(store.db, b.id)).map((e) => e.event.kind)).toEqual(['delivered']);
    expect(await lastDeliveryStatus(store.db, a.id)).toMatchObject({ status: 'delivered', detail: '250 ok' });
    expect(await lastDeliveryStatus(store.db, c.id)).toMatchObject({ status: 'bounced', detail: '550 unknown user' });
    const unknown = await mailer.send(message('new@example.com'));
    expect(await lastDeliveryStatus(store.db, unknown.id)).toBeNull();
  });
});
