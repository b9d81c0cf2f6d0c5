import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailroom, type Mailroom, type PreparedMessage, type Transport } from '@mailroom/core';
import { rowsOf } from '@mailroom/core/inbox';
import {
  buildInboundPost,
  createTestStore,
  TEST_KEY_PAIR,
  type InboundDescription,
  type TestStore,
} from '@mailroom/core/testing';
import { createAgent, createSupportApp, issueApiToken, type SupportApp } from '@mailroom/app-support';
import { pool, send, signedHeaders } from './support/posts.js';
import { recordFigures, scaled } from './support/summary.js';

// The help desk on the open internet: a real HTTP server, the in-process worker and deliverer running,
// every post through the real webhook. Forged senders (SendGrid's `dkim: none`, `SPF: fail`) rotate
// addresses, try to join tickets and name thousands of Cc's; hostile subjects decode to CR/LF.

const DOMAIN = 'support.reliability.test';
const SUPPORT = `support@${DOMAIN}`;
const KEYS = [{ id: 'rel', secret: 'reliability secret for the support scenarios' }];
const FORGED = { dkim: 'none', spf: 'fail' };
/** The Mailroom's global cap on automatic replies in this scenario (production default: 1,000 per hour). */
const GLOBAL_ACKS = 25;

describe('support: forged senders over real HTTP', () => {
  let store: TestStore;
  let mailroom: Mailroom;
  let support: SupportApp;
  let server: ServerType;
  let base: string;
  let apiToken: string;
  const sent: PreparedMessage[] = [];

  beforeAll(async () => {
    store = await createTestStore();
    const transport: Transport = {
      name: 'capture',
      maxBatchSize: 1,
      async deliver(batch) {
        sent.push(...batch);
        return { providerMessageId: `rel-${sent.length}` };
      },
    };
    mailroom = createMailroom({
      store,
      security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
      worker: { pollMs: 20, backoff: { baseMs: 20, maxMs: 100 } },
      mail: {
        from: SUPPORT,
        transport,
        replyAddresses: { keys: KEYS, domain: DOMAIN },
        messageIds: { keys: KEYS, domain: DOMAIN },
        autoReplyLimit: { globalMax: GLOBAL_ACKS },
        deliverer: { pollMs: 20 },
      },
    });
    support = await createSupportApp({
      mailroom,
      store,
      sessionSecret: 'test secret for the forged-support sessions',
      config: { domain: DOMAIN, queues: [{ address: SUPPORT, name: 'general' }], secureCookies: false },
    });
    const agent = await createAgent(support.services.db, {
      email: 'agent@staff.reliability.test',
      name: 'Agent',
      password: 'agent password 1',
    });
    apiToken = await issueApiToken(support.services.db, agent.id);
    const app = new Hono().route('/webhooks/sendgrid', mailroom.app()).route('/', support.web);
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mailroom.start();
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await mailroom?.stop();
    await store?.close();
  });

  async function post(description: InboundDescription): Promise<{ status: number; id: string | null }> {
    const built = buildInboundPost(description);
    const answer = await send(
      `${base}/webhooks/sendgrid/parse`,
      signedHeaders(built.body, built.contentType),
      built.body,
    );
    const id = 'body' in answer && answer.status === 200 ? (JSON.parse(answer.body) as { id: string }).id : null;
    return { status: answer.status, id };
  }

  /** A PostgreSQL array literal (both drivers bind one text parameter the same way). */
  const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

  async function statuses(ids: string[]): Promise<Record<string, number>> {
    const rows = rowsOf<{ status: string; n: number }>(
      await store.db.execute(
        sql`select status, count(*)::int as n from mailroom.inbound_emails where id = any(${uuidArray(ids)}::uuid[]) group by status`,
      ),
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Waits (the running worker, no drain) until every email is processed and the outbox is empty. */
  async function settled(ids: string[], deadlineMs = 120_000): Promise<Record<string, number>> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const counts = await statuses(ids);
      const [queued] = rowsOf<{ n: number }>(
        await store.db.execute(
          sql`select count(*)::int as n from mailroom.outbound_messages where status in ('queued', 'sending')`,
        ),
      );
      const open = (counts.pending ?? 0) + (counts.processing ?? 0);
      if ((open === 0 && Number(queued?.n ?? 0) === 0) || Date.now() > deadline) return counts;
      await sleep(50);
    }
  }

  it('a burst of forged, rotating senders: every email kept as a ticket, acknowledgements fixed-text and capped', async () => {
    const count = scaled(200, 40);
    const before = sent.length;
    const ids: string[] = [];
    let server5xx = 0;
    await pool(
      Array.from({ length: count }, (_, i) => i),
      8,
      async (i) => {
        const answer = await post({
          from: `Cheap Pills <victim${i}@third-party-${i % 17}.test>`,
          to: SUPPORT,
          subject: 'BUY CHEAP PILLS at http://spam.test',
          text: 'http://spam.test',
          messageId: `<burst-${i}@third-party.test>`,
          ...FORGED,
        });
        if (answer.status >= 500 || answer.status === 0) server5xx++;
        if (answer.id) ids.push(answer.id);
      },
    );
    expect(server5xx).toBe(0);
    expect(ids).toHaveLength(count);
    const counts = await settled(ids);
    expect(counts).toEqual({ delivered: count });
    const [tickets] = rowsOf<{ n: number }>(
      await store.db.execute(
        sql`select count(*)::int as n from support.tickets where requester_address like 'victim%'`,
      ),
    );
    expect(Number(tickets!.n)).toBe(count);
    const acks = sent.slice(before);
    // The global count is not serialised across the worker's concurrent handlers: it may pass by at most that many.
    expect(acks.length).toBeGreaterThanOrEqual(GLOBAL_ACKS);
    expect(acks.length).toBeLessThanOrEqual(GLOBAL_ACKS + 4);
    for (const ack of acks) {
      expect(ack.subject).toMatch(/^\[#\d+\] We received your message$/);
      expect(`${ack.subject} ${ack.text} ${JSON.stringify(ack.to)}`).not.toMatch(/pills|spam\.test/i);
    }
    recordFigures({
      scenario: 'forged-support burst',
      sent: count,
      ok2xx: ids.length,
      stored: count,
      processed: counts.delivered ?? 0,
      lost: 0,
      duplicates: 0,
      server5xx,
      acks: acks.length,
    });
  });

  it('hijack attempts and 5,000 Cc’s never widen who an agent reply reaches; CR/LF subjects still open tickets', async () => {
    const opened = await post({
      from: 'vic@victim.test',
      to: SUPPORT,
      subject: 'Invoice PIN',
      text: 'Please send a new PIN.',
    });
    await settled([opened.id!]);
    const [ticket] = rowsOf<{ number: number }>(
      await store.db.execute(sql`select number from support.tickets where requester_address = 'vic@victim.test'`),
    );
    const number = Number(ticket!.number);
    const crowd = Array.from({ length: 5000 }, (_, i) => `p${i}@crowd.test`);
    const attacks = [
      {
        from: 'vic@victim.test',
        to: SUPPORT,
        cc: 'eve@attacker.test',
        subject: `Re: [#${number}] Invoice PIN`,
        text: 'Copy my colleague.',
        ...FORGED,
      },
      {
        from: 'vic@victim.test',
        to: SUPPORT,
        cc: crowd,
        subject: `Re: [#${number}] Invoice PIN`,
        text: 'Copy everyone.',
        ...FORGED,
      },
      { from: 'crowd@crowd.test', to: SUPPORT, cc: crowd, subject: 'Everyone', text: 'Tell everyone.' },
      {
        mode: 'raw' as const,
        from: 'crlf@customer.test',
        to: SUPPORT,
        subject: `=?UTF-8?B?${Buffer.from('Invoice\r\nBcc: all@victim.test').toString('base64')}?=`,
        text: 'Hi',
      },
    ];
    const ids: string[] = [];
    for (const attack of attacks) ids.push((await post(attack)).id!);
    expect(await settled(ids)).toEqual({ delivered: attacks.length });
    const attempts = rowsOf<{ attempts: number }>(
      await store.db.execute(
        sql`select attempts from mailroom.inbound_emails where id = any(${uuidArray(ids)}::uuid[])`,
      ),
    );
    expect(attempts.map((r) => Number(r.attempts))).toEqual(Array(attacks.length).fill(1));

    const people = rowsOf<{ ticket_number: number; n: number }>(
      await store.db.execute(
        sql`select ticket_number, count(*)::int as n from support.participants group by ticket_number order by n desc`,
      ),
    );
    expect(Math.max(...people.map((p) => Number(p.n)))).toBe(50);
    const before = sent.length;
    const reply = await fetch(`${base}/api/tickets/${number}/replies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Your new invoice PIN is 4711.' }),
    });
    expect(reply.status).toBe(201);
    const deadline = Date.now() + 30_000;
    while (sent.length === before && Date.now() < deadline) await sleep(20);
    const recipients = sent
      .slice(before)
      .flatMap((m) => [...m.to, ...m.cc, ...m.bcc])
      .map((a) => a.address);
    expect(recipients).toEqual(['vic@victim.test']);
    const [crlf] = rowsOf<{ subject: string }>(
      await store.db.execute(sql`select subject from support.tickets where requester_address = 'crlf@customer.test'`),
    );
    expect(crlf!.subject).toBe('Invoice Bcc: all@victim.test');
  });
});
