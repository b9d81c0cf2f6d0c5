// The posts of the --worst bench (bench/worst.mjs): adversarial families, each built at a size n (and 2n), and
// the ordinary email of a given size they are compared with. Posts are assembled by hand (MIME text, then the
// testing kit's multipart framing) because the kit's composer parses addresses itself, and some of these inputs
// are exactly what makes address parsers slow. Every builder is linear in its size.
import { multipartBody, multipartContentType } from '@mailroom/core/testing';

export const KiB = 1024;
export const MiB = 1024 * KiB;
const CRLF = '\r\n';
const DATE = 'Thu, 26 Nov 2026 09:30:00 +0000';
const INBOX = 'inbox@inbound.example.com';
const PROSE =
  'Thanks for the quick answer. The attached report covers the last quarter; see section 3 for the numbers ' +
  'and section 4 for what we plan next.';

/** `unit` repeated to exactly `n` characters. */
export const fill = (unit, n) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const bytes = (n) => (n >= MiB ? `${+(n / MiB).toFixed(2)} MiB` : `${+(n / KiB).toFixed(1)} KiB`);
const count = (noun) => (n) => `${n.toLocaleString('en-US')} ${noun}`;

/** Deterministic incompressible-looking bytes (xorshift), as bench/posts.mjs. */
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

const base64Lines = (buffer) => buffer.toString('base64').replace(/.{76}/g, `$&${CRLF}`);

// ---------------------------------------------------------------------------------------------------------------
// MIME messages and SendGrid posts

/**
 * A MIME message. `headers` are whole header lines (`Name: value`, folded or not) after the standard ones;
 * `head` replaces the standard From/To/Subject when a family owns one of them.
 */
export function mimeMessage({
  from = 'Alice <alice@example.com>',
  to = INBOX,
  subject = 'Re: quarterly numbers',
  headers = [],
  contentType = 'text/plain; charset=utf-8',
  transferEncoding = '8bit',
  body = `${PROSE}${CRLF}`,
}) {
  const head = [
    ...(from === null ? [] : [`From: ${from}`]),
    ...(to === null ? [] : [`To: ${to}`]),
    ...(subject === null ? [] : [`Subject: ${subject}`]),
    `Date: ${DATE}`,
    'Message-ID: <worst.case@mail.example.com>',
    'MIME-Version: 1.0',
    ...headers,
    `Content-Type: ${contentType}`,
    `Content-Transfer-Encoding: ${transferEncoding}`,
  ];
  return Buffer.concat([
    Buffer.from(head.join(CRLF) + CRLF + CRLF, 'utf8'),
    Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
  ]);
}

const field = (name, value) => ({ name, value: Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8') });

/** A raw-mode post (SendGrid's "POST the raw, full MIME message"): the message in `email`, plus its fields. */
export function rawPost(
  message,
  {
    to = INBOX,
    from = 'Alice <alice@example.com>',
    subject = 'Re: quarterly numbers',
    envelopeTo = [INBOX],
    envelopeFrom = 'alice@example.com',
    dkim = '{@example.com : pass}',
  } = {},
) {
  const received = `Received: from mail.example.com (mail.example.com [192.0.2.25]) by mx.sendgrid.net with ESMTP id worst; ${DATE} (UTC)${CRLF}`;
  return post([
    field('email', Buffer.concat([Buffer.from(received), message])),
    field('dkim', dkim),
    field('sender_ip', '192.0.2.25'),
    field('charsets', JSON.stringify({ to: 'UTF-8', from: 'UTF-8', subject: 'UTF-8' })),
    field('SPF', 'pass'),
    field('to', to),
    field('from', from),
    field('subject', subject),
    field('envelope', JSON.stringify({ to: envelopeTo, from: envelopeFrom })),
  ]);
}

/** A parsed-mode post (SendGrid's decoded fields). `headers` is the header block SendGrid posts (unfolded). */
export function parsedPost({
  headers = standardHeaders(),
  to = INBOX,
  from = 'Alice <alice@example.com>',
  subject = 'Re: quarterly numbers',
  text = `${PROSE}${CRLF}`,
  html,
  envelopeTo = [INBOX],
  dkim = '{@example.com : pass}',
  attachments = [],
  extra = [],
}) {
  const info = Object.fromEntries(
    attachments.map((a, i) => [`attachment${i + 1}`, { filename: a.filename, name: a.filename, type: a.contentType }]),
  );
  return post([
    field('headers', headers),
    ...attachments.map((a, i) => ({
      name: `attachment${i + 1}`,
      value: a.content,
      filename: a.filename,
      contentType: a.contentType,
    })),
    field('dkim', dkim),
    field('to', to),
    ...(html === undefined ? [] : [field('html', html)]),
    field('from', from),
    ...(text === null ? [] : [field('text', text)]),
    field('sender_ip', '192.0.2.25'),
    field('envelope', JSON.stringify({ to: envelopeTo, from: 'alice@example.com' })),
    field('attachments', attachments.length),
    field('subject', subject),
    ...(attachments.length ? [field('attachment-info', JSON.stringify(info))] : []),
    field('charsets', JSON.stringify({ to: 'UTF-8', from: 'UTF-8', subject: 'UTF-8', text: 'UTF-8', html: 'UTF-8' })),
    field('SPF', 'pass'),
    ...extra,
  ]);
}

function standardHeaders({ to = INBOX, subject = 'Re: quarterly numbers', more = [] } = {}) {
  return [
    `Received: by mx0032p1las1.sendgrid.net with SMTP id worst ${DATE} (UTC)`,
    'From: Alice <alice@example.com>',
    `To: ${to}`,
    `Subject: ${subject}`,
    `Date: ${DATE}`,
    'Message-ID: <worst.case@mail.example.com>',
    'MIME-Version: 1.0',
    ...more,
    'Content-Type: text/plain; charset=utf-8',
    '',
  ].join(CRLF);
}

function post(parts) {
  return { body: multipartBody(parts), contentType: multipartContentType() };
}

const multipart = (boundary, parts) =>
  `${parts.map((p) => `--${boundary}${CRLF}${p}${CRLF}`).join('')}--${boundary}--${CRLF}`;
const textPart = (text) => `Content-Type: text/plain; charset=utf-8${CRLF}${CRLF}${text}`;

// ---------------------------------------------------------------------------------------------------------------
// The ordinary email of a size: a reply with quoted history and a signature (text up to 256 KiB, an HTML
// alternative up to 128 KiB: a very long thread), and attachments of ≤ 1 MiB for the rest.

export function ordinaryPost(size, mode) {
  const textBytes = Math.min(Math.floor(size * 0.6), 256 * KiB);
  const htmlBytes = Math.min(Math.floor(size * 0.2), 128 * KiB);
  const text =
    `Hi Bob,${CRLF}${CRLF}${PROSE}${CRLF}${CRLF}Best,${CRLF}Alice${CRLF}-- ${CRLF}Alice Example, Example Corp.${CRLF}${CRLF}` +
    `On Wed, 25 Nov 2026 at 18:02, Bob <bob@example.org> wrote:${CRLF}` +
    fill(`> ${PROSE}${CRLF}>${CRLF}`, Math.max(0, textBytes - 300));
  const html =
    `<div dir="ltr"><p>Hi Bob,</p><p>${PROSE}</p></div><div class="gmail_quote">` +
    fill(`<p>${PROSE}</p>\n`, Math.max(0, htmlBytes - 200)) +
    '</div>';
  const rest = Math.max(0, size - textBytes - htmlBytes - 2 * KiB);
  const files = [];
  for (let left = mode === 'raw' ? Math.floor(rest * 0.74) : rest, i = 0; left > 512; left -= MiB, i++) {
    files.push({
      filename: `report-${i + 1}.pdf`,
      contentType: 'application/pdf',
      content: pseudoRandom(Math.min(left, MiB), i + 1),
    });
  }
  if (mode === 'parsed') return parsedPost({ text, html, attachments: files });
  const alternative = multipart('alt', [textPart(text), `Content-Type: text/html; charset=utf-8${CRLF}${CRLF}${html}`]);
  const parts = [
    `Content-Type: multipart/alternative; boundary="alt"${CRLF}${CRLF}${alternative}`,
    ...files.map(
      (f) =>
        `Content-Type: ${f.contentType}; name="${f.filename}"${CRLF}Content-Disposition: attachment; filename="${f.filename}"${CRLF}` +
        `Content-Transfer-Encoding: base64${CRLF}${CRLF}${base64Lines(f.content)}`,
    ),
  ];
  return rawPost(mimeMessage({ contentType: 'multipart/mixed; boundary="mixed"', body: multipart('mixed', parts) }));
}

// ---------------------------------------------------------------------------------------------------------------
// Adversarial families. `n` is the family's size parameter (bytes unless `label` says otherwise); each is built
// at n and 2n. Sizes stay within the default limits (40 MiB body, 1 MiB header block, 100 attachments, depth 50)
// unless `limits` raises one, which the table says.

const raw = (options) =>
  rawPost(mimeMessage(options), { to: options.to ?? INBOX, subject: options.subject ?? 'Re: quarterly numbers' });
const bounce = (body, headers = []) =>
  rawPost(
    mimeMessage({
      from: 'Mail Delivery System <MAILER-DAEMON@mx.example.net>',
      subject: 'Undeliverable: quarterly numbers',
      headers,
      body,
    }),
    {
      from: 'MAILER-DAEMON@mx.example.net',
      envelopeFrom: '',
    },
  );
const ats = (n) => 'a@'.repeat(Math.ceil(n / 2)).slice(0, n);
const textOnly = (body) => raw({ body });
const htmlOnly = (body) => raw({ contentType: 'text/html; charset=utf-8', body });
/** A header value folded every ~`width` characters at spaces (as a sender that follows RFC 5322 would). */
const folded = (words, width = 76) => words.replace(new RegExp(`(.{${width - 10},${width}}) `, 'g'), `$1${CRLF} `);
/** As many copies of a header line as fit in n bytes. */
const lines = (line, n) => Array.from({ length: Math.floor(n / (line.length + 2)) }, () => line);
const nestedDivs = (n) => fill(`${'<div>'.repeat(200)}\n`, n) + 'Hello';

export const FAMILIES = [
  // Finding 1: DSN bodies with `a@a@a@…` lines.
  {
    id: 'dsn-exchange-line',
    label: 'DSN (Exchange style), one a@a@… line',
    n: 2 * KiB,
    size: bytes,
    build: (n) =>
      bounce(
        `Delivery has failed to these recipients or groups:${CRLF}${CRLF}${ats(n)}${CRLF}${CRLF}Diagnostic information for administrators:${CRLF}`,
      ),
  },
  {
    id: 'dsn-exchange-lines',
    label: 'DSN (Exchange), 2 KiB a@a@… lines up to the 256 KiB scan',
    n: 128 * KiB,
    size: bytes,
    build: (n) =>
      bounce(`Delivery has failed to these recipients or groups:${CRLF}${CRLF}${fill(`${ats(2 * KiB)}${CRLF}`, n)}`),
  },
  {
    id: 'dsn-postfix-line',
    label: 'DSN (Postfix style), one <a@a@… line',
    n: 64 * KiB,
    size: bytes,
    build: (n) => bounce(`This is the mail system at host mx.example.net.${CRLF}${CRLF}<${ats(n)}${CRLF}`),
  },
  {
    id: 'dsn-qmail-line',
    label: 'DSN (qmail style), one <a@a@… line',
    n: 64 * KiB,
    size: bytes,
    build: (n) =>
      bounce(
        `Hi. This is the qmail-send program at mx.example.net.${CRLF}I'm afraid I wasn't able to deliver your message.${CRLF}${CRLF}<${ats(n)}${CRLF}`,
      ),
  },
  {
    id: 'dsn-x-failed-recipients',
    label: 'X-Failed-Recipients: a@a@… header',
    n: 2 * KiB,
    size: bytes,
    build: (n) => bounce(`Your message could not be delivered.${CRLF}`, [`X-Failed-Recipients: ${ats(n)}`]),
  },

  // Finding 2: deeply nested HTML in an HTML-only email.
  {
    id: 'html-nesting',
    label: 'HTML-only, nested <div>s',
    n: 256 * KiB,
    size: bytes,
    build: (n) => htmlOnly(nestedDivs(n)),
  },
  {
    id: 'html-nesting-2m',
    label: 'HTML-only, nested <div>s (the 2.2 MB report)',
    n: 1126 * KiB,
    size: bytes,
    build: (n) => htmlOnly(nestedDivs(n)),
  },
  {
    id: 'parsed-html-nesting',
    label: 'parsed mode, html field of nested <div>s, no text',
    n: 256 * KiB,
    size: bytes,
    mode: 'parsed',
    build: (n) => parsedPost({ text: null, html: nestedDivs(n) }),
  },
  {
    id: 'html-gmail-quotes',
    label: 'HTML-only, gmail_quote <div> flood',
    n: 512 * KiB,
    size: bytes,
    build: (n) => htmlOnly(`<p>new</p>${fill('<div class="gmail_quote">q</div>\n', n)}`),
  },
  {
    id: 'html-interleaved-far',
    label: 'HTML-only, 20 cite quotes then empty <span>s up to the next content',
    n: 256 * KiB,
    size: bytes,
    build: (n) =>
      htmlOnly(`<p>new</p>${'<blockquote type="cite">q</blockquote>'.repeat(20)}${fill('<span></span>', n)}<p>far</p>`),
  },
  // Sender HTML as the apps sanitize it (the app-html phase: blog's buildContent, support's sanitizeMessageHtml).
  {
    id: 'html-inline-flood',
    label: 'HTML + text, nested inline tags flood (app-html)',
    n: 512 * KiB,
    size: bytes,
    build: (n) =>
      raw({
        contentType: 'text/html; charset=utf-8',
        body: `<p>new</p>${fill('<b><i><u><span>x</span></u></i></b>', n)}`,
      }),
  },
  {
    id: 'html-attributes',
    label: 'HTML-only, <span>s with 10 attributes each (app-html)',
    n: 512 * KiB,
    size: bytes,
    build: (n) => htmlOnly(`<p>new</p>${fill('<span a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10>x</span>', n)}`),
  },
  {
    id: 'html-one-tag-attributes',
    label: 'HTML-only, one <p> with a flood of attributes (app-html)',
    n: 512 * KiB,
    size: bytes,
    build: (n) => htmlOnly(`<p ${fill('a=1 ', n)}>new</p>`),
  },
  {
    id: 'html-images',
    label: 'HTML-only, <img src=cid:…> flood (app-html)',
    n: 512 * KiB,
    size: bytes,
    build: (n) => htmlOnly(`<p>new</p>${fill('<img src="cid:a@b" alt="x">', n)}`),
  },
  {
    id: 'html-blockquotes',
    label: 'HTML-only, <blockquote type=cite> / <p> flood',
    n: 512 * KiB,
    size: bytes,
    build: (n) => htmlOnly(`<p>new</p>${fill('<blockquote type="cite">q</blockquote><p>t</p>\n', n)}`),
  },

  // Finding 3 and the other header families (the header block's limit is 1 MiB).
  {
    id: 'to-groups',
    label: 'To header of `g: a@b.c;` groups',
    n: 384 * KiB,
    size: bytes,
    build: (n) => {
      const to = fill('g: a@b.c;', n);
      return rawPost(mimeMessage({ to }), { to });
    },
  },
  {
    id: 'to-recipients',
    label: 'To header and envelope, N recipients',
    n: 5000,
    size: count('recipients'),
    build: (n) => {
      const list = Array.from({ length: n }, (_, i) => `user${i}@example.org`);
      const to = list.map((a, i) => `"Recipient ${i}" <${a}>`).join(`,${CRLF} `);
      return rawPost(mimeMessage({ to }), { to: to.replaceAll(CRLF, ''), envelopeTo: list });
    },
  },
  {
    id: 'parsed-recipients',
    label: 'parsed mode, to field, To header and envelope, N recipients',
    n: 5000,
    size: count('recipients'),
    mode: 'parsed',
    build: (n) => {
      const list = Array.from({ length: n }, (_, i) => `user${i}@example.org`);
      const to = list.map((a, i) => `"Recipient ${i}" <${a}>`).join(', ');
      return parsedPost({ headers: standardHeaders({ to }), to, envelopeTo: list });
    },
  },
  {
    id: 'subject-long',
    label: 'Subject, one unfolded line of words',
    n: 384 * KiB,
    size: bytes,
    build: (n) => {
      const subject = fill(`${PROSE} `, n);
      return raw({ subject });
    },
  },
  {
    id: 'subject-encoded-words',
    label: 'Subject of =?UTF-8?B?…?= encoded-words, folded',
    n: 384 * KiB,
    size: bytes,
    build: (n) =>
      raw({ subject: fill(`=?UTF-8?B?w6lsw6h2ZSBkw6lzaWdu?= =?UTF-8?B?w6lsw6h2ZSBkw6lzaWdu?=${CRLF} `, n).trimEnd() }),
  },
  {
    id: 'references-flood',
    label: 'References of Message-IDs, folded',
    n: 384 * KiB,
    size: bytes,
    build: (n) =>
      raw({
        headers: [
          `References: ${fill(`<a1b2c3d4e5.f6@mail.example.com> <a1b2c3d4e5.f7@mail.example.com>${CRLF} `, n).trimEnd()}`,
        ],
      }),
  },
  {
    id: 'received-flood',
    label: 'Received header flood',
    n: 384 * KiB,
    size: bytes,
    build: (n) =>
      raw({
        headers: lines(
          `Received: from relay.example.net (relay.example.net [192.0.2.7]) by mx.example.com with ESMTPS id 4F2A9C; ${DATE}`,
          n,
        ),
      }),
  },
  // mailsplit counts every header line as ≥ 64 bytes against the 1 MiB limit: at most 16,384 lines.
  {
    id: 'many-headers',
    label: 'many small headers (X-Hnnnnn: v; ≤ 16k lines)',
    n: 7000,
    size: count('headers'),
    build: (n) => raw({ headers: Array.from({ length: n }, (_, i) => `X-H${String(i).padStart(5, '0')}: v`) }),
  },
  {
    id: 'header-folded-1m',
    label: 'one header of words, folded (up to ≈ 1 MiB)',
    n: 448 * KiB,
    size: bytes,
    build: (n) => raw({ headers: [`X-Long: ${folded(fill(`${PROSE} `, n))}`] }),
  },
  {
    id: 'parsed-headers-field',
    label: 'parsed mode, headers field of many small headers',
    n: 384 * KiB,
    size: bytes,
    mode: 'parsed',
    build: (n) =>
      parsedPost({
        headers: standardHeaders({
          more: Array.from({ length: Math.floor(n / 14) }, (_, i) => `X-H${String(i).padStart(5, '0')}: v`),
        }),
      }),
  },

  // Structure: attachments, nesting, parts.
  {
    id: 'attachments-100',
    label: 'parsed mode, N attachments of 16 KiB (default limit 100)',
    n: 50,
    size: count('attachments'),
    mode: 'parsed',
    build: (n) =>
      parsedPost({
        attachments: Array.from({ length: n }, (_, i) => ({
          filename: `f${i}.bin`,
          contentType: 'application/octet-stream',
          content: pseudoRandom(16 * KiB, i + 1),
        })),
      }),
  },
  {
    id: 'attachments-1000-parsed',
    label: 'parsed mode, N attachments of 1 KiB (maxAttachments raised to 1,000)',
    n: 500,
    size: count('attachments'),
    mode: 'parsed',
    limits: { maxAttachments: 1000 },
    build: (n) =>
      parsedPost({
        attachments: Array.from({ length: n }, (_, i) => ({
          filename: `f${i}.bin`,
          contentType: 'application/octet-stream',
          content: pseudoRandom(KiB, i + 1),
        })),
      }),
  },
  // mailsplit (under mailparser) refuses a message of more than 1,000 MIME nodes (a 413), so raw mode stops short of 1,000.
  {
    id: 'attachments-1000-raw',
    label: 'raw, N attachments of 1 KiB (maxAttachments raised to 1,000; ≤ 1,000 MIME nodes)',
    n: 490,
    size: count('attachments'),
    limits: { maxAttachments: 1000 },
    build: (n) =>
      raw({
        contentType: 'multipart/mixed; boundary="m"',
        body: multipart('m', [
          textPart(`${PROSE}${CRLF}`),
          ...Array.from(
            { length: n },
            (_, i) =>
              `Content-Type: application/octet-stream; name="f${i}.bin"${CRLF}Content-Disposition: attachment; filename="f${i}.bin"${CRLF}Content-Transfer-Encoding: base64${CRLF}${CRLF}${base64Lines(pseudoRandom(KiB, i + 1))}`,
          ),
        ]),
      }),
  },
  {
    id: 'mime-nesting',
    label: 'multipart nesting depth (limit 50)',
    n: 24,
    size: count('levels'),
    build: (n) => {
      let body = textPart(`${PROSE}${CRLF}`);
      for (let level = n - 1; level >= 1; level--)
        body = `Content-Type: multipart/mixed; boundary="b${level}"${CRLF}${CRLF}${multipart(`b${level}`, [textPart(`level ${level}${CRLF}`), body])}`;
      return raw({
        contentType: 'multipart/mixed; boundary="b0"',
        body: multipart('b0', [textPart(`top${CRLF}`), body]),
      });
    },
  },
  {
    id: 'rfc822-nesting',
    label: 'message/rfc822 nesting depth (limit 50)',
    n: 24,
    size: count('levels'),
    build: (n) => {
      let inner = `From: x@example.org${CRLF}Subject: level ${n}${CRLF}Content-Type: text/plain${CRLF}${CRLF}${PROSE}${CRLF}`;
      for (let level = n - 1; level >= 1; level--)
        inner = `From: x@example.org${CRLF}Subject: level ${level}${CRLF}Content-Type: message/rfc822${CRLF}${CRLF}${inner}`;
      return raw({ contentType: 'message/rfc822', body: inner });
    },
  },
  {
    id: 'many-text-parts',
    label: 'multipart/mixed of N small text/plain parts (≤ 1,000 MIME nodes)',
    n: 495,
    size: count('parts'),
    build: (n) =>
      raw({
        contentType: 'multipart/mixed; boundary="m"',
        body: multipart(
          'm',
          Array.from({ length: n }, (_, i) => textPart(`part ${i}${CRLF}`)),
        ),
      }),
  },

  // Long bodies and lines.
  {
    id: 'line-1m',
    label: 'text/plain, one line of words (≈ 1 MB)',
    n: 512 * KiB,
    size: bytes,
    build: (n) => textOnly(fill(`${PROSE} `, n)),
  },
  {
    id: 'qp-one-line',
    label: 'quoted-printable text, one logical line (soft breaks)',
    n: 8 * MiB,
    size: bytes,
    build: (n) =>
      raw({
        transferEncoding: 'quoted-printable',
        body: fill(`${'Thanks=20for=20the=20quick=20answer.=20'.repeat(2)}=${CRLF}`, n),
      }),
  },
  {
    id: 'text-16m',
    label: 'text/plain of ordinary short lines',
    n: 8 * MiB,
    size: bytes,
    build: (n) => textOnly(fill(`${PROSE}${CRLF}`, n)),
  },

  // Pathological reply() bodies (text/plain).
  {
    id: 'reply-quote-flood',
    label: 'reply: `> x` / blank line flood',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`> x${CRLF}${CRLF}`, n)}`),
  },
  {
    id: 'reply-attributions',
    label: 'reply: "On … a@b.c wrote:" / `> x` pairs',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`On Mon, 1 Jan 2024 at 10:00, a@b.c wrote:${CRLF}> x${CRLF}`, n)}`),
  },
  {
    id: 'reply-weak-attributions',
    label: 'reply: "Bob wrote:" / `> x` pairs',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`Bob wrote:${CRLF}> x${CRLF}`, n)}`),
  },
  {
    id: 'reply-header-lead',
    label: 'reply: attribution-like leads ("On 1 2 3 …") to join',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`On 1 2 3 4 5 6 7 8 9${CRLF}`, n)}`),
  },
  {
    id: 'reply-outlook-blocks',
    label: 'reply: Outlook "From:/To:" header-block flood',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`From: a${CRLF}To: b${CRLF}`, n)}`),
  },
  {
    id: 'reply-signature-markers',
    label: 'reply: `-- ` signature-delimiter flood',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`-- ${CRLF}x${CRLF}`, n)}`),
  },
  {
    id: 'reply-mobile-signatures',
    label: 'reply: "Sent from my iPhone" flood',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`Sent from my iPhone${CRLF}`, n)}`),
  },
  {
    id: 'reply-gt-runs',
    label: 'reply: lines of 999 `>`',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`${'>'.repeat(999)}${CRLF}`, n)}`),
  },
  {
    id: 'reply-wrapped-quotes',
    label: 'reply: `> a` / `b` (wrapped-quote repair) flood',
    n: MiB,
    size: bytes,
    build: (n) => textOnly(`Hello${CRLF}${fill(`> a${CRLF}b${CRLF}`, n)}`),
  },

  // Parsed mode: huge metadata fields.
  {
    id: 'parsed-dkim',
    label: 'parsed mode, dkim field of N-byte `@dN.example.net : pass` entries',
    n: 2 * MiB,
    size: bytes,
    mode: 'parsed',
    build: (n) => parsedPost({ dkim: `{${fill('@d7.example.net : pass, @x.example.com : fail, ', n)}}` }),
  },
  {
    id: 'parsed-huge-fields',
    label: 'parsed mode, huge spam_report and content-ids fields',
    n: 2 * MiB,
    size: bytes,
    mode: 'parsed',
    build: (n) =>
      parsedPost({
        extra: [
          field('spam_report', fill(`Content analysis details: ${PROSE}\n`, n)),
          field('spam_score', '0.1'),
          field(
            'content-ids',
            JSON.stringify(
              Object.fromEntries(Array.from({ length: Math.floor(n / 64) }, (_, i) => [`cid${i}@x`, `attachment${i}`])),
            ),
          ),
        ],
      }),
  },
];

/** Small posts the child runs first, so lazy module loading and cold code are not charged to the case. */
export function warmUpPosts() {
  return [
    ordinaryPost(64 * KiB, 'raw'),
    ordinaryPost(64 * KiB, 'parsed'),
    // Over the 256 KiB off-thread threshold: a server's parse thread is up after its first large post, so the
    // thread's start (≈ 0.5 s, once per process) is not charged to the case measured.
    ordinaryPost(512 * KiB, 'raw'),
    htmlOnly(`<div><p>Hello</p><blockquote type="cite">old</blockquote></div>`),
    bounce(
      `This is the mail system at host mx.example.net.${CRLF}${CRLF}<bob@example.org>: host mx.example.org said: 550 5.1.1 unknown${CRLF}`,
    ),
  ];
}
