import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { InboundEmail } from '../message/index.js';
import { createIngress, parseInboundBody } from './index.js';
import { buildMultipart, c5ParsedFields, postRequest, type FormValue } from './test-support.js';

const latin1 = (text: string) => Buffer.from(text, 'latin1');

async function parse(fields: Array<[string, FormValue]>): Promise<InboundEmail> {
  const { body, contentType } = buildMultipart(fields);
  return parseInboundBody(body, contentType);
}

describe('parsed mode: the C5 capture shape', () => {
  it('builds the InboundEmail from SendGrid fields and the raw headers', async () => {
    const email = await parse(c5ParsedFields());
    expect(email.mode).toBe('parsed');
    expect(email.subject).toBe('Fwd: testing webhook parse');
    expect(email.from).toEqual({ address: 'aroach@gmail.com', name: 'Ashley Roach' });
    expect(email.to).toEqual([{ address: 'test@parse.ashleyroach.com', name: '' }]);
    expect(email.messageId).toBe('CAJ3pB3w0r5@mail.gmail.com');
    expect(email.date?.toISOString()).toBe('2018-10-09T03:15:51.000Z');
    expect(email.envelope).toEqual({ to: ['test@parse.ashleyroach.com'], from: 'aroach@gmail.com' });
    expect(email.auth).toEqual({ spf: 'pass', dkim: [{ domain: 'gmail.com', result: 'pass' }] });
    expect(email.spam?.score).toBe(0.022);
    expect(email.spam?.report).toContain('has\nidentified this incoming email');
    expect(email.senderIp).toBe('209.85.161.46');
    expect(email.text).toBe('this is the body for webhook parse\nsecond line\n');
    expect(email.html).toBe('<div dir="ltr">this is the body for webhook parse</div>\n');
    expect(email.headers.map((h) => h.name)).toEqual([
      'Received',
      'MIME-Version',
      'From',
      'Date',
      'Message-ID',
      'Subject',
      'To',
      'Content-Type',
    ]);
    expect(email.header('content-type')).toBe('multipart/alternative; boundary="0000000000005aac2a0577c32893"');
    expect(email.attachments).toEqual([]);
  });

  it('gives the same result whichever order the fields arrive in', async () => {
    const fields = c5ParsedFields();
    const reversed = await parse([...fields].reverse());
    expect(reversed.toJSON()).toEqual((await parse(fields)).toJSON());
  });

  it('parses a body streamed to the ingress in 7-byte chunks', async () => {
    const { body, contentType } = buildMultipart(c5ParsedFields());
    const ingress = createIngress({ security: { insecure: true } });
    const post = await ingress.receive(postRequest(body, { contentType, chunkSize: 7 }));
    expect(post.body.equals(body)).toBe(true);
    expect(post.email.subject).toBe('Fwd: testing webhook parse');
    expect(post.email.text).toBe('this is the body for webhook parse\nsecond line\n');
  });
});

describe('parsed mode: charsets (C7 capture)', () => {
  const c7: Array<[string, FormValue]> = [
    [
      'headers',
      'Subject: =?cp850?q?Como_usted_pidi=A2?=\r\nFrom: Sender <sender@example.com>\r\nTo: =?utf-8?q?Recipient_=C3=A9?= <to@example.com>\r\nCc: cc@example.com\r\n',
    ],
    ['subject', latin1('Como usted pidi\xa2')],
    ['text', latin1('Test the ESP\x92s inbound charset handling\x85')],
    ['html', latin1('<p>\xbfEsto se ve como esperabas?</p>')],
    ['from', 'Sender <sender@example.com>'],
    ['to', 'Recipient é <to@example.com>'],
    ['cc', 'cc@example.com'],
    ['envelope', '{"to":["to@example.com"],"from":"sender@example.com"}'],
    [
      'charsets',
      '{"to":"UTF-8","cc":"UTF-8","html":"iso-8859-1","subject":"cp850","from":"UTF-8","text":"windows-1252"}',
    ],
  ];

  it('decodes cp850, windows-1252 (0x80–0x9F as punctuation) and iso-8859-1 from bytes', async () => {
    const email = await parse(c7);
    expect(email.subject).toBe('Como usted pidió');
    expect(email.text).toBe('Test the ESP’s inbound charset handling…');
    expect(email.html).toBe('<p>¿Esto se ve como esperabas?</p>');
    expect(email.to).toEqual([{ address: 'to@example.com', name: 'Recipient é' }]);
    expect(email.cc).toEqual([{ address: 'cc@example.com', name: '' }]);
    expect(email.header('Subject')).toBe('Como usted pidió');
  });

  it('falls back to SendGrid’s decoded subject (in its charset) when there is no headers field', async () => {
    const email = await parse(c7.filter(([name]) => name !== 'headers'));
    expect(email.subject).toBe('Como usted pidió');
    expect(email.to).toEqual([{ address: 'to@example.com', name: 'Recipient é' }]);
  });

  it('decodes ISO-2022-JP text and treats us-ascii as windows-1252', async () => {
    const email = await parse([
      ['from', 'a@example.com'],
      ['text', latin1('\x1B$BF|K\\8l$G$9\x1B(B')],
      ['html', latin1('caf\xe9 \x93quoted\x94')],
      ['charsets', '{"text":"ISO-2022-JP","html":"us-ascii"}'],
    ]);
    expect(email.text).toBe('日本語です');
    expect(email.html).toBe('café “quoted”');
  });

  it('ignores an unreadable charsets field and decodes as UTF-8 instead of rejecting the mail', async () => {
    const email = await parse([
      ['from', 'a@example.com'],
      ['subject', 'Grüße'],
      ['text', 'naïve'],
      ['charsets', '{not json'],
    ]);
    expect(email.subject).toBe('Grüße');
    expect(email.text).toBe('naïve');
  });

  it('uses SendGrid’s decoded fields when the headers field holds raw 8-bit non-UTF-8 bytes', async () => {
    const email = await parse([
      ['headers', latin1('Subject: Caf\xe9\r\nFrom: Jos\xe9 <jose@example.com>\r\n')],
      ['subject', latin1('Caf\xe9')],
      ['from', latin1('Jos\xe9 <jose@example.com>')],
      ['charsets', '{"subject":"iso-8859-1","from":"iso-8859-1"}'],
    ]);
    expect(email.subject).toBe('Café');
    expect(email.from).toEqual({ address: 'jose@example.com', name: 'José' });
    expect(email.header('subject')).toBe('Café'); // headers list: windows-1252 guess for non-UTF-8 bytes
  });
});

describe('parsed mode: headers and addresses', () => {
  it('unfolds headers, decodes encoded-words, and reads ids, references and dates', async () => {
    const email = await parse([
      [
        'headers',
        'Message-ID: <abc@example.com>\r\nIn-Reply-To: <parent@example.com>\r\nReferences: <root@example.com>\r\n <parent@example.com>\r\n' +
          'Subject: =?UTF-8?B?w4lsw6lvbm9yZQ==?=\r\n =?UTF-8?Q?_r=C3=A9sum=C3=A9?=\r\nTo: undisclosed-recipients:;\r\n' +
          'From: =?utf-8?q?Doe=2C_John?= <john@example.com>\r\nReply-To: a@example.com, "B, Person" <b@example.com>\r\nDate: not a date\r\nX-Long: one\r\n\ttwo\r\n',
      ],
      ['envelope', '{"to":"single@example.com","from":"bounce@example.com"}'],
    ]);
    expect(email.messageId).toBe('abc@example.com');
    expect(email.inReplyTo).toBe('parent@example.com');
    expect(email.references).toEqual(['root@example.com', 'parent@example.com']);
    expect(email.subject).toBe('Éléonore résumé');
    expect(email.to).toEqual([]);
    expect(email.from).toEqual({ address: 'john@example.com', name: 'Doe, John' });
    expect(email.replyTo).toEqual([
      { address: 'a@example.com', name: '' },
      { address: 'b@example.com', name: 'B, Person' },
    ]);
    expect(email.date).toBeNull();
    expect(email.header('x-long')).toBe('one\ttwo');
    expect(email.references).toHaveLength(2);
    expect(email.envelope).toEqual({ to: ['single@example.com'], from: 'bounce@example.com' });
    expect(email.spam).toBeNull();
    expect(email.auth).toEqual({ spf: null, dkim: [] });
  });

  it('reads the dkim grammar: several entries, several brace groups, none', async () => {
    const dkimOf = async (dkim: string) =>
      (
        await parse([
          ['from', 'a@example.com'],
          ['dkim', dkim],
        ])
      ).auth.dkim;
    expect(await dkimOf('{@company.com : pass, @sendgrid.com : temperror}')).toEqual([
      { domain: 'company.com', result: 'pass' },
      { domain: 'sendgrid.com', result: 'temperror' },
    ]);
    expect(await dkimOf('{ @a.example : pass } , { @b.example : fail }')).toEqual([
      { domain: 'a.example', result: 'pass' },
      { domain: 'b.example', result: 'fail' },
    ]);
    expect(await dkimOf('{@NEILPOULIN-com.20150623.gappssmtp.com : pass}')).toEqual([
      { domain: 'NEILPOULIN-com.20150623.gappssmtp.com', result: 'pass' },
    ]);
    expect(await dkimOf('none')).toEqual([]);
  });

  it('keeps spam fields: unparsable score → null, report kept', async () => {
    const email = await parse([
      ['from', 'a@example.com'],
      ['spam_score', 'n/a'],
      ['spam_report', 'report'],
    ]);
    expect(email.spam).toEqual({ score: null, report: 'report' });
  });
});

describe('parsed mode: attachments', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x0d, 0x0a]);
  const jpg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x2d, 0x2d, 0x78, 0x59, 0x7a, 0x5a, 0x59]); // contains "--xYzZY" without CRLF

  it('joins attachment-info by name (C6: unsorted info, attachment2 first), marks the inline CID', async () => {
    const email = await parse([
      ['headers', 'From: a@example.com\r\n'],
      ['attachment2', { data: jpg, filename: '001.jpg', contentType: 'image/jpeg' }],
      ['attachment1', { data: png, filename: 'image001.png', contentType: 'image/png' }],
      ['attachments', '2'],
      [
        'attachment-info',
        '{"attachment2":{"filename":"001.jpg","name":"001.jpg","type":"image/jpeg"},"attachment1":{"filename":"image001.png","name":"image001.png","type":"image/png","content-id":"image001.png@01D85101.00357470"}}',
      ],
      ['content-ids', '{"image001.png@01D85101.00357470":"attachment1"}'],
    ]);
    expect(email.attachments.map((a) => a.toJSON())).toEqual([
      {
        filename: 'image001.png',
        contentType: 'image/png',
        size: png.length,
        contentId: 'image001.png@01D85101.00357470',
        inline: true,
        sha256: createHash('sha256').update(png).digest('hex'),
      },
      {
        filename: '001.jpg',
        contentType: 'image/jpeg',
        size: jpg.length,
        contentId: null,
        inline: false,
        sha256: createHash('sha256').update(jpg).digest('hex'),
      },
    ]);
    expect((await email.attachments[0]!.content()).equals(png)).toBe(true);
    expect((await email.attachments[1]!.content()).equals(jpg)).toBe(true);
    expect(email.attachmentByContentId('<image001.png@01D85101.00357470>')?.filename).toBe('image001.png');
    expect(email.files.map((f) => f.filename)).toEqual(['001.jpg']);
  });

  it('orders attachment10 after attachment9 and keeps parts with no info entry', async () => {
    const fields: Array<[string, FormValue]> = [['from', 'a@example.com']];
    for (const n of [10, 2, 1, 9, 11])
      fields.push([`attachment${n}`, { data: `file ${n}`, filename: `part${n}.txt`, contentType: 'text/plain' }]);
    fields.push([
      'attachment-info',
      '{"attachment10":{"filename":"ten.txt","type":"text/x-ten"},"attachment9":{"name":"nine.txt"}}',
    ]);
    const email = await parse(fields);
    expect(email.attachments.map((a) => a.filename)).toEqual([
      'part1.txt',
      'part2.txt',
      'nine.txt',
      'ten.txt',
      'part11.txt',
    ]);
    expect(email.attachments.map((a) => a.contentType)).toEqual([
      'text/plain',
      'text/plain',
      'text/plain',
      'text/x-ten',
      'text/plain',
    ]);
    expect((await email.attachments[3]!.content()).toString()).toBe('file 10');
  });

  it('keeps the parts when attachment-info and content-ids are not JSON; content-ids alone marks inline', async () => {
    const email = await parse([
      ['from', 'a@example.com'],
      ['attachment1', { data: png, filename: 'logo.png', contentType: 'image/png' }],
      ['attachment2', { data: 'x', filename: 'x.bin' }],
      ['attachment-info', '{broken'],
      ['content-ids', '{"<logo@cid>":"attachment1"}'],
    ]);
    expect(email.attachments.map((a) => [a.filename, a.contentType, a.contentId, a.inline])).toEqual([
      ['logo.png', 'image/png', 'logo@cid', true],
      ['x.bin', 'application/octet-stream', null, false],
    ]);
    const broken = await parse([
      ['from', 'a@example.com'],
      ['attachment1', { data: png, filename: 'logo.png', contentType: 'image/png' }],
      ['content-ids', 'nope'],
    ]);
    expect(broken.attachments.map((a) => [a.filename, a.inline])).toEqual([['logo.png', false]]);
  });

  it('keeps binary content byte for byte, including bytes that look like the boundary', async () => {
    const tricky = Buffer.concat([Buffer.from('\r\n--xYzZ'), Buffer.from([0, 1, 2, 255]), Buffer.from('--xYzZY')]);
    const email = await parse([
      ['from', 'a@example.com'],
      ['attachment1', { data: tricky, filename: 't.bin', contentType: 'application/octet-stream' }],
    ]);
    expect((await email.attachments[0]!.content()).equals(tricky)).toBe(true);
  });

  it('splits only at CRLF + "--boundary": LF-only, CR-only, dash-run and mid-line look-alikes stay content', async () => {
    const decoys = [
      '\n--xYzZY\r\n',
      '\r--xYzZY\r\n',
      '---xYzZY',
      'x--xYzZY--',
      '\r\n-xYzZY',
      '-'.repeat(100),
      '\r\n--xYzZ',
    ];
    const first = Buffer.from(decoys.join('|'), 'latin1');
    const second = Buffer.from(`${'\n--xYzZY'.repeat(50)}end`, 'latin1');
    const email = await parse([
      ['from', 'a@example.com'],
      ['attachment1', { data: first, filename: 'a.bin', contentType: 'application/octet-stream' }],
      ['attachment2', { data: second, filename: 'b.bin', contentType: 'application/octet-stream' }],
      ['subject', 'x--xYzZY'],
    ]);
    expect(email.attachments.map((a) => a.size)).toEqual([first.length, second.length]);
    expect((await email.attachments[0]!.content()).equals(first)).toBe(true);
    expect((await email.attachments[1]!.content()).equals(second)).toBe(true);
    expect(email.subject).toBe('x--xYzZY');
  });
});
