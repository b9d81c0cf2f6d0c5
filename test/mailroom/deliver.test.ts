/**
 * `mailroom.deliver()`: the seam every raw-MIME ingress (relay endpoint, SMTP receiver, providers' raw webhooks)
 * hands its messages to. The stored form is SendGrid's raw-mode container plus the provider's name, so a stored
 * delivery re-parses, dedupes, replays and verifies DKIM like a SendGrid post. Real store (PGlite, or PostgreSQL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IngressError, type InboundEmail } from '@mailroom/core';
import { createTestMailroom, type TestMailroom } from '@mailroom/core/testing';

let t: TestMailroom | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const message = (subject: string, extra = '') =>
  Buffer.from(
    `From: Ann <ann@example.org>\r\nTo: list@lists.example.com\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\r\nDate: Sun, 6 Dec 2026 10:00:00 +0000\r\n${extra}` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from an MTA.\r\n`,
  );

async function mailroom(parseRaw: 'on-receipt' | 'in-worker' = 'on-receipt', limits = {}) {
  const handled: InboundEmail[] = [];
  t = await createTestMailroom({ parseRaw, limits });
  t.mailroom.route('*@*.example.com', async (ctx) => void handled.push(ctx.email));
  return { t, handled };
}

describe.each(['on-receipt', 'in-worker'] as const)('mailroom.deliver (parseRaw %s)', (parseRaw) => {
  it('stores a message with its envelope, routes it by the envelope, and names the provider', async () => {
    const { t, handled } = await mailroom(parseRaw);
    // Bcc-only: the envelope names a recipient no header does.
    const envelope = { from: 'bounce@example.org', to: ['hidden@support.example.com'] };
    const result = await t.mailroom.deliver({ provider: 'relay', message: message('Relayed'), envelope });
    expect(result.duplicate).toBe(false);
    await t.drain();
    expect(handled).toHaveLength(1);
    const [email] = handled;
    expect(email).toMatchObject({ provider: 'relay', mode: 'raw', subject: 'Relayed', envelope });
    expect(email!.text).toBe('Hello from an MTA.\n');
    const [row] = await t.store.inbox.list({});
    expect(row).toMatchObject({ status: 'delivered', recipient: 'hidden@support.example.com', subject: 'Relayed' });
    // The stored bytes re-parse to the same email (replay, the console, the CLI).
    expect((await t.store.inbox.loadEmail(row!.id)).toJSON()).toEqual(email!.toJSON());
  });

  it('stores a delivery the MTA retries once', async () => {
    const { t, handled } = await mailroom(parseRaw);
    const delivery = {
      provider: 'smtp',
      message: message('Retried'),
      envelope: { from: null, to: ['a@x.example.com'] },
    } as const;
    expect((await t.mailroom.deliver(delivery)).duplicate).toBe(false);
    expect((await t.mailroom.deliver(delivery)).duplicate).toBe(true);
    await t.drain();
    expect(handled).toHaveLength(1);
  });

  it('refuses an empty or oversized message with an IngressError, storing nothing', async () => {
    const { t } = await mailroom(parseRaw, { maxBodyBytes: 4096 });
    const envelope = { from: null, to: ['a@x.example.com'] };
    await expect(t.mailroom.deliver({ provider: 'relay', message: Buffer.alloc(0), envelope })).rejects.toMatchObject({
      status: 400,
      code: 'empty_message',
    });
    const big = message('Big', `X-Pad: ${'p'.repeat(5000)}\r\n`);
    const refused = await t.mailroom.deliver({ provider: 'relay', message: big, envelope }).catch((error) => error);
    expect(refused).toBeInstanceOf(IngressError);
    expect(refused).toMatchObject({ status: 413 });
    expect(await t.store.inbox.list({})).toEqual([]);
  });
});

it('a malformed message is a 400 on receipt, and stored then failed when the worker parses it', async () => {
  const deep = Buffer.concat([message('Deep').subarray(0, message('Deep').indexOf('MIME-Version')), nested(60)]);
  const envelope = { from: null, to: ['a@x.example.com'] };
  const onReceipt = await mailroom('on-receipt');
  await expect(onReceipt.t.mailroom.deliver({ provider: 'relay', message: deep, envelope })).rejects.toMatchObject({
    status: 400,
    code: 'mime_too_deep',
  });
  await onReceipt.t.close();
  const inWorker = await mailroom('in-worker');
  await inWorker.t.mailroom.deliver({ provider: 'relay', message: deep, envelope });
  await inWorker.t.drain();
  expect(await inWorker.t.store.inbox.list({})).toMatchObject([{ status: 'failed', subject: 'Deep' }]);
  expect(inWorker.handled).toEqual([]);
});

function nested(depth: number): Buffer {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let level = depth; level > 0; level--) {
    body = `Content-Type: multipart/mixed; boundary="b${level}"\r\n\r\n--b${level}\r\n${body}\r\n--b${level}--\r\n`;
  }
  return Buffer.from(`MIME-Version: 1.0\r\n${body}`);
}
