/**
 * `createMailroom({ parseRaw: 'in-worker' })`: a small raw-mode post is verified, summarized from its envelope and
 * header block, stored and answered before its MIME is parsed; the worker parses it. Real signed posts over HTTP
 * to a running Mailroom on the test store (PGlite, or PostgreSQL with DATABASE_URL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundEmail } from '@mailroom/core';
import {
  buildInboundPost,
  createTestMailroom,
  inboundFormParts,
  inboundRequest,
  multipartBody,
  multipartContentType,
  TEST_KEY_PAIR,
  type BuiltPost,
  type InboundDescription,
  type TestMailroom,
} from '@mailroom/core/testing';

let t: TestMailroom | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function mailroom(parseRaw: 'in-worker' | 'on-receipt' = 'in-worker') {
  const handled: InboundEmail[] = [];
  t = await createTestMailroom({ parseRaw });
  t.mailroom.route('*@inbound.example.com', async (ctx) => void handled.push(ctx.email));
  return { t, handled };
}

/** A raw post whose `email` field is `message` (the envelope and SendGrid's fields as the test kit builds them). */
function rawPost(message: string | Buffer, boundary?: string): BuiltPost {
  const parts = inboundFormParts({ mode: 'raw' }).map((part) =>
    part.name === 'email' ? { ...part, value: Buffer.from(message) } : part,
  );
  const built = buildInboundPost({ mode: 'raw' });
  return { ...built, body: multipartBody(parts, boundary), contentType: multipartContentType(boundary) };
}

async function stored(t: TestMailroom) {
  const rows = await t.store.inbox.list({});
  return rows.map((row) => ({ status: row.status, subject: row.subject, from: row.fromAddress, error: row.lastError }));
}

const inboundRequestFor = (t: TestMailroom, description: InboundDescription) =>
  inboundRequest(description, { url: `${t.url}/webhooks/sendgrid/parse`, sign: TEST_KEY_PAIR });

const answer = async (response: Response) => ({ status: response.status, body: await response.json() });

describe("parseRaw: 'in-worker'", () => {
  it('stores a raw post unparsed, and the handler gets the same email the on-receipt parse gives', async () => {
    const description: InboundDescription = {
      mode: 'raw',
      from: 'Zoë <zoe@example.org>',
      subject: 'Grüße, =?utf-8?q?encoded?= and all',
      text: 'Body text\n',
      html: '<p>Body <b>html</b></p>',
      attachments: [{ filename: 'report.txt', contentType: 'text/plain', content: 'attached bytes' }],
    };
    const deferred = await mailroom('in-worker');
    expect(await answer(await deferred.t.post(description))).toMatchObject({ status: 200, body: { duplicate: false } });
    const [row] = await stored(deferred.t);
    const [email] = deferred.handled;
    await deferred.t.close();

    const onReceipt = await mailroom('on-receipt');
    await onReceipt.t.post(description);
    const [expected] = onReceipt.handled;
    expect(email!.toJSON()).toEqual(expected!.toJSON());
    expect((await email!.attachments[0]!.content()).toString()).toBe('attached bytes');
    // The row was written from the header summary, decoded as the full parse decodes it.
    expect(row).toMatchObject({ status: 'delivered', subject: expected!.subject, from: 'zoe@example.org' });
  });

  it('with the worker running, processes the email just stored from the bytes it was posted with (born leased)', async () => {
    const { t, handled } = await mailroom();
    t.mailroom.start();
    const response = await fetch(inboundRequestFor(t, { mode: 'raw', subject: 'Born leased' }));
    expect(response.status).toBe(200);
    for (let i = 0; i < 100 && handled.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(handled.map((email) => email.subject)).toEqual(['Born leased']);
    expect((await stored(t))[0]).toMatchObject({ status: 'delivered' });
  });

  it('a retry, or the same message under another form boundary, is the one email', async () => {
    const { t, handled } = await mailroom();
    const message = `From: a@example.org\r\nTo: inbox@inbound.example.com\r\nSubject: Once\r\nMessage-ID: <once@example.org>\r\n\r\nonce\r\n`;
    expect((await answer(await t.post(rawPost(message)))).body.duplicate).toBe(false);
    expect((await answer(await t.post(rawPost(message)))).body.duplicate).toBe(true);
    expect((await answer(await t.post(rawPost(message, 'another-boundary-0123')))).body.duplicate).toBe(true);
    // Another message with the same Message-ID (a forgery, or a resend with new content) is stored too.
    expect((await answer(await t.post(rawPost(message.replace('once\r\n', 'twice\r\n'))))).body.duplicate).toBe(false);
    expect(handled).toHaveLength(2);
  });

  it('tells apart messages without a Message-ID by their headers, and still dedupes their retries', async () => {
    const { t, handled } = await mailroom();
    const message = (date: string) =>
      `From: ups@example.org\r\nTo: inbox@inbound.example.com\r\nSubject: On battery\r\nDate: ${date}\r\n\r\nOn battery.\r\n`;
    const monday = rawPost(message('Mon, 30 Nov 2026 10:00:00 +0000'));
    const thursday = rawPost(message('Thu, 3 Dec 2026 10:00:00 +0000'));
    expect((await answer(await t.post(monday))).body.duplicate).toBe(false);
    expect((await answer(await t.post(thursday))).body.duplicate).toBe(false);
    expect((await answer(await t.post(monday))).body.duplicate).toBe(true);
    expect(handled.map((email) => email.date?.getUTCDate())).toEqual([30, 3]);
  });

  it('decodes an 8-bit windows-1252 Subject header in the row exactly as the parse does', async () => {
    const { t, handled } = await mailroom();
    const message = Buffer.concat([
      Buffer.from('From: a@example.org\r\nTo: inbox@inbound.example.com\r\nSubject: caf'),
      Buffer.from([0xe9]),
      Buffer.from('\r\nMessage-ID: <latin@example.org>\r\n\r\nbody\r\n'),
    ]);
    await t.post(rawPost(message));
    expect(handled[0]?.subject).toBe('café');
    expect((await stored(t))[0]?.subject).toBe('café');
  });

  it('stores a message that cannot be parsed and ends it failed, its handler never run (on receipt: a 4xx)', async () => {
    const deep = `From: a@example.org\r\nTo: inbox@inbound.example.com\r\nSubject: Deep\r\nMessage-ID: <deep@example.org>\r\n${nested(60)}`;
    const { t, handled } = await mailroom();
    expect((await t.post(rawPost(deep))).status).toBe(200);
    const [row] = await stored(t);
    expect(row).toMatchObject({ status: 'failed', subject: 'Deep' });
    expect(row?.error).toMatch(/nest/i);
    expect(handled).toEqual([]);
    await t.close();

    const onReceipt = await mailroom('on-receipt');
    expect(await answer(await onReceipt.t.post(rawPost(deep)))).toMatchObject({
      status: 400,
      body: { error: 'mime_too_deep' },
    });
  });

  it('parses on receipt what it cannot summarize cheaply: a header block past 64 KiB, a body past the off-thread size', async () => {
    const { t, handled } = await mailroom();
    const longHeaders =
      `From: a@example.org\r\nTo: inbox@inbound.example.com\r\nSubject: Long\r\n${'X-Pad: '.padEnd(990, 'p')}\r\n`.repeat(
        1,
      );
    const padded = longHeaders + `X-Pad: ${'q'.repeat(980)}\r\n`.repeat(70) + '\r\nbody\r\n';
    expect((await t.post(rawPost(padded))).status).toBe(200);
    // Malformed past the summary's reach: refused on receipt, as without the option.
    const broken =
      `From: a@example.org\r\nSubject: Broken\r\n${'X-Pad: '.padEnd(1000, 'p')}\r\n`.repeat(70) + nested(60);
    expect(await answer(await t.post(rawPost(broken)))).toMatchObject({
      status: 400,
      body: { error: 'mime_too_deep' },
    });
    expect(handled.map((email) => email.subject)).toEqual(['Long']);
  });
});

/** A multipart message `depth` levels deep (past the default nesting limit of 50). */
function nested(depth: number): string {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let level = depth; level > 0; level--) {
    const boundary = `b${level}`;
    body = `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n--${boundary}\r\n${body}\r\n--${boundary}--\r\n`;
  }
  return `MIME-Version: 1.0\r\n${body}`;
}
