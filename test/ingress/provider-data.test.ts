/**
 * `email.providerData` as a routed handler sees it, after the worker re-parsed the stored post: SendGrid's own
 * fields in both modes, and a stored form whose `mailroom-provider-data` is not fit to read (the mail still
 * delivered, with the provider's name and no data). Real HTTP, real store (PGlite, or PostgreSQL with DATABASE_URL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundEmail } from '@mailroom/core';
import { createTestMailroom, type TestMailroom } from '@mailroom/core/testing';

let open: TestMailroom[] = [];
afterEach(async () => {
  for (const t of open.reverse()) await t.close();
  open = [];
});

async function receiver() {
  const handled: InboundEmail[] = [];
  const t = await createTestMailroom();
  open.push(t);
  t.mailroom.route('inbox', '*@inbound.example.com', async (ctx) => void handled.push(ctx.email));
  return { t, handled };
}

const message =
  'From: Ann <ann@example.org>\r\nTo: inbox@inbound.example.com\r\nSubject: Stored form\r\n' +
  'Message-ID: <stored-form.1@example.org>\r\n\r\nhello\r\n';

/** A raw-mode post with these fields before the message, as a BuiltPost the test Mailroom signs and sends. */
function rawPost(fields: Array<[string, string]>) {
  const boundary = 'xYzZY';
  const parts = [...fields, ['email', message] as [string, string]].map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const body = Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
  const contentType = `multipart/form-data; boundary=${boundary}`;
  return { body, contentType, headers: { 'content-type': contentType } };
}

const envelope = JSON.stringify({ from: 'ann@example.org', to: ['inbox@inbound.example.com'] });

describe('email.providerData', () => {
  it.each(['parsed', 'raw'] as const)("is SendGrid's own fields as posted (%s mode)", async (mode) => {
    const { t, handled } = await receiver();
    const response = await t.post({
      mode,
      dkim: '{@example.org : pass}',
      spf: 'softfail',
      spamScore: 2.5,
      spamReport: 'Content analysis details:   (2.5 points, 5.0 required)\n',
      senderIp: '198.51.100.7',
    });
    expect(response.status).toBe(200);
    expect(handled).toHaveLength(1);
    expect(handled[0]!.providerData).toMatchObject({
      name: 'sendgrid',
      spamScore: 2.5,
      spamReport: 'Content analysis details:   (2.5 points, 5.0 required)\n',
      spf: 'softfail',
      dkim: '{@example.org : pass}',
      senderIp: '198.51.100.7',
    });
    expect(handled[0]!.providerData.name === 'sendgrid' && handled[0]!.providerData.charsets).toMatch(/^\{/);
  });

  it('is the name and no data when the stored mailroom-provider-data is not JSON; the mail is delivered', async () => {
    const { t, handled } = await receiver();
    const post = rawPost([
      ['envelope', envelope],
      ['mailroom-provider', 'postmark'],
      ['mailroom-provider-data', '{"name":"postmark","spamScore":'],
    ]);
    expect((await t.post(post)).status).toBe(200);
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ provider: 'postmark', subject: 'Stored form' });
    expect(handled[0]!.providerData).toEqual({
      name: 'postmark',
      messageId: null,
      messageStream: null,
      mailboxHash: null,
      originalRecipient: null,
      tag: null,
      spamScore: null,
      spamStatus: null,
      spamTests: null,
    });
    expect(await t.store.inbox.list({})).toMatchObject([{ status: 'delivered' }]);
  });

  it("is no data when the stored data names another provider than mailroom-provider's", async () => {
    const { t, handled } = await receiver();
    const forged = { name: 'smtp', remoteAddress: '203.0.113.9', heloName: 'trusted.example', tls: true };
    const post = rawPost([
      ['envelope', envelope],
      ['mailroom-provider', 'relay'],
      ['mailroom-provider-data', JSON.stringify(forged)],
    ]);
    expect((await t.post(post)).status).toBe(200);
    expect(handled[0]).toMatchObject({ provider: 'relay', providerData: { name: 'relay' } });
  });
});
