/**
 * End to end: kit-built SendGrid posts over real HTTP (Hono on @hono/node-server) into the
 * inbound endpoint, asserting on the JSON the endpoint answers with.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildInboundPost,
  fixtures,
  generateTestKeyPair,
  inboundRequest,
  signatureHeaders,
  TEST_KEY_PAIR,
  type InboundDescription,
} from '@mailroom/core/testing';
import { BASIC, BEARER_TOKEN, startInboundServer } from './server.js';

let server: Awaited<ReturnType<typeof startInboundServer>>;
beforeAll(async () => {
  server = await startInboundServer();
});
afterAll(async () => {
  expect(server.serverFaults).toEqual([]); // no request in this file may be a server fault
  await server.close();
});

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const sign = { sign: TEST_KEY_PAIR };

const pdf = Buffer.from('%PDF-1.4\n% not really a PDF\n');
const everyField: InboundDescription = {
  from: 'Zoë Sender <zoe@sender.example>',
  to: ['Support <support@inbound.example.com>', 'sales@inbound.example.com'],
  cc: 'Carol <carol@example.org>',
  replyTo: 'Replies <replies@sender.example>',
  bcc: 'archive@inbound.example.com',
  subject: 'Order #42 — status?',
  text: 'Hello,\nwhere is my order?\n\n-- \nZoë\n',
  html: '<p>Hello, where is my order? <img src="cid:logo@sender.example"></p>',
  date: 'Tue, 24 Nov 2026 08:15:00 +0100',
  messageId: 'order-42@sender.example',
  inReplyTo: '<order-41@inbound.example.com>',
  references: ['<order-40@inbound.example.com>', '<order-41@inbound.example.com>'],
  headers: { 'X-Order': '42' },
  attachments: [
    { filename: 'logo.png', content: fixtures.TINY_PNG, contentId: 'logo@sender.example' },
    { filename: 'invoice.pdf', contentType: 'application/pdf', content: pdf },
  ],
  dkim: '{@sender.example : pass}',
  spf: 'softfail',
  spamScore: 2.5,
  spamReport: 'Content analysis details:   (2.5 points, 5.0 required)\n',
  senderIp: '198.51.100.7',
};

describe.each(['parsed', 'raw'] as const)('%s mode round trip', (mode) => {
  it('carries every field of the JSON form', async () => {
    const reply = await server.post('signed', { ...everyField, mode }, sign);
    expect(reply.body.error).toBeUndefined();
    expect(reply.status).toBe(200);
    const email = reply.body.email!;
    expect(reply.body.authenticatedBy).toEqual(['signature']);
    expect(email).toMatchObject({
      mode,
      messageId: 'order-42@sender.example',
      date: '2026-11-24T07:15:00.000Z',
      subject: 'Order #42 — status?',
      from: { address: 'zoe@sender.example', name: 'Zoë Sender' },
      to: [
        { address: 'support@inbound.example.com', name: 'Support' },
        { address: 'sales@inbound.example.com', name: '' },
      ],
      cc: [{ address: 'carol@example.org', name: 'Carol' }],
      replyTo: [{ address: 'replies@sender.example', name: 'Replies' }],
      envelope: {
        from: 'zoe@sender.example',
        to: ['support@inbound.example.com', 'sales@inbound.example.com', 'archive@inbound.example.com'],
      },
      inReplyTo: 'order-41@inbound.example.com',
      references: ['order-40@inbound.example.com', 'order-41@inbound.example.com'],
      auth: { spf: 'softfail', dkim: [{ domain: 'sender.example', result: 'pass' }] },
      spam: { score: 2.5, report: 'Content analysis details:   (2.5 points, 5.0 required)\n' },
      senderIp: '198.51.100.7',
    });
    expect(email.text?.replace(/\n+$/, '')).toBe('Hello,\nwhere is my order?\n\n-- \nZoë');
    expect(email.text).not.toContain('\r');
    expect(email.html).toContain('<p>Hello, where is my order? <img src="cid:logo@sender.example"></p>');
    expect(email.headers).toContainEqual({ name: 'X-Order', value: '42' });
    expect(email.headers.find((h) => h.name.toLowerCase() === 'subject')?.value).toBe('Order #42 — status?');
    expect(email.attachments).toEqual([
      {
        filename: 'logo.png',
        contentType: 'image/png',
        size: fixtures.TINY_PNG.length,
        contentId: 'logo@sender.example',
        inline: true,
        sha256: sha256(fixtures.TINY_PNG),
      },
      {
        filename: 'invoice.pdf',
        contentType: 'application/pdf',
        size: pdf.length,
        contentId: null,
        inline: false,
        sha256: sha256(pdf),
      },
    ]);
  });

  it('takes defaults: no Cc, no spam check, text only', async () => {
    const reply = await server.post('signed', { mode, spamScore: null }, sign);
    expect(reply.status).toBe(200);
    expect(reply.body.email).toMatchObject({
      cc: [],
      replyTo: [],
      html: null,
      spam: null,
      attachments: [],
      inReplyTo: null,
      references: [],
    });
    expect(reply.body.email!.text).toContain('This message was built by @mailroom/core/testing.');
  });

  it('routes Bcc recipients through the envelope only', async () => {
    const reply = await server.post(
      'signed',
      { mode, to: 'list@inbound.example.com', bcc: ['hidden@inbound.example.com'] },
      sign,
    );
    const email = reply.body.email!;
    expect(email.envelope.to).toEqual(['list@inbound.example.com', 'hidden@inbound.example.com']);
    expect([...email.to, ...email.cc].map((a) => a.address)).not.toContain('hidden@inbound.example.com');
  });

  describe('charsets', () => {
    const samples: Array<[string, string]> = [
      ['cp850', 'Como usted pidió, ¿sí? ñ'],
      ['windows-1252', 'The ESP’s “smart” quotes… €'],
      ['koi8-r', 'Съешь же ещё этих мягких булок'],
      ['iso-2022-jp', '日本語のメールです'],
      ['shift_jis', 'テストメール送信、ありがとう'],
      ['gb18030', '测试邮件，谢谢'],
    ];
    it.each(samples)('%s', async (charset, sample) => {
      const reply = await server.post(
        'signed',
        {
          mode,
          charset,
          subject: sample,
          text: `${sample}\n`,
          html: `<p>${sample}</p>`,
          from: `"${sample}" <x@sender.example>`,
        },
        sign,
      );
      expect(reply.body.error).toBeUndefined();
      const email = reply.body.email!;
      expect(email.subject).toBe(sample);
      expect(email.text?.trimEnd()).toBe(sample);
      expect(email.html).toContain(`<p>${sample}</p>`);
      expect(email.from).toEqual({ address: 'x@sender.example', name: sample });
    });
  });

  it('posts over 1 MiB', async () => {
    const big = randomBytes(1_500_000);
    const reply = await server.post(
      'signed',
      { mode, attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', content: big }] },
      sign,
    );
    expect(reply.status).toBe(200);
    expect(reply.body.email!.attachments).toEqual([
      {
        filename: 'big.bin',
        contentType: 'application/octet-stream',
        size: big.length,
        contentId: null,
        inline: false,
        sha256: sha256(big),
      },
    ]);
  });

  it('accepts a chunked request', async () => {
    const post = buildInboundPost({
      mode,
      subject: 'chunked',
      attachments: [{ filename: 'a.bin', content: randomBytes(100_000) }],
    });
    const reply = await server.post('signed', post, { ...sign, chunked: true, chunkSize: 7_000 });
    expect(reply.status).toBe(200);
    expect(reply.body.email!.subject).toBe('chunked');
    expect(reply.body.sha256).toBe(sha256(post.body));
  });
});

describe('windows-1252 0x92', () => {
  it('decodes as ’ (not U+0092) in the C7 capture', async () => {
    const reply = await server.post('signed', fixtures.c7ParsedCharsets(), sign);
    expect(reply.status).toBe(200);
    expect(reply.body.email).toMatchObject({
      subject: 'Como usted pidió',
      text: 'Test the ESP’s inbound charset handling…',
      html: '<p>¿Esto se ve como esperabas?</p>',
      from: { address: 'sender@example.com', name: 'Opérateur de test' },
      to: [{ address: 'inbound@sg.example.com', name: 'Récipiendaire précieux' }],
    });
    expect(reply.body.email!.text).not.toContain('\u0092');
  });
});

describe('attachments', () => {
  it('keeps numeric order through attachment10 and beyond, whatever the field order', async () => {
    const attachments = Array.from({ length: 12 }, (_, i) => ({
      filename: `part-${i + 1}.txt`,
      contentType: 'text/plain',
      content: `part ${i + 1}`,
    }));
    const reply = await server.post('signed', { attachments, fieldOrder: 'shuffled', seed: 7 }, sign);
    expect(reply.status).toBe(200);
    expect(reply.body.email!.attachments.map((a) => a.filename)).toEqual(attachments.map((a) => a.filename));
  });

  it('joins C6’s out-of-order parts to attachment-info by name, with the inline CID image', async () => {
    const reply = await server.post('signed', fixtures.c6ParsedOutlook(), sign);
    expect(reply.status).toBe(200);
    const email = reply.body.email!;
    expect(email.attachments).toEqual([
      {
        filename: 'image001.png',
        contentType: 'image/png',
        size: fixtures.TINY_PNG.length,
        contentId: 'image001.png@01D85101.00357470',
        inline: true,
        sha256: sha256(fixtures.TINY_PNG),
      },
      {
        filename: '001.jpg',
        contentType: 'image/jpeg',
        size: fixtures.TINY_JPEG.length,
        contentId: null,
        inline: false,
        sha256: sha256(fixtures.TINY_JPEG),
      },
    ]);
    expect(email.from).toEqual({ address: 'myemailaddress@hotmail.com', name: 'Jérémie Desautels' });
    expect(email.spam?.score).toBe(2.7);
  });

  it('finds the inline CID image of C6’s raw Outlook message', async () => {
    const reply = await server.post('signed', fixtures.c6RawOutlook(), sign);
    expect(reply.status).toBe(200);
    const email = reply.body.email!;
    expect(email.mode).toBe('raw');
    expect(email.subject).toBe('Inbound email in raw format');
    expect(email.attachments).toEqual([
      {
        filename: 'Frangipani Flowers.jpg',
        contentType: 'image/jpeg',
        size: fixtures.TINY_JPEG.length,
        contentId: fixtures.C6_RAW_INLINE_CID,
        inline: true,
        sha256: sha256(fixtures.TINY_JPEG),
      },
    ]);
    expect(email.html).toContain(`cid:${fixtures.C6_RAW_INLINE_CID}`);
    expect(email.text).toContain('This is a test 💀');
  });

  it('reads C5, the 2018 Gmail capture', async () => {
    const reply = await server.post('signed', fixtures.c5ParsedGmail(), sign);
    expect(reply.status).toBe(200);
    expect(reply.body.email).toMatchObject({
      subject: 'Fwd: testing webhook parse',
      from: { address: 'aroach@gmail.com', name: 'Ashley Roach' },
      text: 'this is the body for webhook parse\n',
      spam: { score: 0.022 },
      auth: { spf: 'pass', dkim: [{ domain: 'gmail.com', result: 'pass' }] },
      senderIp: '209.85.161.46',
    });
  });
});

describe('security over HTTP', () => {
  it('accepts a signed post and rejects unsigned (401), tampered (403) and wrong-key (403) ones', async () => {
    expect((await server.post('signed', {}, sign)).status).toBe(200);

    const unsigned = await server.post('signed', {});
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatchObject({ error: 'signature_missing' });
    expect(unsigned.body.reason).toBeTruthy();

    const original = buildInboundPost({ subject: 'Pay 10 EUR' });
    const tampered = buildInboundPost({ subject: 'Pay 99 EUR' });
    const replay = await server.post('signed', tampered, { headers: signatureHeaders(TEST_KEY_PAIR, original.body) });
    expect(replay.status).toBe(403);
    expect(replay.body.error).toBe('signature_invalid');

    const flipped = Buffer.from(original.body);
    flipped[flipped.length - 30]! ^= 0x01;
    const flippedReply = await server.post(
      'signed',
      { ...original, body: flipped },
      { headers: signatureHeaders(TEST_KEY_PAIR, original.body) },
    );
    expect(flippedReply.status).toBe(403);

    const wrongKey = await server.post('signed', {}, { sign: generateTestKeyPair() });
    expect(wrongKey.status).toBe(403);
    expect(wrongKey.body.error).toBe('signature_invalid');
  });

  it('checks basic credentials', async () => {
    const ok = await server.post('basic', {}, { basic: BASIC });
    expect(ok.status).toBe(200);
    expect(ok.body.authenticatedBy).toEqual(['basic']);
    for (const basic of [undefined, { ...BASIC, password: 'wrong' }, { ...BASIC, username: 'other' }]) {
      const denied = await server.post('basic', {}, basic ? { basic } : {});
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toMatch(/^Basic realm="mailroom"/);
      expect(denied.body.reason).toBeTruthy();
    }
  });

  it('checks bearer tokens and answers invalid_token so SendGrid refreshes', async () => {
    const ok = await server.post('bearer', {}, { bearer: BEARER_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.body.authenticatedBy).toEqual(['bearer']);
    const denied = await server.post('bearer', {}, { bearer: 'expired' });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(JSON.stringify(denied.body)).toContain('invalid_token');
  });

  it('answers 405 to anything but POST', async () => {
    const reply = await server.send(new Request(`${server.base}/signed/parse`));
    expect(reply.status).toBe(405);
  });

  it('rejects a request that is not multipart with a 4xx reason', async () => {
    const reply = await server.send(
      inboundRequest(
        { body: Buffer.from('{"hello":"world"}'), contentType: 'application/json', headers: {} },
        { url: `${server.base}/open/parse` },
      ),
    );
    expect(reply.status).toBe(415);
    expect(reply.body.reason).toBeTruthy();
  });
});
