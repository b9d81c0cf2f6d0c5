import { verify, createPublicKey } from 'node:crypto';
import busboy from 'busboy';
import iconv from 'iconv-lite';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseInboundBody } from '@mailroom/core/ingress';
import {
  buildInboundPost,
  fixtures,
  generateTestKeyPair,
  httpRequestBytes,
  inboundRequest,
  signBody,
  TEST_KEY_PAIR,
  DEFAULT_TEXT,
  type InboundDescription,
} from '@mailroom/core/testing';
import { composeMessage, composeMessageAsync } from './mime.js';

interface Part {
  name: string;
  value: Buffer;
  filename?: string;
  mimeType?: string;
}

/** Reads a multipart body with busboy, keeping every value as bytes (latin1 is byte-transparent). */
function readForm(body: Buffer, contentType: string): Promise<Part[]> {
  return new Promise((resolve, reject) => {
    const parts: Part[] = [];
    const parser = busboy({
      headers: { 'content-type': contentType },
      defCharset: 'latin1',
      defParamCharset: 'utf8',
      preservePath: true,
      limits: { fieldSize: Infinity },
    });
    parser.on('field', (name, value) => parts.push({ name, value: Buffer.from(value, 'latin1') }));
    parser.on('file', (name, stream, info) => {
      const part: Part = { name, value: Buffer.alloc(0), filename: info.filename, mimeType: info.mimeType };
      parts.push(part); // in wire order
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => (part.value = Buffer.concat(chunks)));
    });
    parser.on('close', () => resolve(parts));
    parser.on('error', reject);
    parser.end(body);
  });
}

const fieldsOf = (parts: Part[]) => Object.fromEntries(parts.map((p) => [p.name, p.value]));
const str = (b: Buffer | undefined) => b?.toString('utf8');

/** The raw part headers of each multipart section, for checks busboy hides. */
function partHeaders(body: Buffer, boundary = 'xYzZY'): string[] {
  return body
    .toString('latin1')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((section) => section.slice(2, section.indexOf('\r\n\r\n')));
}

describe('composeMessage (synchronous MailComposer output)', () => {
  const cases: Record<string, InboundDescription> = {
    text: {},
    everything: {
      html: '<p>Hi <img src="cid:logo@x"></p>',
      text: 'Hi',
      cc: 'Carol <carol@example.org>',
      attachments: [
        { filename: 'logo.png', content: fixtures.TINY_PNG, contentId: 'logo@x' },
        { filename: 'data.bin', content: Buffer.alloc(1000, 7) },
        { filename: 'notes.txt', content: 'x'.repeat(100) + '\n' + 'é'.repeat(50) },
      ],
    },
    charsets: { charset: 'windows-1252', text: 'It’s…', html: '<p>¿Qué?</p>', subject: 'Café' },
  };
  it.each(Object.entries(cases))('%s: identical to nodemailer’s own build()', async (_name, description) => {
    // Build the same mail through the kit to get MailComposer options, then compare both serialisers.
    const mail = {
      date: 'Thu, 26 Nov 2026 09:30:00 +0000',
      messageId: '<m@test>',
      baseBoundary: 'fixed',
      from: 'a@example.com',
      to: 'b@example.com',
      subject: description.subject ?? 'S',
      text: description.text ?? 'plain',
      html: description.html,
      attachments: description.attachments?.map((a) => ({
        filename: a.filename,
        content: a.content,
        cid: a.contentId,
      })),
    };
    expect(composeMessage(mail).toString('latin1')).toBe((await composeMessageAsync(mail)).toString('latin1'));
  });
});

describe('buildInboundPost, parsed mode', () => {
  it('posts SendGrid’s fields, in SendGrid’s order, with defaults for everything', async () => {
    const post = buildInboundPost();
    expect(post.contentType).toBe('multipart/form-data; boundary=xYzZY');
    expect(post.headers['content-length']).toBe(String(post.body.length));
    const parts = await readForm(post.body, post.contentType);
    expect(parts.map((p) => p.name)).toEqual([
      'headers',
      'dkim',
      'to',
      'from',
      'text',
      'sender_ip',
      'spam_report',
      'envelope',
      'attachments',
      'subject',
      'spam_score',
      'charsets',
      'SPF',
    ]);
    const f = fieldsOf(parts);
    expect(str(f.from)).toBe('Alice <alice@example.com>');
    expect(str(f.to)).toBe('inbox@inbound.example.com');
    expect(str(f.text)).toBe(DEFAULT_TEXT.replace(/\n/g, '\r\n'));
    expect(str(f.dkim)).toBe('{@example.com : pass}');
    expect(str(f.SPF)).toBe('pass');
    expect(str(f.attachments)).toBe('0');
    expect(str(f.spam_score)).toBe('0.1');
    expect(JSON.parse(str(f.envelope)!)).toEqual({ to: ['inbox@inbound.example.com'], from: 'alice@example.com' });
    expect(JSON.parse(str(f.charsets)!)).toEqual({ to: 'UTF-8', subject: 'UTF-8', from: 'UTF-8', text: 'UTF-8' });
    const headers = str(f.headers)!;
    expect(headers).toMatch(/^Received: by mx\S+\.sendgrid\.net with SMTP id /);
    expect(headers).toMatch(/\r\nMessage-ID: <[0-9a-f]{24}@mailroom\.test>\r\n/);
    expect(headers).toContain('\r\nDate: Thu, 26 Nov 2026 09:30:00 +0000\r\n');
    // Fields carry only Content-Disposition.
    for (const head of partHeaders(post.body)) expect(head).toMatch(/^Content-Disposition: form-data; name="[^"]+"$/);
  });

  it('is deterministic, and different emails get different Message-IDs', () => {
    expect(buildInboundPost({ subject: 'a' }).body.equals(buildInboundPost({ subject: 'a' }).body)).toBe(true);
    const id = (subject: string) => /Message-ID: (\S+)/.exec(buildInboundPost({ subject }).body.toString())?.[1];
    expect(id('a')).not.toBe(id('b'));
  });

  it('keeps encoded-words in `headers` and unfolds it, while decoded fields carry the text', async () => {
    const subject = 'Réunion — ' + 'très longue '.repeat(8);
    const post = buildInboundPost({
      subject,
      from: 'José Núñez <jose@example.es>',
      cc: ['Carol <carol@example.org>', 'dan@example.org'],
      replyTo: 'help@example.com',
      inReplyTo: '<parent@example.com>',
      references: ['<root@example.com>', '<parent@example.com>'],
      headers: { 'X-Ticket': '42' },
    });
    const f = fieldsOf(await readForm(post.body, post.contentType));
    const headers = str(f.headers)!;
    expect(headers).toMatch(/\r\nSubject: =\?UTF-8\?B\?[^\r\n]+\?=\r\n/);
    expect(headers).not.toMatch(/\r\n[ \t]/); // unfolded
    expect(headers).toContain('\r\nFrom: =?UTF-8?B?');
    expect(headers).toContain('\r\nCc: Carol <carol@example.org>, dan@example.org\r\n');
    expect(headers).toContain('\r\nReply-To: help@example.com\r\n');
    expect(headers).toContain('\r\nIn-Reply-To: <parent@example.com>\r\n');
    expect(headers).toContain('\r\nReferences: <root@example.com> <parent@example.com>\r\n');
    expect(headers).toContain('\r\nX-Ticket: 42\r\n');
    expect(str(f.subject)).toBe(subject);
    expect(str(f.from)).toBe('José Núñez <jose@example.es>');
    expect(str(f.cc)).toBe('Carol <carol@example.org>, dan@example.org');
    // The header block parses back to the same values.
    const reparsed = await simpleParser(Buffer.from(headers.replace(/^Received:[^\r\n]*\r\n/, '') + '\r\n'));
    expect(reparsed.subject).toBe(subject);
    expect(reparsed.from?.value[0]).toEqual({ address: 'jose@example.es', name: 'José Núñez' });
  });

  it.each([
    ['cp850', 'Como usted pidió ¢'],
    ['windows-1252', 'The ESP’s handling…'],
    ['koi8-r', 'Привет, мир'],
    ['iso-2022-jp', '日本語の件名です'],
    ['shift_jis', 'こんにちは世界'],
    ['gb18030', '你好，世界'],
  ])('%s: decoded fields are bytes in the declared charset; headers hold encoded-words', async (charset, sample) => {
    const post = buildInboundPost({
      charset,
      subject: sample,
      text: sample,
      html: `<p>${sample}</p>`,
      from: `${sample} <s@example.com>`,
    });
    const f = fieldsOf(await readForm(post.body, post.contentType));
    const decode = (b: Buffer) =>
      charset === 'iso-2022-jp' ? new TextDecoder('iso-2022-jp').decode(b) : iconv.decode(b, charset);
    expect(decode(f.subject!)).toBe(sample);
    expect(decode(f.text!)).toBe(sample);
    expect(decode(f.html!)).toBe(`<p>${sample}</p>`);
    expect(decode(f.from!)).toBe(`${sample} <s@example.com>`);
    expect(f.subject!.equals(Buffer.from(sample))).toBe(false);
    expect(JSON.parse(str(f.charsets)!)).toMatchObject({
      subject: charset,
      text: charset,
      html: charset,
      from: charset,
      to: charset,
    });
    const reparsed = await simpleParser(Buffer.from(str(f.headers)!.replace(/^Received:[^\r\n]*\r\n/, '') + '\r\n'));
    expect(reparsed.subject).toBe(sample);
    expect(str(f.headers)).toContain(`=?${charset}?B?`);
  });

  it('lets each field have its own charset', async () => {
    const post = buildInboundPost({
      charset: { subject: 'cp850', text: 'windows-1252' },
      subject: 'pidió',
      text: 'ESP’s',
      html: '<p>¿?</p>',
    });
    const f = fieldsOf(await readForm(post.body, post.contentType));
    expect(f.subject).toEqual(Buffer.from('pidi\xa2', 'latin1'));
    expect(f.text).toEqual(Buffer.from('ESP\x92s', 'latin1'));
    expect(str(f.html)).toBe('<p>¿?</p>');
    expect(JSON.parse(str(f.charsets)!)).toEqual({
      to: 'UTF-8',
      html: 'UTF-8',
      subject: 'cp850',
      from: 'UTF-8',
      text: 'windows-1252',
    });
  });

  it('posts attachments as attachmentN file parts with attachment-info and content-ids', async () => {
    const attachments = Array.from({ length: 11 }, (_, i) => ({
      filename: `file${i + 1}.txt`,
      content: `content ${i + 1}`,
    }));
    attachments[2] = {
      filename: 'logo.png',
      content: fixtures.TINY_PNG as unknown as string,
      contentId: '<logo@mailroom>',
    } as never;
    const post = buildInboundPost({ html: '<img src="cid:logo@mailroom">', attachments });
    const parts = await readForm(post.body, post.contentType);
    const files = parts.filter((p) => p.filename !== undefined);
    expect(files.map((p) => p.name)).toEqual(attachments.map((_, i) => `attachment${i + 1}`));
    expect(files[2]).toMatchObject({ filename: 'logo.png', mimeType: 'image/png' });
    expect(files[2]!.value.equals(fixtures.TINY_PNG)).toBe(true);
    expect(files[9]).toMatchObject({ filename: 'file10.txt', mimeType: 'text/plain' });
    expect(str(files[9]!.value)).toBe('content 10');
    const f = fieldsOf(parts);
    expect(str(f.attachments)).toBe('11');
    expect(JSON.parse(str(f['content-ids'])!)).toEqual({ 'logo@mailroom': 'attachment3' });
    const info = JSON.parse(str(f['attachment-info'])!);
    expect(info.attachment3).toEqual({
      filename: 'logo.png',
      name: 'logo.png',
      type: 'image/png',
      'content-id': 'logo@mailroom',
    });
    expect(info.attachment10).toEqual({ filename: 'file10.txt', name: 'file10.txt', type: 'text/plain' });
    // File parts carry a filename and a Content-Type, nothing else.
    const fileHead = partHeaders(post.body).find((h) => h.includes('name="attachment10"'));
    expect(fileHead).toBe(
      'Content-Disposition: form-data; name="attachment10"; filename="file10.txt"\r\nContent-Type: text/plain',
    );
  });

  it('keeps hostile filenames byte for byte (quotes percent-encoded as browsers do)', async () => {
    const post = buildInboundPost({
      attachments: [
        { filename: '../../etc/pass"wd', content: 'x' },
        { filename: 'résumé.pdf', content: 'y' },
      ],
    });
    const files = (await readForm(post.body, post.contentType)).filter((p) => p.filename !== undefined);
    expect(files.map((p) => p.filename)).toEqual(['../../etc/pass%22wd', 'résumé.pdf']);
  });

  it('derives the envelope from From/To plus Bcc, or takes it as given', async () => {
    const envelopeOf = async (d: InboundDescription) => {
      const post = buildInboundPost(d);
      return JSON.parse(str(fieldsOf(await readForm(post.body, post.contentType)).envelope)!);
    };
    expect(await envelopeOf({ to: ['A <a@in.example>', 'b@in.example'], bcc: 'hidden@in.example' })).toEqual({
      to: ['a@in.example', 'b@in.example', 'hidden@in.example'],
      from: 'alice@example.com',
    });
    expect(await envelopeOf({ envelope: { from: 'bounce@x.example', to: ['c@in.example'] } })).toEqual({
      to: ['c@in.example'],
      from: 'bounce@x.example',
    });
  });

  it('omits spam fields with spamScore null, and shuffles reproducibly', async () => {
    const noSpam = await readForm(buildInboundPost({ spamScore: null }).body, 'multipart/form-data; boundary=xYzZY');
    expect(noSpam.map((p) => p.name)).not.toContain('spam_score');
    expect(noSpam.map((p) => p.name)).not.toContain('spam_report');
    const names = async (seed: number) =>
      (
        await readForm(buildInboundPost({ fieldOrder: 'shuffled', seed }).body, 'multipart/form-data; boundary=xYzZY')
      ).map((p) => p.name);
    expect(await names(3)).toEqual(await names(3));
    expect(await names(3)).not.toEqual(
      (await readForm(buildInboundPost().body, 'multipart/form-data; boundary=xYzZY')).map((p) => p.name),
    );
    expect([...(await names(3))].sort()).toEqual(
      (await readForm(buildInboundPost().body, 'multipart/form-data; boundary=xYzZY')).map((p) => p.name).sort(),
    );
  });

  it('uses a custom boundary and refuses one that occurs in a value', () => {
    expect(buildInboundPost({ boundary: 'b0undary' }).contentType).toBe('multipart/form-data; boundary=b0undary');
    expect(() => buildInboundPost({ text: 'a\r\n--xYzZY\r\nb' })).toThrow(/contains the boundary/);
  });
});

describe('buildInboundPost, raw mode', () => {
  it('puts a real RFC 5322 message in `email` with SendGrid’s raw-mode fields', async () => {
    const post = buildInboundPost({
      mode: 'raw',
      subject: 'Raw ✓',
      text: 'Plain body',
      html: '<p>HTML body <img src="cid:pic@x"></p>',
      cc: 'Carol <carol@example.org>',
      inReplyTo: '<parent@example.com>',
      references: '<root@example.com>',
      messageId: 'raw-1@example.com',
      attachments: [
        { filename: 'pic.png', content: fixtures.TINY_PNG, contentId: 'pic@x' },
        { filename: 'report.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 fake') },
      ],
    });
    const parts = await readForm(post.body, post.contentType);
    expect(parts.map((p) => p.name)).toEqual([
      'email',
      'dkim',
      'sender_ip',
      'charsets',
      'SPF',
      'to',
      'cc',
      'from',
      'subject',
      'envelope',
      'spam_score',
      'spam_report',
    ]);
    const f = fieldsOf(parts);
    expect(JSON.parse(str(f.charsets)!)).toEqual({ to: 'UTF-8', cc: 'UTF-8', from: 'UTF-8', subject: 'UTF-8' });
    expect(str(f.email)).toMatch(
      /^Received: from mail\.example\.com \(mail\.example\.com \[192\.0\.2\.25\]\) by mx\.sendgrid\.net/,
    );
    const mail = await simpleParser(f.email!);
    expect(mail.subject).toBe('Raw ✓');
    expect(mail.messageId).toBe('<raw-1@example.com>');
    expect(mail.inReplyTo).toBe('<parent@example.com>');
    expect(mail.text?.trim()).toBe('Plain body');
    expect(f.email!.toString()).toContain('<img src="cid:pic@x">');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.cid ?? null, a.size])).toEqual([
      ['pic.png', 'image/png', 'pic@x', fixtures.TINY_PNG.length],
      ['report.pdf', 'application/pdf', null, 13],
    ]);
  });

  it.each(['windows-1252', 'koi8-r', 'iso-2022-jp', 'shift_jis', 'gb18030', 'cp850'])(
    '%s bodies and headers survive a MIME parser',
    async (charset) => {
      const sample = {
        'windows-1252': 'It’s “quoted”…',
        'koi8-r': 'Съешь же ещё',
        'iso-2022-jp': 'こんにちは、世界',
        shift_jis: 'テスト送信',
        gb18030: '测试邮件',
        cp850: 'Como usted pidió',
      }[charset]!;
      const post = buildInboundPost({
        mode: 'raw',
        charset,
        subject: sample,
        text: sample,
        html: `<b>${sample}</b>`,
        from: `${sample} <x@example.com>`,
      });
      const f = fieldsOf(await readForm(post.body, post.contentType));
      expect(f.email!.toString('latin1')).toMatch(new RegExp(`charset=${charset}`, 'i'));
      const mail = await simpleParser(f.email!);
      expect(mail.subject).toBe(sample);
      expect(mail.text?.trim()).toBe(sample);
      expect(mail.html).toContain(`<b>${sample}</b>`);
      expect(mail.from?.value[0]?.name).toBe(sample);
    },
  );

  it('builds bodies over 1 MiB', async () => {
    const big = Buffer.alloc(1_200_000, 0x41);
    const post = buildInboundPost({ mode: 'raw', attachments: [{ filename: 'big.bin', content: big }] });
    expect(post.body.length).toBeGreaterThan(1024 * 1024);
    const mail = await simpleParser(fieldsOf(await readForm(post.body, post.contentType)).email!);
    expect(mail.attachments[0]!.content.equals(big)).toBe(true);
  });
});

describe('keys and signatures', () => {
  it('generates SendGrid-shaped keys and signatures that verify over timestamp + body', () => {
    const pair = generateTestKeyPair();
    const der = Buffer.from(pair.publicKey, 'base64');
    expect(der.length).toBe(91);
    expect(pair.publicKey.startsWith('MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE')).toBe(true);
    const body = Buffer.from('--xYzZY\r\nbody');
    const signature = signBody(pair.privateKey, '1700000000', body);
    expect(Buffer.from(signature, 'base64')[0]).toBe(0x30); // DER SEQUENCE
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    expect(
      verify('sha256', Buffer.concat([Buffer.from('1700000000'), body]), key, Buffer.from(signature, 'base64')),
    ).toBe(true);
    expect(
      verify('sha256', Buffer.concat([Buffer.from('1700000001'), body]), key, Buffer.from(signature, 'base64')),
    ).toBe(false);
    expect(TEST_KEY_PAIR.publicKey).toBe(TEST_KEY_PAIR.publicKey);
  });
});

describe('inboundRequest and httpRequestBytes', () => {
  it('builds a signed POST whose signature covers the exact body', async () => {
    const request = inboundRequest({ subject: 'signed' }, { sign: TEST_KEY_PAIR, timestamp: 1_800_000_000 });
    expect(request.method).toBe('POST');
    expect(request.url).toBe('http://localhost/webhooks/sendgrid/parse');
    expect(request.headers.get('content-type')).toBe('multipart/form-data; boundary=xYzZY');
    expect(request.headers.get('X-Twilio-Email-Event-Webhook-Timestamp')).toBe('1800000000');
    const body = Buffer.from(await request.arrayBuffer());
    const key = createPublicKey({ key: Buffer.from(TEST_KEY_PAIR.publicKey, 'base64'), format: 'der', type: 'spki' });
    const signature = Buffer.from(request.headers.get('X-Twilio-Email-Event-Webhook-Signature')!, 'base64');
    expect(verify('sha256', Buffer.concat([Buffer.from('1800000000'), body]), key, signature)).toBe(true);
  });

  it('adds basic and bearer credentials, and streams chunked bodies', async () => {
    const basic = inboundRequest({}, { basic: { username: 'sendgrid', password: 'pa:ss' } });
    expect(basic.headers.get('authorization')).toBe(`Basic ${Buffer.from('sendgrid:pa:ss').toString('base64')}`);
    expect(inboundRequest({}, { bearer: 'tok' }).headers.get('authorization')).toBe('Bearer tok');
    const post = buildInboundPost({ text: 'x'.repeat(50_000) });
    const chunked = inboundRequest(post, { chunked: true, chunkSize: 1000 });
    expect(chunked.headers.get('content-length')).toBeNull();
    expect(Buffer.from(await chunked.arrayBuffer()).equals(post.body)).toBe(true);
  });

  it('serialises a captured HTTP request, chunked or not', () => {
    const post = fixtures.c5ParsedGmail();
    const plain = httpRequestBytes(post, { url: 'https://app.example.com/parse?x=1', bearer: 't' });
    const head = plain.subarray(0, plain.indexOf('\r\n\r\n')).toString();
    expect(head.split('\r\n')[0]).toBe('POST /parse?x=1 HTTP/1.1');
    expect(head).toContain('\r\nhost: app.example.com\r\n');
    expect(head).toContain(`\r\ncontent-length: ${post.body.length}`);
    expect(head).toContain('\r\nauthorization: Bearer t');
    expect(plain.subarray(plain.indexOf('\r\n\r\n') + 4).equals(post.body)).toBe(true);

    const chunked = httpRequestBytes(post, { chunked: true, chunkSize: 100 });
    expect(chunked.toString('latin1')).toContain('\r\ntransfer-encoding: chunked\r\n');
    expect(chunked.toString('latin1')).not.toContain('content-length');
    expect(chunked.subarray(-5).toString()).toBe('0\r\n\r\n');
    // De-chunk by hand and compare.
    let rest = chunked.subarray(chunked.indexOf('\r\n\r\n') + 4);
    const out: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = parseInt(rest.subarray(0, lineEnd).toString(), 16);
      if (size === 0) break;
      out.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 4 + size);
    }
    expect(Buffer.concat(out).equals(post.body)).toBe(true);
  });
});

describe('captured fixtures', () => {
  it('C5: SendGrid’s 2018 field order', async () => {
    const post = fixtures.c5ParsedGmail();
    const parts = await readForm(post.body, post.contentType);
    expect(parts.map((p) => p.name)).toEqual([
      'headers',
      'dkim',
      'to',
      'html',
      'from',
      'text',
      'sender_ip',
      'spam_report',
      'envelope',
      'attachments',
      'subject',
      'spam_score',
      'charsets',
      'SPF',
    ]);
  });

  it('C6 parsed: attachment2 first, between headers and dkim, unsorted attachment-info', async () => {
    const post = fixtures.c6ParsedOutlook();
    const parts = await readForm(post.body, post.contentType);
    expect(parts.slice(0, 4).map((p) => p.name)).toEqual(['headers', 'attachment2', 'attachment1', 'dkim']);
    const f = fieldsOf(parts);
    expect(Object.keys(JSON.parse(str(f['attachment-info'])!))).toEqual(['attachment2', 'attachment1']);
    expect(JSON.parse(str(f.charsets)!)).toHaveProperty('filename', 'UTF-8');
  });

  it('C6 raw: an Outlook message with an inline image', async () => {
    const post = fixtures.c6RawOutlook();
    const mail = await simpleParser(fieldsOf(await readForm(post.body, post.contentType)).email!);
    expect(mail.subject).toBe('Inbound email in raw format');
    expect(mail.from?.value[0]?.name).toBe('Jérémie Desautels');
    expect(mail.text).toContain('This is a test 💀');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({
      filename: 'Frangipani Flowers.jpg',
      cid: fixtures.C6_RAW_INLINE_CID,
      contentType: 'image/jpeg',
    });
  });

  it('C7: cp850, windows-1252 and iso-8859-1 bytes', async () => {
    const post = fixtures.c7ParsedCharsets();
    const f = fieldsOf(await readForm(post.body, post.contentType));
    expect(iconv.decode(f.subject!, 'cp850')).toBe('Como usted pidió');
    expect(iconv.decode(f.text!, 'windows-1252')).toBe('Test the ESP’s inbound charset handling…');
    expect(iconv.decode(f.html!, 'iso-8859-1')).toBe('<p>¿Esto se ve como esperabas?</p>');
    expect(str(f.headers)).toContain('Subject: =?cp850?q?Como_usted_pidi=A2?=');
  });
});

describe('buildInboundPost: every charset × body shape keeps the message headers', () => {
  const charsets = ['utf-8', 'iso-8859-1', 'windows-1252', 'iso-2022-jp', 'shift_jis', 'koi8-r'];
  const texts: Record<string, string> = {
    'utf-8': 'Grüße, 日本語',
    'iso-8859-1': 'Grüße aus Köln',
    'windows-1252': 'Grüße – “quoted”',
    'iso-2022-jp': '日本語の本文',
    shift_jis: '日本語の本文',
    'koi8-r': 'Привет',
  };
  const shapes = {
    'text only': (text: string) => ({ text }),
    'html only': (text: string) => ({ html: `<p>${text}</p>` }),
    'text + html': (text: string) => ({ text, html: `<p>${text}</p>` }),
    'text + attachment': (text: string) => ({ text, attachments: [{ filename: 'a.txt', content: 'attached' }] }),
  };
  for (const mode of ['raw', 'parsed'] as const) {
    for (const charset of charsets) {
      for (const [shape, body] of Object.entries(shapes)) {
        it(`${mode}, ${charset}, ${shape}`, async () => {
          const text = texts[charset]!;
          const post = buildInboundPost({
            mode,
            charset,
            subject: text,
            date: 'Mon, 01 Jan 2024 10:00:00 +0000',
            messageId: 'm1@mailroom.test',
            ...body(text),
          });
          const email = await parseInboundBody(post.body, post.contentType);
          expect(email.subject).toBe(text);
          expect(email.messageId).toBe('m1@mailroom.test');
          expect(email.date?.toISOString()).toBe('2024-01-01T10:00:00.000Z');
          expect(email.header('mime-version')).toBe('1.0');
          if ('text' in body(text)) expect(email.text?.trim()).toBe(text);
          if ('html' in body(text)) expect(email.html).toContain(text);
        });
      }
    }
  }
});

describe('TEST_KEY_PAIR', () => {
  it('is one fixed key in every process (a server and a poster in different processes agree)', async () => {
    const { execFileSync } = await import('node:child_process');
    // Another process derives the public key from the kit's published private key: the same bytes.
    const script = `const k=require('node:crypto').createPrivateKey(process.env.KEY);process.stdout.write(require('node:crypto').createPublicKey(k).export({type:'spki',format:'der'}).toString('base64'))`;
    const pem = TEST_KEY_PAIR.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(execFileSync(process.execPath, ['-e', script], { env: { KEY: pem } }).toString()).toBe(
      TEST_KEY_PAIR.publicKey,
    );
    expect(TEST_KEY_PAIR.publicKey).toBe(
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGsmC+c+OEUgRepFyT4wnQQLDWzcYZRU1ZwvRDrKUoWaqDchYAhbgRHQu9JjtlMJVNwQSCiV82AbSjtoaqJZ5CA==',
    );
  });

  it('is refused as a verification key in production (its private half is published)', async () => {
    const { createIngress, IngressConfigurationError } = await import('@mailroom/core/ingress');
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => createIngress({ security: { publicKeys: [TEST_KEY_PAIR.publicKey] } })).toThrow(
        IngressConfigurationError,
      );
      expect(() => createIngress({ security: { publicKeys: [generateTestKeyPair().publicKey] } })).not.toThrow();
    } finally {
      process.env.NODE_ENV = before;
    }
  });
});
