import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createIngress, parseInboundBody } from './index.js';
import {
  buildMultipart,
  generateSendGridKeyPair,
  postRequest,
  signedHeaders,
  type FormValue,
  rejection,
} from './test-support.js';

const CRLF = '\r\n';
const latin1 = (text: string) => Buffer.from(text, 'latin1');

function rawPost(email: Uint8Array, extra: Array<[string, FormValue]> = []) {
  return buildMultipart([
    ['email', email],
    ['dkim', '{@hotmail.com : pass}'],
    ['sender_ip', '40.92.22.88'],
    ['charsets', '{"to":"UTF-8","from":"UTF-8","subject":"UTF-8"}'],
    ['SPF', 'softfail'],
    [
      'envelope',
      '{"to":["test@api.mytestingdomain.com","bcc@api.mytestingdomain.com"],"from":"myemailaddress@hotmail.com"}',
    ],
    ['spam_score', '2.7'],
    ['spam_report', 'has NOT identified this incoming email as spam.'],
    ...extra,
  ]);
}

async function parseRaw(email: Uint8Array) {
  const { body, contentType } = rawPost(email);
  return parseInboundBody(body, contentType);
}

const png = randomBytes(300);
const pdf = randomBytes(2000);
const structured = Buffer.concat([
  Buffer.from(
    [
      'Received: from NAM12-DM6-obe.outbound.protection.outlook.com (mxd [40.92.22.88]) by mx.sendgrid.net with ESMTP id YtZx2yOQRk6sFBvjnHkjbg',
      '  for <test@api.mytestingdomain.com>; Fri, 10 Nov 2023 22:34:01.452 +0000 (UTC)',
      'From: =?utf-8?q?M=C3=BCller=2C_J=C3=BCrgen?= <myemailaddress@hotmail.com>',
      'To: "Test" <test@api.mytestingdomain.com>, other@example.com',
      'Cc: undisclosed-recipients:;',
      'Reply-To: replies@example.com',
      'Subject: =?iso-8859-1?q?R=E9sum=E9?= attached',
      'Date: Fri, 10 Nov 2023 22:33:58 +0000',
      'Message-ID: <MW4PR10MB5678@MW4PR10MB5678.namprd10.prod.outlook.com>',
      'In-Reply-To: <parent@example.com>',
      'References: <root@example.com> <parent@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      '--outer',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Hello J=C3=BCrgen,=0D',
      'see attached.',
      '--alt',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Hello <img src="cid:logo@example.com"></p>',
      '--alt--',
      '--rel',
      'Content-Type: image/png; name="logo.png"',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <logo@example.com>',
      '',
      png.toString('base64'),
      '--rel--',
      '--outer',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      ...pdf.toString('base64').match(/.{1,76}/g)!,
      '--outer--',
      '',
    ].join(CRLF),
  ),
]);

describe('raw mode', () => {
  it('parses the MIME message and keeps SendGrid’s metadata fields', async () => {
    const email = await parseRaw(structured);
    expect(email.mode).toBe('raw');
    expect(email.subject).toBe('Résumé attached');
    expect(email.from).toEqual({ address: 'myemailaddress@hotmail.com', name: 'Müller, Jürgen' });
    expect(email.to).toEqual([
      { address: 'test@api.mytestingdomain.com', name: 'Test' },
      { address: 'other@example.com', name: '' },
    ]);
    expect(email.cc).toEqual([]);
    expect(email.replyTo).toEqual([{ address: 'replies@example.com', name: '' }]);
    expect(email.messageId).toBe('MW4PR10MB5678@MW4PR10MB5678.namprd10.prod.outlook.com');
    expect(email.inReplyTo).toBe('parent@example.com');
    expect(email.references).toEqual(['root@example.com', 'parent@example.com']);
    expect(email.date?.toISOString()).toBe('2023-11-10T22:33:58.000Z');
    expect(email.text).toBe('Hello Jürgen,\nsee attached.');
    expect(email.html).toBe('<p>Hello <img src="cid:logo@example.com"></p>');
    expect(email.envelope).toEqual({
      to: ['test@api.mytestingdomain.com', 'bcc@api.mytestingdomain.com'],
      from: 'myemailaddress@hotmail.com',
    });
    expect(email.auth).toEqual({ spf: 'softfail', dkim: [{ domain: 'hotmail.com', result: 'pass' }] });
    expect(email.spam).toEqual({ score: 2.7, report: 'has NOT identified this incoming email as spam.' });
    expect(email.senderIp).toBe('40.92.22.88');
    expect(email.header('received')).toBe(
      'from NAM12-DM6-obe.outbound.protection.outlook.com (mxd [40.92.22.88]) by mx.sendgrid.net with ESMTP id YtZx2yOQRk6sFBvjnHkjbg  for <test@api.mytestingdomain.com>; Fri, 10 Nov 2023 22:34:01.452 +0000 (UTC)',
    );
    expect(email.header('from')).toBe('Müller, Jürgen <myemailaddress@hotmail.com>');
    expect(email.headers[0]!.name).toBe('Received');
  });

  it('returns attachments with bytes, sha256, Content-ID and inline flags', async () => {
    const email = await parseRaw(structured);
    expect(email.attachments.map((a) => a.toJSON())).toEqual([
      {
        filename: 'logo.png',
        contentType: 'image/png',
        size: png.length,
        contentId: 'logo@example.com',
        inline: true,
        sha256: createHash('sha256').update(png).digest('hex'),
      },
      {
        filename: 'report.pdf',
        contentType: 'application/pdf',
        size: pdf.length,
        contentId: null,
        inline: false,
        sha256: createHash('sha256').update(pdf).digest('hex'),
      },
    ]);
    expect((await email.attachments[1]!.content()).equals(pdf)).toBe(true);
  });

  it('decodes 8-bit bodies from bytes: latin1 and windows-1252 text, raw UTF-8 headers', async () => {
    const latin = Buffer.concat([
      Buffer.from(
        'From: a@example.com\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
        'latin1',
      ),
      latin1('Ol\xe9, \xe7a va? \xbfQu\xe9 tal?\r\n'),
    ]);
    const email = await parseRaw(latin);
    expect(email.text).toBe('Olé, ça va? ¿Qué tal?\n');
    expect(email.subject).toBe('Grüße');
    expect(email.header('subject')).toBe('Grüße');
    const cp1252 = Buffer.concat([
      Buffer.from(
        'From: a@example.com\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
      ),
      latin1('It\x92s \x93quoted\x94\x85'),
    ]);
    expect((await parseRaw(cp1252)).text).toBe('It’s “quoted”…');
  });

  it('keeps an email field larger than 1 MiB intact (no field-size truncation)', async () => {
    const big = randomBytes(1_600_000);
    const message = Buffer.from(
      [
        'From: a@example.com',
        'Subject: big',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see attachment',
        '--b',
        'Content-Type: application/octet-stream; name="big.bin"',
        'Content-Disposition: attachment; filename="big.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        ...big.toString('base64').match(/.{1,76}/g)!,
        '--b--',
        '',
      ].join(CRLF),
    );
    expect(message.length).toBeGreaterThan(2 * 1024 * 1024);
    const email = await parseRaw(message);
    expect(email.attachments).toHaveLength(1);
    expect(email.attachments[0]!.size).toBe(big.length);
    expect(email.attachments[0]!.sha256).toBe(createHash('sha256').update(big).digest('hex'));
  });

  it('parses a signed raw post streamed in tiny chunks; the body is kept byte for byte', async () => {
    const pair = generateSendGridKeyPair();
    const { body, contentType } = rawPost(structured);
    const ingress = createIngress({ security: { publicKeys: [pair.publicKey] } });
    const post = await ingress.receive(
      postRequest(body, { contentType, chunkSize: 3, headers: signedHeaders(pair.privateKey, body) }),
    );
    expect(post.body.equals(body)).toBe(true);
    expect(post.email.attachments).toHaveLength(2);
    expect(post.email.subject).toBe('Résumé attached');
  });

  it('reads a message with no headers or an embedded message', async () => {
    const embedded = Buffer.from(
      [
        'From: outer@example.com',
        'Subject: fwd',
        'Content-Type: multipart/mixed; boundary="m"',
        '',
        '--m',
        'Content-Type: text/plain',
        '',
        'forwarding',
        '--m',
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment; filename="orig.eml"',
        '',
        'From: inner@example.com',
        'Subject: inner',
        '',
        'inner body',
        '--m--',
        '',
      ].join(CRLF),
    );
    const email = await parseRaw(embedded);
    expect(email.subject).toBe('fwd');
    expect(email.text).toContain('forwarding');
    expect(email.attachments.map((a) => a.contentType)).toEqual(['message/rfc822']);
  });
});

/** Every file under the spill folders in the temp directory, with its bytes' digest. */
function spilledFiles(): Array<{ path: string; sha256: string }> {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith('mailroom-spill-'))
    .flatMap((dir) => readdirSync(join(tmpdir(), dir)).map((name) => join(tmpdir(), dir, name)))
    .filter((path) => existsSync(path))
    .map((path) => ({ path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') }));
}

/** Quoted-printable with every byte escaped (a part mailparser decodes while parsing: never deferred). */
function quotedPrintable(bytes: Buffer): string[] {
  const escaped = [...bytes].map((byte) => `=${byte.toString(16).toUpperCase().padStart(2, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < escaped.length; i += 25)
    lines.push(escaped.slice(i, i + 25).join('') + (i + 25 < escaped.length ? '=' : ''));
  return lines;
}

function messageWithAttachment(
  bytes: Buffer,
  filename: string,
  encoding: 'base64' | 'quoted-printable' = 'base64',
): Buffer {
  return Buffer.from(
    [
      'From: sender@example.com',
      'To: test@api.mytestingdomain.com',
      'Subject: big file',
      'Message-ID: <spill@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b',
      `Content-Type: application/octet-stream; name="${filename}"`,
      `Content-Disposition: attachment; filename="${filename}"`,
      `Content-Transfer-Encoding: ${encoding}`,
      '',
      ...(encoding === 'base64' ? bytes.toString('base64').match(/.{1,76}/g)! : quotedPrintable(bytes)),
      '--b--',
      '',
    ].join(CRLF),
  );
}

describe('raw mode: large base64 attachments are decoded when read, not while parsing', () => {
  const lines76 = (bytes: Buffer) => bytes.toString('base64').match(/.{1,76}/g)!;
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('gives back the exact bytes, size and digest of each, in order, next to small and text parts', async () => {
    const pdfBytes = randomBytes(400_000);
    const pngBytes = randomBytes(150_001); // a length that ends in padding
    const smallBytes = randomBytes(1000);
    const textLines = Array.from({ length: 2000 }, (_, i) => `line ${i} of a long body`);
    const message = Buffer.from(
      [
        'From: a@example.com',
        'Subject: several',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        '--outer',
        'Content-Type: multipart/related; boundary="inner"',
        '',
        '--inner',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>see <img src="cid:logo@x"></p>',
        '--inner',
        'Content-Type: image/png; name="logo.png"',
        'Content-ID: <logo@x>',
        'Content-Transfer-Encoding: base64',
        '',
        ...lines76(pngBytes),
        '--inner--',
        '--outer',
        // A large base64 text part without a disposition is the email's text, never deferred.
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        ...lines76(Buffer.from(textLines.join('\n'))),
        '--outer',
        'Content-Type: application/pdf; name="report.pdf"',
        'Content-Disposition: attachment; filename="report.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        ...lines76(pdfBytes),
        '--outer',
        'Content-Type: application/octet-stream; name="small.bin"',
        'Content-Disposition: attachment; filename="small.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        ...lines76(smallBytes),
        '--outer--',
        '',
      ].join(CRLF),
    );
    const email = await parseRaw(message);
    expect(email.text?.trim()).toBe(textLines.join('\n')); // mailparser joins text parts with a line break
    expect(email.html).toContain('cid:logo@x');
    expect(email.attachments.map((a) => [a.filename, a.contentType, a.inline, a.contentId])).toEqual([
      ['logo.png', 'image/png', true, 'logo@x'],
      ['report.pdf', 'application/pdf', false, null],
      ['small.bin', 'application/octet-stream', false, null],
    ]);
    const expected = [pngBytes, pdfBytes, smallBytes];
    for (const [index, attachment] of email.attachments.entries()) {
      const bytes = expected[index]!;
      expect(attachment.size).toBe(bytes.length);
      expect(attachment.sha256).toBe(sha256(bytes));
      expect((await attachment.content()).equals(bytes)).toBe(true);
      const streamed: Buffer[] = [];
      for await (const chunk of attachment.stream()) streamed.push(chunk as Buffer);
      expect(Buffer.concat(streamed).equals(bytes)).toBe(true);
      expect(attachment.toJSON()).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    }
    // The same bytes parsed again (the worker's re-parse) give the same digests: dedupe keys stay stable.
    expect((await parseRaw(message)).attachments.map((a) => a.sha256)).toEqual(expected.map(sha256));
  });

  it('holds no decoded copy of a large attachment after parsing (only the posted bytes)', async () => {
    const bytes = randomBytes(16 * 1024 * 1024);
    const { body, contentType } = rawPost(messageWithAttachment(bytes, 'big.bin'));
    const before = process.memoryUsage().arrayBuffers;
    const email = await parseInboundBody(body, contentType, { limits: { parseOffThreadAboveBytes: 0 } });
    const held = process.memoryUsage().arrayBuffers - before;
    // Decoded while parsing, the attachment alone would add 16 MiB that stay reachable from the email.
    expect(held).toBeLessThan(4 * 1024 * 1024);
    expect(email.attachments[0]!.size).toBe(bytes.length);
    expect((await email.attachments[0]!.content()).equals(bytes)).toBe(true);
  });

  it('parsed on a parse thread, the large attachment comes back as a place in the posted bytes, not a copy', async () => {
    const bytes = randomBytes(16 * 1024 * 1024);
    const { body, contentType } = rawPost(messageWithAttachment(bytes, 'big.bin'));
    const before = process.memoryUsage().arrayBuffers;
    const email = await parseInboundBody(body, contentType); // ~22 MB: above parseOffThreadAboveBytes (256 KiB)
    const held = process.memoryUsage().arrayBuffers - before;
    // The thread's copy of the body comes back moved, garbage until the next collection: at most one more body.
    // The base64 text copied back would add another body's worth; decoded, 16 MiB.
    expect(held).toBeLessThan(body.length + 4 * 1024 * 1024);
    expect(email.attachments[0]!.size).toBe(bytes.length);
    expect((await email.attachments[0]!.content()).equals(bytes)).toBe(true);
  });

  it('leaves parts inside an attached message alone, and is not fooled by a marker-like text in the body', async () => {
    const inner = randomBytes(120_000);
    const attachedMessage = [
      'From: inner@example.com',
      'Subject: forwarded',
      'Content-Type: multipart/mixed; boundary="in"',
      '',
      '--in',
      'Content-Type: application/zip; name="a.zip"',
      'Content-Disposition: attachment; filename="a.zip"',
      'Content-Transfer-Encoding: base64',
      '',
      ...lines76(inner),
      '--in--',
      '',
    ].join(CRLF);
    const outerBytes = randomBytes(100_000);
    const message = Buffer.from(
      [
        'From: a@example.com',
        'Subject: fwd',
        'Content-Type: multipart/mixed; boundary="out"',
        '',
        '--out',
        'Content-Type: text/plain',
        '',
        'mailroom-deferred-attachment:000000000000000000000000:000000',
        '--out',
        'Content-Type: message/rfc822',
        'Content-Disposition: attachment; filename="fwd.eml"',
        '',
        attachedMessage,
        '--out',
        'Content-Type: application/octet-stream; name="outer.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        ...lines76(outerBytes),
        '--out--',
        '',
      ].join(CRLF),
    );
    const email = await parseRaw(message);
    expect(email.text).toBe('mailroom-deferred-attachment:000000000000000000000000:000000');
    const eml = email.attachments.find((a) => a.contentType === 'message/rfc822')!;
    // The attached message keeps its own base64 part byte for byte.
    expect((await eml.content()).toString('latin1')).toContain(lines76(inner).join(CRLF));
    const outer = email.attachments.find((a) => a.filename === 'outer.bin')!;
    expect((await outer.content()).equals(outerBytes)).toBe(true);
    expect(outer.size).toBe(outerBytes.length);
  });

  it('keeps the bytes of a post whose large attachment is truncated (no closing delimiter)', async () => {
    const bytes = randomBytes(200_000);
    const message = Buffer.from(
      [
        'From: a@example.com',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: application/octet-stream; name="cut.bin"',
        'Content-Transfer-Encoding: base64',
        '',
        ...lines76(bytes),
        '',
      ].join(CRLF),
    );
    const email = await parseRaw(message);
    expect(email.attachments).toHaveLength(1);
    expect((await email.attachments[0]!.content()).equals(bytes)).toBe(true);
  });
});

describe('raw mode: spilling large attachments to disk (limits.spillAttachmentsAboveBytes)', () => {
  it('writes an attachment past the threshold to a randomly named temp file; small ones stay in memory', async () => {
    const big = randomBytes(300_000);
    const digest = createHash('sha256').update(big).digest('hex');
    const ingress = createIngress({ security: { insecure: true }, limits: { spillAttachmentsAboveBytes: 100_000 } });
    // Quoted-printable: decoded while parsing (a large base64 attachment is not decoded at all, see below).
    const { body, contentType } = rawPost(messageWithAttachment(big, '../../etc/passwd', 'quoted-printable'));
    const { email } = await ingress.receive(postRequest(body, { contentType }));
    const [attachment] = email.attachments;
    expect(attachment!.toJSON()).toMatchObject({ filename: '../../etc/passwd', size: big.length, sha256: digest });
    expect((await attachment!.content()).equals(big)).toBe(true);
    const streamed: Buffer[] = [];
    for await (const chunk of attachment!.stream()) streamed.push(chunk as Buffer);
    expect(Buffer.concat(streamed).equals(big)).toBe(true);
    const onDisk = spilledFiles().filter((file) => file.sha256 === digest);
    expect(onDisk).toHaveLength(1);
    expect(onDisk[0]!.path).toMatch(/mailroom-spill-[^/]+\/[0-9a-f-]{36}$/); // never the sender's file name
    // Below the threshold nothing is written.
    const small = randomBytes(20_000);
    const smallPost = rawPost(messageWithAttachment(small, 'small.bin'));
    const smallEmail = (await ingress.receive(postRequest(smallPost.body, { contentType: smallPost.contentType })))
      .email;
    expect((await smallEmail.attachments[0]!.content()).equals(small)).toBe(true);
    const smallDigest = createHash('sha256').update(small).digest('hex');
    expect(spilledFiles().some((file) => file.sha256 === smallDigest)).toBe(false);
  });

  it('is off by default, and a process that spilled leaves no folder behind when it exits', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions',
        '@mailroom/source',
        '--input-type=module',
        '-e',
        `
      import { randomBytes } from 'node:crypto';
      import { createIngress } from ${JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))};
      import { buildMultipart } from ${JSON.stringify(fileURLToPath(new URL('./test-support.ts', import.meta.url)))};
      const escaped = [...randomBytes(200000)].map((b) => '=' + b.toString(16).toUpperCase().padStart(2, '0'));
      const lines = []; for (let i = 0; i < escaped.length; i += 25) lines.push(escaped.slice(i, i + 25).join('') + (i + 25 < escaped.length ? '=' : ''));
      const big = lines.join('\\r\\n');
      const mime = 'From: a@example.com\\r\\nContent-Type: multipart/mixed; boundary="b"\\r\\n\\r\\n--b\\r\\nContent-Type: application/octet-stream\\r\\nContent-Disposition: attachment; filename="x.bin"\\r\\nContent-Transfer-Encoding: quoted-printable\\r\\n\\r\\n' + big + '\\r\\n--b--\\r\\n';
      const post = buildMultipart([['email', Buffer.from(mime)], ['envelope', '{"to":["a@example.com"],"from":"b@example.com"}']]);
      const request = () => new Request('http://x/parse', { method: 'POST', headers: { 'content-type': post.contentType }, body: post.body });
      const fs = await import('node:fs'); const os = await import('node:os');
      const folders = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('mailroom-spill-'));
      const before = new Set(folders());
      await createIngress({ security: { insecure: true } }).receive(request());
      const afterDefault = folders().filter((n) => !before.has(n));
      const email = (await createIngress({ security: { insecure: true }, limits: { spillAttachmentsAboveBytes: 50000 } }).receive(request())).email;
      const created = folders().filter((n) => !before.has(n));
      console.log(JSON.stringify({ afterDefault, created, size: email.attachments[0].size }));
    `,
      ],
      { encoding: 'utf8', cwd: fileURLToPath(new URL('../../../..', import.meta.url)) },
    );
    expect(child.stderr).toBe('');
    const result = JSON.parse(child.stdout.trim()) as { afterDefault: string[]; created: string[]; size: number };
    expect(result.afterDefault).toEqual([]);
    expect(result.created).toHaveLength(1);
    expect(result.size).toBe(200_000);
    expect(existsSync(join(tmpdir(), result.created[0]!))).toBe(false);
  });
});

describe('raw mode limits', () => {
  function nested(depth: number): Buffer {
    const lines = ['From: a@example.com', 'Subject: deep'];
    for (let level = 0; level < depth; level++)
      lines.push(`Content-Type: multipart/mixed; boundary="b${level}"`, '', `--b${level}`);
    lines.push('Content-Type: text/plain', '', 'bottom');
    for (let level = depth - 1; level >= 0; level--) lines.push(`--b${level}--`);
    return Buffer.from(lines.join(CRLF) + CRLF);
  }

  it('accepts nesting within maxMimeDepth', async () => {
    const email = await parseRaw(nested(20));
    expect(email.text).toBe('bottom');
  });

  it('rejects deep MIME nesting with 400 instead of crashing or hanging', async () => {
    const error = await rejection(parseRaw(nested(5000)));
    expect([error.status, error.code]).toEqual([400, 'mime_too_deep']);
    const { body, contentType } = rawPost(nested(12));
    const strict = await rejection(parseInboundBody(body, contentType, { limits: { maxMimeDepth: 10 } }));
    expect(strict.message).toContain('10');
  });

  it('finds delimiter lines after dashes that do not start a line (mid-line, dash runs, CR-only)', async () => {
    const decoyed = (depth: number) => {
      const lines = ['From: a@example.com', 'Subject: deep'];
      for (let level = 0; level < depth; level++) {
        lines.push(
          `Content-Type: multipart/mixed; boundary="b${level}"`,
          '',
          `pre--amble ---- x--b${level}\r--b${level}-`,
          `--b${level}`,
        );
      }
      lines.push('Content-Type: text/plain', '', 'bottom');
      for (let level = depth - 1; level >= 0; level--) lines.push(`--b${level}--`);
      return Buffer.from(lines.join(CRLF) + CRLF);
    };
    expect((await parseRaw(decoyed(9))).text).toBe('bottom');
    const { body, contentType } = rawPost(decoyed(11));
    expect((await rejection(parseInboundBody(body, contentType, { limits: { maxMimeDepth: 10 } }))).code).toBe(
      'mime_too_deep',
    );
  });

  it('counts nested messages as levels too', async () => {
    const lines = ['From: a@example.com'];
    for (let level = 0; level < 80; level++)
      lines.push('Content-Type: message/rfc822', '', `From: level${level}@example.com`);
    lines.push('', 'bottom');
    expect((await rejection(parseRaw(Buffer.from(lines.join(CRLF))))).code).toBe('mime_too_deep');
  });

  it('rejects a huge header block with 413', async () => {
    const junk = Array.from({ length: 30_000 }, (_, i) => `X-Junk-${i}: ${'x'.repeat(40)}`).join(CRLF);
    const message = Buffer.from(`From: a@example.com${CRLF}${junk}${CRLF}${CRLF}body`);
    expect(message.length).toBeGreaterThan(1024 * 1024);
    const error = await rejection(parseRaw(message));
    expect([error.status, error.code]).toEqual([413, 'header_too_large']);
    const { body, contentType } = rawPost(
      Buffer.from(`From: a@example.com${CRLF}Subject: ${'y'.repeat(3000)}${CRLF}${CRLF}body`),
    );
    expect((await rejection(parseInboundBody(body, contentType, { limits: { maxHeaderBytes: 2048 } }))).status).toBe(
      413,
    );
  });

  it('rejects more attachments than maxAttachments with 413 naming the limit', async () => {
    const lines = ['From: a@example.com', 'Content-Type: multipart/mixed; boundary="b"', ''];
    for (let i = 0; i < 6; i++)
      lines.push(
        '--b',
        `Content-Type: application/octet-stream; name="f${i}.bin"`,
        'Content-Disposition: attachment',
        '',
        `file ${i}`,
      );
    lines.push('--b--', '');
    const { body, contentType } = rawPost(Buffer.from(lines.join(CRLF)));
    const error = await rejection(parseInboundBody(body, contentType, { limits: { maxAttachments: 5 } }));
    expect([error.status, error.code]).toEqual([413, 'too_many_attachments']);
    expect(error.message).toContain('maxAttachments');
    expect((await parseInboundBody(body, contentType, { limits: { maxAttachments: 6 } })).attachments).toHaveLength(6);
  });
});
