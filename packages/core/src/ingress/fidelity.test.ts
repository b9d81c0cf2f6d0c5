import { describe, expect, it } from 'vitest';
import { buildInboundPost } from '../testing/index.js';
import { parseInboundBody } from './index.js';
import { buildMultipart } from './test-support.js';

// Addresses, bodies and charsets as mailparser reads them, through both modes' public entry.
const latin1 = (text: string) => Buffer.from(text, 'latin1');
const envelope = JSON.stringify({ to: ['inbox@mailroom.example'], from: 'ann@example.org' });

async function raw(email: string | Buffer) {
  const { body, contentType } = buildMultipart([
    ['email', typeof email === 'string' ? latin1(email) : email],
    ['envelope', envelope],
  ]);
  return parseInboundBody(body, contentType);
}

async function parsed(headers: string, fields: Record<string, string>) {
  const { body, contentType } = buildMultipart([
    ['headers', headers],
    ...Object.entries(fields),
    ['envelope', envelope],
  ]);
  return parseInboundBody(body, contentType);
}

const HOSTILE = {
  from: 'pete(his account)@silly.test(his host)',
  to: 'Mary Smith <@machine.tld:mary@example.net>, test @api.example.com',
  cc: '<@a.example,@b.example:cy@example.org>, Pete(A nice \\) chap) <pete(his account)@silly.test(his\r\n host)>',
};
const BARE = {
  from: 'pete@silly.test',
  to: ['mary@example.net', 'test@api.example.com'],
  cc: ['cy@example.org', 'pete@silly.test'],
};

describe('address fidelity: comments, obsolete source routes and stray spaces never stay in an address', () => {
  it('raw mode', async () => {
    const email = await raw(
      `From: ${HOSTILE.from}\r\nTo: ${HOSTILE.to}\r\nCc: ${HOSTILE.cc}\r\nSubject: hi\r\n\r\nbody\r\n`,
    );
    expect(email.from?.address).toBe(BARE.from);
    expect(email.to.map((a) => a.address)).toEqual(BARE.to);
    expect(email.cc.map((a) => a.address)).toEqual(BARE.cc);
    expect(email.to[0]?.name).toBe('Mary Smith');
  });

  it("parsed mode, from the headers field and from SendGrid's decoded fields alone", async () => {
    const fromHeaders = await parsed(
      `From: ${HOSTILE.from}\r\nTo: ${HOSTILE.to}\r\nCc: ${HOSTILE.cc}\r\nSubject: hi\r\n`,
      { text: 'body' },
    );
    const fromFields = await parsed('Subject: hi\r\n', {
      from: HOSTILE.from,
      to: HOSTILE.to,
      cc: HOSTILE.cc.replace('\r\n', ''),
      text: 'body',
    });
    for (const email of [fromHeaders, fromFields]) {
      expect(email.from?.address).toBe(BARE.from);
      expect(email.to.map((a) => a.address)).toEqual(BARE.to);
      expect(email.cc.map((a) => a.address)).toEqual(BARE.cc);
    }
  });

  it("the testing kit's posts, both modes", async () => {
    for (const mode of ['parsed', 'raw'] as const) {
      const post = buildInboundPost({
        mode,
        from: HOSTILE.from,
        to: 'test @api.example.com',
        cc: '<@a.example:cy@example.org>',
      });
      const email = await parseInboundBody(post.body, post.contentType);
      expect([email.from?.address, email.to[0]?.address, email.cc[0]?.address]).toEqual([
        'pete@silly.test',
        'test@api.example.com',
        'cy@example.org',
      ]);
    }
  });
});

describe('body fidelity in raw mode', () => {
  it('an HTML-only message has text null, as in parsed mode', async () => {
    const html = await raw(
      'From: a@example.org\r\nSubject: hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi</p>\r\n',
    );
    expect(html.text).toBeNull();
    expect(html.html).toBe('<p>Hi</p>\n');
    const inMixed = await raw(
      'From: a@example.org\r\nSubject: hi\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/html\r\n\r\n<p>Hi</p>\r\n--zz\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF\r\n--zz--\r\n',
    );
    expect(inMixed.text).toBeNull();
    const post = buildInboundPost({ mode: 'parsed', html: '<p>Hi</p>' });
    expect((await parseInboundBody(post.body, post.contentType)).text).toBeNull();
  });

  it('a text/plain part still gives its text, an empty one nothing', async () => {
    expect((await raw('From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n')).text).toBe('Hello\n');
    expect((await raw('From: a@example.org\r\nSubject: hi\r\n\r\n')).text).toBeNull();
  });

  it("undeclared 8-bit text gets the headers' fallback: UTF-8 when it is, else windows-1252 (no U+FFFD)", async () => {
    const single = await raw('From: a@example.org\r\nSubject: caf\xe9\r\n\r\ncaf\xe9 na\xefve \x93quoted\x94\r\n');
    expect(single.subject).toBe('café');
    expect(single.text).toBe('café naïve “quoted”\n');
    expect(
      (await raw(Buffer.concat([latin1('From: a@example.org\r\nSubject: hi\r\n\r\n'), Buffer.from('café ✓\r\n')])))
        .text,
    ).toBe('café ✓\n');
    const alternative = await raw(
      'From: a@example.org\r\nSubject: hi\r\nContent-Type: multipart/alternative; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncaf\xe9\r\n--zz\r\nContent-Type: text/html\r\n\r\n<p>caf\xe9</p>\r\n--zz--\r\n',
    );
    expect([alternative.text, alternative.html]).toEqual(['café', '<p>café</p>']);
    const base64 = await raw(
      `From: a@example.org\r\nSubject: hi\r\nContent-Transfer-Encoding: base64\r\n\r\n${latin1('\xe9t\xe9\r\n').toString('base64')}\r\n`,
    );
    expect(base64.text).toBe('été\n');
  });

  it('a declared charset is honoured as declared, invalid bytes and all', async () => {
    const email = await raw(
      'From: a@example.org\r\nSubject: hi\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9\r\n',
    );
    expect(email.text).toBe('caf\uFFFD\n');
  });
});
