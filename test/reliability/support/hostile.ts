import {
  buildInboundPost,
  inboundFormParts,
  multipartBody,
  multipartContentType,
  type FormPart,
} from '@mailroom/core/testing';
import type { prng } from './posts.js';

type Random = ReturnType<typeof prng>;

export interface HostilePost {
  kind: string;
  contentType: string;
  body: Buffer;
}

const B = 'xYzZY';
const CRLF = '\r\n';
const TRAVERSAL_NAMES = [
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '/etc/shadow',
  'C:\\boot.ini',
  'a/../../b.txt',
  '....//....//x',
  'CON',
  'nul.txt',
  '.',
  '..',
  '',
  ' ',
  '\u0000evil.exe',
  'bad\u0007name\r\n.txt',
  '%2e%2e%2fescape',
  `${'n'.repeat(5000)}.txt`,
  '\u202Etxt.exe',
  'file:///etc/hosts',
  '~/.ssh/id_rsa',
];
const BAD_CHARSETS = [
  'x-unknown',
  'utf-7',
  'utf-16',
  'utf-32',
  '',
  '\u0000',
  'iso-8859-99',
  'ebcdic',
  'cp65001',
  'unicode-1-1-utf-7',
  '"utf-8',
  'base64',
  'x'.repeat(300),
  'gb18030',
  'iso-2022-jp',
  'shift_jis',
  'koi8-r',
  'cp850',
];
export const BROKEN_JSON = [
  '{',
  '{"to":',
  '[1,2',
  'null',
  '"string"',
  '{"to":[1,2,{}],"from":5}',
  '{"to":"a@b"',
  '\u0000',
  '{}}',
  'NaN',
  '{"__proto__":{"x":1}}',
  '{"to":[' + '"a@b.c",'.repeat(2000) + '"z@b.c"]}',
  '{'.repeat(5000),
];

function bytes(random: Random, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = random.int(256);
  return out;
}

/** A form part whose value may still be text (serialised as UTF-8). */
type LoosePart = Omit<FormPart, 'value'> & { value: string | Buffer };

function post(parts: LoosePart[], boundary = B): HostilePost {
  const normalized = parts.map((part) => ({
    ...part,
    value: Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value),
  }));
  return { kind: '', contentType: multipartContentType(boundary), body: multipartBody(normalized, boundary) };
}

function baseParts(random: Random, mode: 'parsed' | 'raw' = random.chance(0.5) ? 'parsed' : 'raw'): LoosePart[] {
  return inboundFormParts({
    mode,
    subject: random.pick(['Hello', 'Re: ünïcödé', '=?utf-8?B?w6lsw6h2ZQ==?=', '']),
    text: 'body '.repeat(1 + random.int(50)),
    html: random.chance(0.5) ? '<p>hi</p>' : undefined,
    attachments: random.chance(0.4) ? [{ filename: 'a.txt', content: 'attachment' }] : undefined,
  });
}

const nested = (depth: number, leaf: string) => {
  let body = leaf;
  for (let level = depth; level > 0; level--) {
    const b = `b${level}`;
    body = `Content-Type: multipart/mixed; boundary="${b}"${CRLF}${CRLF}--${b}${CRLF}${body}${CRLF}--${b}--${CRLF}`;
  }
  return body;
};

function rawMessage(headers: string, body: string | Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `From: a@example.com${CRLF}To: inbox@reliability.example.com${CRLF}Subject: hostile${CRLF}Message-ID: <h${Math.random()}@x>${CRLF}${headers}`,
      'latin1',
    ),
    Buffer.from(CRLF),
    Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'),
  ]);
}

function withEmail(email: Buffer, extra: LoosePart[] = []): LoosePart[] {
  return [
    { name: 'envelope', value: '{"to":["inbox@reliability.example.com"],"from":"a@example.com"}' },
    { name: 'email', value: email },
    ...extra,
  ];
}

/** One adversarial post of a random kind. Every kind must end in a 4xx with a reason or a valid stored email. */
export function hostilePost(random: Random, limits: { maxBodyBytes: number; maxHeaderBytes: number }): HostilePost {
  const kinds: Array<[string, () => HostilePost]> = [
    [
      'truncated',
      () => {
        const p = post(baseParts(random));
        return { ...p, body: p.body.subarray(0, random.int(p.body.length)) };
      },
    ],
    [
      'wrong boundary in Content-Type',
      () => {
        const p = post(baseParts(random));
        return {
          ...p,
          contentType: multipartContentType(random.pick(['other', 'xYzZ', 'xYzZYY', '"', ''.padEnd(71, 'b')])),
        };
      },
    ],
    [
      'wrong boundary in body',
      () => {
        const p = post(baseParts(random));
        const body = Buffer.from(
          p.body.toString('latin1').replaceAll(`--${B}`, random.chance(0.5) ? '--xYzZX' : `--${B}`.slice(0, 4)),
          'latin1',
        );
        return { ...p, body };
      },
    ],
    [
      'no or foreign Content-Type',
      () => {
        const p = post(baseParts(random));
        return {
          ...p,
          contentType: random.pick([
            '',
            'multipart/form-data',
            'application/json',
            'text/plain; boundary=xYzZY',
            'multipart/mixed; boundary=xYzZY',
            'multipart/form-data; boundary=',
          ]),
        };
      },
    ],
    [
      'huge headers field',
      () => {
        const size = limits.maxHeaderBytes + random.int(limits.maxHeaderBytes);
        const parts = baseParts(random, 'parsed').map((part) =>
          part.name === 'headers' ? { ...part, value: `X-Big: ${'a'.repeat(size)}${CRLF}${part.value}` } : part,
        );
        return post(parts);
      },
    ],
    [
      'huge raw header block',
      () => {
        const size = limits.maxHeaderBytes + random.int(limits.maxHeaderBytes);
        return post(withEmail(rawMessage(`X-Big: ${'h'.repeat(size)}${CRLF}`, 'text')));
      },
    ],
    [
      'many folded header lines',
      () => post(withEmail(rawMessage(`X-Fold: a${`${CRLF} b`.repeat(2000 + random.int(5000))}${CRLF}`, 'text'))),
    ],
    [
      'huge form part header',
      () => {
        const parts = baseParts(random);
        parts.push({ name: `x${'n'.repeat(20_000 + random.int(20_000))}`, value: 'v' });
        return post(parts);
      },
    ],
    [
      'deep MIME nesting',
      () => {
        const depth = 5 + random.int(300);
        return post(
          withEmail(
            Buffer.from(
              `From: a@example.com${CRLF}Subject: deep${CRLF}MIME-Version: 1.0${CRLF}${nested(depth, `Content-Type: text/plain${CRLF}${CRLF}leaf`)}`,
              'latin1',
            ),
          ),
        );
      },
    ],
    [
      'deep message/rfc822 nesting',
      () => {
        let inner = `Subject: innermost${CRLF}${CRLF}leaf`;
        for (let i = 0; i < 5 + random.int(120); i++)
          inner = `Subject: level ${i}${CRLF}Content-Type: message/rfc822${CRLF}${CRLF}${inner}`;
        return post(withEmail(Buffer.from(`From: a@example.com${CRLF}${inner}`, 'latin1')));
      },
    ],
    [
      'bad charsets',
      () => {
        const labels = Object.fromEntries(
          ['subject', 'text', 'html', 'from', 'to', 'headers'].map((f) => [f, random.pick(BAD_CHARSETS)]),
        );
        const parts = baseParts(random, 'parsed').map((part) => {
          if (part.name === 'charsets') return { ...part, value: JSON.stringify(labels) };
          if (part.name === 'text' || part.name === 'subject')
            return { ...part, value: bytes(random, 1 + random.int(400)) };
          return part;
        });
        return post(parts);
      },
    ],
    [
      'raw part with bad charset and bytes',
      () =>
        post(
          withEmail(
            rawMessage(
              `Content-Type: text/plain; charset="${random.pick(BAD_CHARSETS)}"${CRLF}Content-Transfer-Encoding: ${random.pick(['8bit', 'quoted-printable', 'base64', 'x-uuencode', 'bogus'])}${CRLF}`,
              bytes(random, 1 + random.int(2000)),
            ),
          ),
        ),
    ],
    [
      'invalid JSON metadata',
      () => {
        const field = random.pick(['envelope', 'charsets', 'attachment-info', 'content-ids']);
        const parts = baseParts(random, 'parsed').filter((part) => part.name !== field);
        parts.push({ name: field, value: random.pick(BROKEN_JSON) });
        if (field === 'attachment-info')
          parts.push({ name: 'attachment1', value: 'x', filename: 'a.txt', contentType: 'text/plain' });
        return post(parts);
      },
    ],
    [
      'oversized body',
      () => {
        const parts = baseParts(random, 'parsed');
        parts.push({
          name: 'attachment1',
          value: Buffer.alloc(limits.maxBodyBytes + random.int(100_000), 0x41),
          filename: 'big.bin',
          contentType: 'application/octet-stream',
        });
        return post(parts);
      },
    ],
    [
      'oversized field value',
      () => {
        const parts = baseParts(random, 'parsed').map((part) =>
          part.name === 'text'
            ? { ...part, value: 'x'.repeat(limits.maxBodyBytes - 50_000 + random.int(100_000)) }
            : part,
        );
        return post(parts);
      },
    ],
    [
      'NUL bytes',
      () => {
        const parts = baseParts(random).map((part) => {
          if (!random.chance(0.5)) return part;
          const value = Buffer.from(part.value);
          for (let i = 0; i < 1 + random.int(10) && value.length > 0; i++) value[random.int(value.length)] = 0;
          return { ...part, value, ...(random.chance(0.2) ? { name: `${part.name}\u0000` } : {}) };
        });
        parts.push({
          name: 'attachment1',
          value: Buffer.from('a\u0000b'),
          filename: 'nul\u0000.txt',
          contentType: 'text/plain\u0000',
        });
        return post(parts);
      },
    ],
    [
      'path-traversal file names',
      () => {
        const count = 1 + random.int(5);
        const names = Array.from({ length: count }, () => random.pick(TRAVERSAL_NAMES));
        const description = {
          attachments: names.map((filename, i) => ({
            filename: filename || `f${i}`,
            content: `content ${i}`,
            contentType: 'text/plain',
          })),
        };
        if (random.chance(0.5)) return { kind: '', ...buildInboundPost({ ...description, mode: 'raw' }) };
        const parts = inboundFormParts(description).map((part) =>
          /^attachment\d+$/.test(part.name) ? { ...part, filename: random.pick(TRAVERSAL_NAMES) } : part,
        );
        return post(parts);
      },
    ],
    [
      'zip-bomb-like base64',
      () => {
        const size = 100_000 + random.int(Math.floor(limits.maxBodyBytes * 0.6));
        const content = Buffer.alloc(size, 0).toString('base64').replace(/.{76}/g, `$&${CRLF}`);
        const layers = random.int(4);
        let entity = `Content-Type: application/zip; name="bomb.zip"${CRLF}Content-Disposition: attachment; filename="bomb.zip"; size=99999999999${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${content}`;
        for (let i = 0; i < layers; i++) {
          entity = `Content-Type: message/rfc822${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${Buffer.from(`Subject: layer ${i}${CRLF}${entity}`).toString('base64').replace(/.{76}/g, `$&${CRLF}`)}`;
        }
        return post(
          withEmail(
            Buffer.from(
              `From: a@example.com${CRLF}Subject: bomb${CRLF}MIME-Version: 1.0${CRLF}Content-Type: multipart/mixed; boundary="z"${CRLF}${CRLF}--z${CRLF}${entity}${CRLF}--z--${CRLF}`,
              'latin1',
            ),
          ),
        );
      },
    ],
    [
      'invalid base64 and QP',
      () =>
        post(
          withEmail(
            rawMessage(
              `Content-Type: application/octet-stream${CRLF}Content-Transfer-Encoding: ${random.pick(['base64', 'quoted-printable'])}${CRLF}`,
              `${random.pick(['!!!!', '=ZZ=', '====', '=\r\n=\r\n', 'QUJD\u0000REVG', '=?', '==='])}${bytes(random, random.int(500)).toString('latin1')}`,
            ),
          ),
        ),
    ],
    [
      'random byte flips',
      () => {
        const p = post(baseParts(random));
        const body = Buffer.from(p.body);
        for (let i = 0; i < 1 + random.int(30); i++) body[random.int(body.length)] = random.int(256);
        return { ...p, body };
      },
    ],
    [
      'too many fields',
      () =>
        post([
          ...Array.from({ length: 60 + random.int(400) }, (_, i): LoosePart => ({ name: `f${i}`, value: 'v' })),
          ...baseParts(random, 'parsed'),
        ]),
    ],
    [
      'too many attachments',
      () => {
        const parts = baseParts(random, 'parsed');
        for (let i = 1; i <= 25 + random.int(200); i++)
          parts.push({ name: `attachment${i}`, value: 'a', filename: `${i}.txt`, contentType: 'text/plain' });
        return post(parts);
      },
    ],
    [
      'duplicate and nameless parts',
      () => {
        const parts = baseParts(random);
        const body = post(parts).body.toString('latin1');
        const extra = `--${B}${CRLF}Content-Disposition: form-data${CRLF}${CRLF}nameless${CRLF}--${B}${CRLF}Content-Type: text/plain${CRLF}${CRLF}no disposition${CRLF}--${B}${CRLF}Content-Disposition: form-data; name="text"${CRLF}${CRLF}second text${CRLF}`;
        return { kind: '', contentType: multipartContentType(B), body: Buffer.from(extra + body, 'latin1') };
      },
    ],
    ['garbage body', () => ({ kind: '', contentType: multipartContentType(B), body: bytes(random, random.int(5000)) })],
    ['empty body', () => ({ kind: '', contentType: multipartContentType(B), body: Buffer.alloc(0) })],
    [
      'neither mode',
      () =>
        post([
          { name: 'envelope', value: '{"to":["a@b.c"]}' },
          { name: 'subject2', value: 'x' },
        ]),
    ],
  ];
  const [kind, make] = random.pick(kinds);
  const result = make();
  return { kind, contentType: result.contentType, body: result.body };
}
