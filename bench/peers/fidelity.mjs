// The fidelity set bench/peers.mjs posts to every system: what a user's mail really looks like at the edges.
// Each system stores the same row (bench_messages: subject, from, recipients, text, attachments with size and
// SHA-256) from what its framework hands the app; the check compares it with what was sent.
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { buildInboundPost } from '@mailroom/core/testing';

const TO = 'inbox@bench.example.com';
const HIDDEN = 'hidden@bench.example.com';

function pseudoRandom(size, seed) {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A raw post whose text part is 8-bit windows-1251 (no transfer encoding): bytes that are not UTF-8. */
function eightBitRawPost(messageId, text) {
  const post = buildInboundPost({ mode: 'raw', to: TO, subject: '8-bit body', text: 'PLACEHOLDER8BIT\n', messageId });
  const body = post.body
    .toString('latin1')
    .replace('Content-Transfer-Encoding: 7bit', 'Content-Transfer-Encoding: 8bit')
    .replace('text/plain; charset=utf-8', 'text/plain; charset=windows-1251')
    .replace('PLACEHOLDER8BIT', iconv.encode(text.trimEnd(), 'windows-1251').toString('latin1'));
  return { ...post, body: Buffer.from(body, 'latin1') };
}

const attachment = pseudoRandom(5 * 1024 * 1024, 42);
const run = Date.now().toString(36);
const id = (name) => `<fidelity-${name}-${run}@bench.example.com>`;

export const FIDELITY_CASES = [
  {
    id: 'windows-1251',
    label: 'parsed post, windows-1251 fields (charsets)',
    expect: { subject: 'Счёт за ноябрь', text: 'Здравствуйте! Счёт во вложении.\n' },
    build() {
      return buildInboundPost({
        mode: 'parsed',
        charset: 'windows-1251',
        from: 'Иван Петров <ivan@example.ru>',
        to: TO,
        messageId: id('windows-1251'),
        ...this.expect,
      });
    },
  },
  {
    id: 'iso-2022-jp',
    label: 'parsed post, ISO-2022-JP fields (charsets)',
    expect: { subject: '会議の件について', text: '明日の会議は十時からです。よろしくお願いします。\n' },
    build() {
      return buildInboundPost({
        mode: 'parsed',
        charset: 'iso-2022-jp',
        to: TO,
        messageId: id('iso-2022-jp'),
        ...this.expect,
      });
    },
  },
  {
    id: '8bit-raw',
    label: 'raw post, 8-bit windows-1251 body',
    expect: { text: 'Привет из Москвы, это восьмибитное письмо.\n' },
    build() {
      return eightBitRawPost(id('8bit-raw'), this.expect.text);
    },
  },
  {
    id: 'attachment-5mb',
    label: 'raw post, 5 MB attachment',
    expect: {
      attachments: [
        {
          filename: 'data.bin',
          size: attachment.length,
          sha256: createHash('sha256').update(attachment).digest('hex'),
        },
      ],
    },
    build() {
      return buildInboundPost({
        mode: 'raw',
        to: TO,
        subject: 'The data',
        messageId: id('attachment-5mb'),
        attachments: [{ filename: 'data.bin', contentType: 'application/octet-stream', content: attachment }],
      });
    },
  },
  {
    id: 'bcc-only',
    label: 'raw post, Bcc-only envelope recipient',
    expect: { recipient: HIDDEN },
    build() {
      return buildInboundPost({ mode: 'raw', to: TO, bcc: HIDDEN, subject: 'Bcc', messageId: id('bcc-only') });
    },
  },
];

const clean = (s) => (s ?? '').replace(/\r\n/g, '\n').trimEnd();
const bare = (messageId) => messageId.replace(/^<|>$/g, '');
const short = (s) => JSON.stringify(clean(s).slice(0, 24));

/** What went wrong with a stored row, or null when it matches the case. */
function difference(row, expect) {
  if (expect.subject !== undefined && clean(row.subject) !== expect.subject) return `subject ${short(row.subject)}`;
  if (expect.text !== undefined && clean(row.text_body) !== clean(expect.text)) return `text ${short(row.text_body)}`;
  if (expect.recipient && !JSON.parse(row.recipients ?? '[]').includes(expect.recipient))
    return `recipients ${row.recipients}`;
  if (expect.attachments) {
    const got = JSON.parse(row.attachments ?? '[]');
    const want = expect.attachments[0];
    const match = got.find((a) => a.size === want.size && a.sha256 === want.sha256);
    if (!match) return `attachments ${got.map((a) => `${a.filename} ${a.size} B`).join(', ') || 'none'}`;
  }
  return null;
}

/** Posts one case to one system (`{ port, path, sql }`) and says what it stored: `ok`, or what differs. */
export async function checkFidelity(target, testCase, basic) {
  const post = testCase.build();
  const response = await fetch(`http://127.0.0.1:${target.port}${target.path}`, {
    method: 'POST',
    headers: { 'content-type': post.contentType, authorization: `Basic ${Buffer.from(basic).toString('base64')}` },
    body: post.body,
  });
  await response.arrayBuffer();
  if (response.status >= 300) return `✗ rejected ${response.status}`;
  const messageId = bare(id(testCase.id));
  for (let waited = 0; waited < 20_000; waited += 200) {
    const rows = await target.sql`select * from bench_messages
      where message_id in (${messageId}, ${`<${messageId}>`}) order by id desc limit 1`;
    if (rows.length) {
      const wrong = difference(rows[0], testCase.expect);
      return wrong ? `✗ ${wrong}` : '✓';
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return `✗ ${response.status}, nothing stored`;
}
