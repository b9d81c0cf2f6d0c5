import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createMailroom,
  MailroomConfigurationError,
  type Mailroom,
  type PreparedMessage,
  type Transport,
} from '@mailroom/core';
import { lastDeliveryStatus, type BounceEvent } from '@mailroom/core/events';
import { getOutbound, listOutbound, type ReplyOutcome } from '@mailroom/core/outbound';
import { createTestStore, eventWebhookRequest, generateTestKeyPair, type TestStore } from '@mailroom/core/testing';
import { security, signedPost } from './support.js';

// End to end on one Mailroom: a signed post → ctx.reply() → the outbox delivers a threaded message →
// a reply to its signed Reply-To reaches a token route → an Event Webhook bounce for it is stored,
// linked and dispatched. PGlite by default; PostgreSQL with DATABASE_URL.

const keys = [{ id: '2026-11', secret: 'a-long-enough-secret-for-the-tests' }];
const EVENTS_KEY = generateTestKeyPair(); // the Event Webhook has its own key, not Inbound Parse's

/** Records what the deliverer hands to the transport and answers like SendGrid (an X-Message-Id). */
function capturingTransport() {
  const sent: PreparedMessage[] = [];
  const transport: Transport = {
    name: 'capture',
    maxBatchSize: 1,
    async deliver(batch) {
      sent.push(...batch);
      return { providerMessageId: `sgmsg${sent.length}` };
    },
  };
  return { transport, sent };
}

interface Seen {
  replies: ReplyOutcome[];
  tokens: Array<{ scope: string; recipient: string | null; threadScopes: string[] }>;
  acks: ReplyOutcome[];
  bounces: Array<{ event: BounceEvent; outboundMessageId: string | null }>;
}

function supportMailroom(store: TestStore, transport: Transport, seen: Seen, autoStart = false): Mailroom {
  const mailroom = createMailroom({
    store,
    security,
    eventsSecurity: { publicKeys: [EVENTS_KEY.publicKey] },
    mail: {
      from: 'Support <help@support.example>',
      transport,
      replyAddresses: { keys, domain: 'replies.support.example' },
      messageIds: { keys, domain: 'mail.support.example' },
    },
    worker: { autoStart, backoff: { baseMs: 0, maxMs: 0 }, pollMs: 50 },
    eventDispatcher: { pollMs: 50 },
  });
  mailroom
    .route('support', 'help@support.example', async (ctx) => {
      seen.replies.push(await ctx.reply({ text: 'We are on it.' }, { scope: 't:42' }));
    })
    .route(
      'ticket-reply',
      'reply+{token}@replies.support.example',
      (ctx) => {
        const threadScopes = mailroom.messageIds!.verifyMessageIds(ctx.email).map((v) => v.scope);
        seen.tokens.push({ scope: ctx.replyToken.scope, recipient: ctx.replyToken.recipient, threadScopes });
      },
      { replyToken: 'token' },
    )
    .route('ack', 'ack@support.example', async (ctx) => {
      seen.acks.push(await ctx.autoReply({ text: 'Thanks, we got your message.' }));
    });
  mailroom.events.on('bounce', (event, { outboundMessageId }) => {
    seen.bounces.push({ event, outboundMessageId });
  });
  return mailroom;
}

const newSeen = (): Seen => ({ replies: [], tokens: [], acks: [], bounces: [] });

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store?.close();
});

async function post(app: Hono, request: Request) {
  const response = await app.fetch(request);
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body };
}

describe('reply → threaded outbound → token route → Event Webhook bounce', () => {
  it('runs the whole loop through mailroom.app()', async () => {
    const { transport, sent } = capturingTransport();
    const seen = newSeen();
    const mailroom = supportMailroom(store, transport, seen);
    const app = new Hono().route('/webhooks/sendgrid', mailroom.app());

    // 1. A signed Inbound Parse post; the handler replies with a scope.
    const first = await post(
      app,
      signedPost({
        from: 'Alice <alice@client.example>',
        to: 'help@support.example',
        subject: 'Printer on fire',
        messageId: 'CAB-first@mail.client.example',
        references: ['CAB-root@mail.client.example'],
      }),
    );
    expect(first).toMatchObject({ status: 200, body: { duplicate: false } });
    await mailroom.drain(); // inbound worker, then the outbox
    expect(seen.replies).toEqual([{ sent: true, id: expect.any(String), messageId: expect.any(String) }]);
    const outboxId = (seen.replies[0] as { id: string }).id;

    // 2. The outbox delivered one threaded message.
    expect(sent).toHaveLength(1);
    const message = sent[0]!;
    expect(message).toMatchObject({
      id: outboxId,
      subject: 'Re: Printer on fire',
      inReplyTo: 'CAB-first@mail.client.example',
      references: ['CAB-root@mail.client.example', 'CAB-first@mail.client.example'],
      from: { address: 'help@support.example', name: 'Support' },
      to: [{ address: 'alice@client.example', name: 'Alice' }],
    });
    expect(mailroom.messageIds!.verifyMessageId(message.messageId)).toMatchObject({ scope: 't:42' });
    expect(message.replyTo).toHaveLength(1);
    const replyTo = message.replyTo[0]!.address;
    expect(replyTo).toMatch(/^reply\+[a-z2-7]+@replies\.support\.example$/);
    expect(mailroom.replyAddresses!.verify(replyTo, { recipient: 'alice@client.example' })).toMatchObject({
      ok: true,
      scope: 't:42',
    });
    expect(await getOutbound(store.db, outboxId)).toMatchObject({
      status: 'sent',
      providerMessageId: 'sgmsg1',
      transport: 'capture',
    });

    // 3. Alice answers the Reply-To address: the token route gets the verified scope (and the signed
    //    Message-ID leads to the same scope through In-Reply-To).
    const answer = await post(
      app,
      signedPost({
        from: 'Alice <alice@client.example>',
        to: replyTo,
        subject: 'Re: Printer on fire',
        inReplyTo: message.messageId,
        references: [...message.references, message.messageId],
      }),
    );
    expect(answer.status).toBe(200);
    await mailroom.drain();
    expect(seen.tokens).toEqual([{ scope: 't:42', recipient: 'alice@client.example', threadScopes: ['t:42'] }]);
    expect(await store.inbox.get(answer.body.id as string)).toMatchObject({
      status: 'delivered',
      route: 'ticket-reply',
    });

    // 4. The Event Webhook reports a bounce for that message, with the custom args we sent.
    const bounce = {
      email: 'alice@client.example',
      timestamp: Math.floor(Date.now() / 1000),
      event: 'bounce',
      type: 'bounce',
      bounce_classification: 'Invalid Address',
      reason: '550 5.1.1 The email account that you tried to reach does not exist',
      status: '5.1.1',
      sg_event_id: `bounce-${outboxId}`,
      sg_message_id: 'sgmsg1.filterdrecv-5645d9c87f-abcde-1-5F8A1.0',
      ...message.customArgs,
    };
    const stored = await post(app, eventWebhookRequest([bounce], { sign: EVENTS_KEY }));
    expect(stored).toEqual({ status: 200, body: { received: 1, stored: 1, duplicates: 0 } });
    const again = await post(app, eventWebhookRequest([bounce], { sign: EVENTS_KEY }));
    expect(again.body).toMatchObject({ stored: 0, duplicates: 1 });
    await mailroom.drain();
    expect(seen.bounces).toHaveLength(1);
    expect(seen.bounces[0]).toMatchObject({
      outboundMessageId: outboxId,
      event: { kind: 'bounce', email: 'alice@client.example', status: '5.1.1' },
    });
    expect(await lastDeliveryStatus(store.db, outboxId)).toMatchObject({ status: 'bounced', detail: bounce.reason });
  });

  it('bounces mail to a forged or foreign reply address with the reason, before the handler', async () => {
    const { transport } = capturingTransport();
    const seen = newSeen();
    const mailroom = supportMailroom(store, transport, seen);
    const address = mailroom.replyAddresses!.create({ scope: 't:7', recipient: 'bob@client.example' });
    const token = address.slice('reply+'.length, address.indexOf('@'));
    // Flip one base32 character inside the signed part (tag, expiry, scope): the signature no longer matches.
    const flipped = token[10] === 'a' ? 'b' : 'a';
    const forged = `reply+${token.slice(0, 10)}${flipped}${token.slice(11)}@replies.support.example`;

    const cases = [
      { from: 'eve@elsewhere.example', to: address, reason: 'reply token rejected: wrong-recipient' },
      { from: 'bob@client.example', to: forged, reason: 'reply token rejected: bad-signature' },
    ];
    for (const c of cases) {
      const response = await mailroom.fetch(signedPost({ from: c.from, to: c.to }));
      const { id } = (await response.json()) as { id: string };
      await mailroom.drain();
      expect(await store.inbox.get(id)).toMatchObject({ status: 'bounced', route: 'ticket-reply', note: c.reason });
    }
    expect(seen.tokens).toEqual([]);
  });

  it('refuses an automatic reply to an out-of-office notice, and answers a human once with RFC 3834 headers', async () => {
    const { transport, sent } = capturingTransport();
    const seen = newSeen();
    const mailroom = supportMailroom(store, transport, seen);
    await mailroom.fetch(
      signedPost({
        from: 'Carol <carol@client.example>',
        to: 'ack@support.example',
        subject: 'Out of Office: back on Monday',
        headers: { 'Auto-Submitted': 'auto-replied' },
      }),
    );
    await mailroom.fetch(
      signedPost({ from: 'Dan <dan@client.example>', to: 'ack@support.example', subject: 'Question' }),
    );
    await mailroom.drain();
    expect(seen.acks).toEqual([
      { sent: false, reason: 'out-of-office', detail: expect.stringContaining('out-of-office subject') },
      { sent: true, id: expect.any(String), messageId: expect.any(String) },
    ]);
    expect(sent.map((m) => m.to[0]!.address)).toEqual(['dan@client.example']);
    expect(sent[0]!.headers).toMatchObject({ 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' });
  });

  it('a reply queued by a handler that then throws is never sent', async () => {
    const { transport, sent } = capturingTransport();
    const mailroom = createMailroom({
      store,
      security,
      mail: { from: 'help@support.example', transport },
      worker: { autoStart: false, maxAttempts: 1 },
    }).route('broken', 'broken@support.example', async (ctx) => {
      await ctx.reply({ text: 'about to fail' });
      await ctx.mailer.send({ to: 'ops@support.example', subject: 'also rolled back', text: 'x' });
      throw new Error('downstream is down');
    });
    const before = (await listOutbound(store.db, { limit: 500 })).length;
    const response = await mailroom.fetch(signedPost({ to: 'broken@support.example' }));
    const { id } = (await response.json()) as { id: string };
    await mailroom.drain();
    expect(await store.inbox.get(id)).toMatchObject({ status: 'failed' });
    expect((await listOutbound(store.db, { limit: 500 })).length).toBe(before);
    expect(sent).toEqual([]);
  });

  it('start() runs the outbox deliverer and the event dispatcher; stop() stops them', async () => {
    const { transport, sent } = capturingTransport();
    const seen = newSeen();
    const mailroom = supportMailroom(store, transport, seen, true);
    const app = new Hono().route('/webhooks/sendgrid', mailroom.app());
    try {
      const first = await post(
        app,
        signedPost({ from: 'erin@client.example', to: 'help@support.example', subject: 'Live' }),
      );
      expect(first.status).toBe(200); // the first post starts everything (autoStart)
      await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: 10_000, interval: 50 });
      const outboxId = sent[0]!.id;
      const bounce = {
        event: 'bounce',
        type: 'bounce',
        email: 'erin@client.example',
        sg_event_id: `live-${outboxId}`,
        ...sent[0]!.customArgs,
      };
      expect((await post(app, eventWebhookRequest([bounce], { sign: EVENTS_KEY }))).status).toBe(200);
      await vi.waitFor(() => expect(seen.bounces.map((b) => b.outboundMessageId)).toEqual([outboxId]), {
        timeout: 10_000,
        interval: 50,
      });
    } finally {
      await mailroom.stop();
    }
  });

  it('rejects unsigned or forged event posts, and answers 404 on /events when no eventsSecurity is set', async () => {
    const { transport } = capturingTransport();
    const mailroom = supportMailroom(store, transport, newSeen());
    const app = new Hono().route('/webhooks/sendgrid', mailroom.app());
    const event = [{ event: 'delivered', email: 'a@client.example', sg_event_id: 'unsigned-1' }];
    expect((await app.fetch(eventWebhookRequest(event))).status).toBe(401);
    expect((await app.fetch(eventWebhookRequest(event, { sign: generateTestKeyPair() }))).status).toBe(403);

    const plain = createMailroom({ store, security, worker: { autoStart: false } });
    const response = await new Hono()
      .route('/webhooks/sendgrid', plain.app())
      .fetch(eventWebhookRequest(event, { sign: EVENTS_KEY }));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'events_not_configured' });
    await expect(plain.mailer.send({ to: 'a@client.example', subject: 'x', text: 'x' })).rejects.toThrow(
      /mail: \{ from \}/,
    );
    expect(() => plain.route('r', 'reply+{token}@replies.example', () => {}, { replyToken: 'token' })).toThrow(
      MailroomConfigurationError,
    );
  });
});
