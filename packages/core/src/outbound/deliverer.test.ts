import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../testing/store.js';
import { createOutboxDeliverer } from './deliverer.js';
import type { PreparedMessage } from './message.js';
import { createMailer, getOutbound } from './outbox.js';
import { outboundMessages } from './schema.js';
import { TransportError, type Transport } from './transport.js';
import { sendgridTransport } from './transports/sendgrid.js';
import { startSendGridStandIn, type SendGridStandIn, type StandInReply } from './transports/test-sendgrid-server.js';

let store: TestStore;
let standIn: SendGridStandIn;
let requests: number[] = [];

beforeAll(async () => {
  store = await createTestStore();
  // A stand-in for SendGrid that refuses (400, naming the personalization) any request carrying a `bad.invalid` address.
  standIn = await startSendGridStandIn((request): StandInReply => {
    const body = JSON.parse(request.body) as { personalizations: Array<{ to: Array<{ email: string }> }> };
    requests.push(body.personalizations.length);
    const bad = body.personalizations.findIndex((p) => p.to.some((t) => t.email.endsWith('@bad.invalid')));
    if (bad < 0) return { status: 202, headers: { 'x-message-id': `sg${requests.length}` } };
    const error = { message: 'Does not contain a valid address.', field: `personalizations.${bad}.to.0.email` };
    return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errors: [error] }) };
  });
});
afterAll(async () => {
  await standIn.close();
  await store.close();
});
beforeEach(async () => {
  requests = [];
  await store.db.delete(outboundMessages);
});

const mailer = () => createMailer({ store, domain: 'mail.example.com' });
const copy = (to: string, extra: Record<string, unknown> = {}) => ({
  from: 'List <list@example.com>',
  to,
  subject: 'Post',
  text: 'Hello',
  ...extra,
});
const statusOf = async (id: string) => (await getOutbound(store.db, id))!;
const fast = { backoff: { baseMs: 0, maxMs: 0 } };

/** A transport that sends everything except messages whose subject says so, which make it throw. */
function pickyTransport(options: { synchronous?: boolean; maxBatchSize?: number } = {}) {
  const delivered: string[] = [];
  const refuse = (batch: readonly PreparedMessage[]) => {
    if (batch.some((m) => m.subject.startsWith('poison'))) throw new Error('transport broke on a poison message');
  };
  const transport: Transport = {
    name: 'picky',
    maxBatchSize: options.maxBatchSize ?? 1,
    deliver: options.synchronous
      ? (batch: readonly PreparedMessage[]) => {
          refuse(batch); // throws before any promise exists
          delivered.push(...batch.map((m) => m.id));
          return Promise.resolve({ providerMessageId: null });
        }
      : async (batch) => {
          refuse(batch);
          delivered.push(...batch.map((m) => m.id));
          return { providerMessageId: null };
        },
  };
  return { transport, delivered };
}

describe('outbox deliverer and poison pills', () => {
  it('one copy SendGrid refuses does not fail the 40 copies batched with it', async () => {
    const copies = Array.from({ length: 41 }, (_, i) =>
      copy(i === 17 ? 'mallory@bad.invalid' : `member${i}@example.com`, { batchKey: 'list:1' }),
    );
    const results = await mailer().sendMany(copies);
    await createOutboxDeliverer({
      store,
      transport: sendgridTransport({ apiKey: 'SG.x', baseUrl: standIn.baseUrl, maxRetries: 0 }),
      ...fast,
    }).drain();
    const statuses = await Promise.all(results.map((r) => statusOf(r.id)));
    expect(statuses.filter((s) => s.status === 'sent')).toHaveLength(40);
    const failed = statuses[17]!;
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.lastError).toContain('Does not contain a valid address');
    // The batch, the first copy alone, then halving: a handful of requests, not one per copy.
    expect(requests[0]).toBe(41);
    expect(requests.length).toBeLessThanOrEqual(16);
  });

  it('a batch-wide refusal fails the batch in two requests', async () => {
    const results = await mailer().sendMany([0, 1, 2, 3].map((i) => copy(`m${i}@bad.invalid`, { batchKey: 'list:2' })));
    await createOutboxDeliverer({
      store,
      transport: sendgridTransport({ apiKey: 'SG.x', baseUrl: standIn.baseUrl, maxRetries: 0 }),
      ...fast,
    }).drain();
    for (const r of results) expect((await statusOf(r.id)).status).toBe('failed');
    expect(requests).toEqual([4, 1]);
  });

  for (const synchronous of [false, true]) {
    it(`a message the transport always throws on (${synchronous ? 'synchronously' : 'rejecting'}) ends failed after the attempts; the rest are sent`, async () => {
      const poison = await mailer().send(copy('ann@example.com', { subject: 'poison pill' }));
      const others = await mailer().sendMany([1, 2, 3].map((i) => copy(`reader${i}@example.com`)));
      const { transport, delivered } = pickyTransport({ synchronous });
      await createOutboxDeliverer({ store, transport, maxAttempts: 3, ...fast }).drain();
      expect(delivered.sort()).toEqual(others.map((o) => o.id).sort());
      const failed = await statusOf(poison.id);
      expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
      expect(failed.lastError).toContain('transport broke on a poison message');
    });
  }

  it('a row whose stored data cannot be used (attachment gone) fails at once, alone; its batch is sent', async () => {
    const results = await mailer().sendMany([1, 2, 3].map((i) => copy(`m${i}@example.com`, { batchKey: 'list:3' })));
    await store.db
      .update(outboundMessages)
      .set({
        attachments: [
          {
            filename: 'gone.pdf',
            contentType: 'application/pdf',
            blobKey: 'outbound/missing',
            size: 1,
            contentId: null,
            inline: false,
          },
        ],
      })
      .where(eq(outboundMessages.id, results[1]!.id));
    const { transport, delivered } = pickyTransport({ maxBatchSize: 1000 });
    await createOutboxDeliverer({ store, transport }).drain();
    expect(delivered.sort()).toEqual([results[0]!.id, results[2]!.id].sort());
    const failed = await statusOf(results[1]!.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.lastError).toMatch(/cannot be prepared: attachment gone\.pdf .* is missing/);
  });

  it('a row whose deliverer kept dying (lease expired with its attempts used up) is set aside, not sent again', async () => {
    const dying = await mailer().send(copy('ann@example.com'));
    const fine = await mailer().send(copy('bob@example.com'));
    await store.db
      .update(outboundMessages)
      .set({ status: 'sending', attempts: 3, leaseOwner: 'dead', leaseUntil: sql`now() - interval '1 second'` })
      .where(eq(outboundMessages.id, dying.id));
    const { transport, delivered } = pickyTransport();
    await createOutboxDeliverer({ store, transport, maxAttempts: 3 }).drain();
    expect(delivered).toEqual([fine.id]);
    const failed = await statusOf(dying.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 4 });
    expect(failed.lastError).toContain('gave up: the worker running attempt 3 of 3 stopped before finishing');
  });

  it('a transport that cannot reach its server is retried with backoff, not mistaken for a database outage', async () => {
    const { id } = await mailer().send(copy('ann@example.com'));
    const unreachable: Transport = {
      name: 'smtp',
      maxBatchSize: 1,
      async deliver() {
        const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
        throw new TransportError('SMTP send failed: connect ECONNREFUSED', { retryable: true, cause });
      },
    };
    await createOutboxDeliverer({ store, transport: unreachable }).drain();
    const row = await statusOf(id);
    expect(row).toMatchObject({ status: 'queued', attempts: 1 });
    expect(row.lastError).toContain('ECONNREFUSED');
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('a transport call that never settles gives its rows back after the lease; the next round sends the others', async () => {
    const hung = await mailer().send(copy('ann@example.com', { subject: 'hangs' }));
    const later = await mailer().send(copy('bob@example.com'));
    const delivered: string[] = [];
    const transport: Transport = {
      name: 'hangs',
      maxBatchSize: 1,
      deliver: (batch) =>
        batch[0]!.subject === 'hangs'
          ? new Promise(() => undefined)
          : (delivered.push(batch[0]!.id), Promise.resolve({ providerMessageId: null })),
    };
    await createOutboxDeliverer({ store, transport, leaseMs: 300, ...fast, maxAttempts: 2 }).drain();
    expect(delivered).toEqual([later.id]);
    const row = await statusOf(hung.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
    expect(row.lastError).toContain('transport.deliver did not finish within 300 ms');
    const rows = await store.db
      .select({ status: outboundMessages.status })
      .from(outboundMessages)
      .where(inArray(outboundMessages.id, [hung.id, later.id]));
    expect(rows.map((r) => r.status).sort()).toEqual(['failed', 'sent']);
  });
});
