import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIngress, parseInboundBody } from './index.js';
import { buildMultipart, postRequest, rejection } from './test-support.js';

const CRLF = '\r\n';

/** A raw post of `lines` short quoted lines: ~`size` bytes, well above the 256 KiB off-thread threshold. */
function bigRawPost(size: number, extraHeaders = '') {
  const line = `> quoted text of an earlier message${CRLF}`;
  const mime = `From: Ann <ann@example.org>${CRLF}To: support@example.com${CRLF}Subject: long${CRLF}${extraHeaders}Content-Type: text/plain; charset=utf-8${CRLF}${CRLF}Hello${CRLF}${line.repeat(Math.ceil(size / line.length))}`;
  return buildMultipart([
    ['email', Buffer.from(mime)],
    ['envelope', '{"to":["support@example.com"],"from":"ann@example.org"}'],
  ]);
}

describe('parsing large posts on a parse thread', () => {
  it('gives the same email as a parse on the event loop', async () => {
    const { body, contentType } = bigRawPost(1024 * 1024, `Cc: Bob <bob@example.org>, carol@example.org${CRLF}`);
    const offThread = await parseInboundBody(body, contentType);
    const inline = await parseInboundBody(body, contentType, { limits: { parseOffThreadAboveBytes: 0 } });
    expect(offThread.toJSON()).toEqual(inline.toJSON());
    expect(offThread.text).toHaveLength(inline.text!.length);
    expect(offThread.cc.map((a) => a.address)).toEqual(['bob@example.org', 'carol@example.org']);
  });

  it('hands parsed-mode attachments back as places in the posted bytes: same content, no second copy', async () => {
    const file = randomBytes(1024 * 1024);
    const { body, contentType } = buildMultipart([
      ['headers', 'From: Ann <ann@example.org>\r\nSubject: file\r\n'],
      ['from', 'Ann <ann@example.org>'],
      ['text', 'see attached'],
      ['envelope', '{"to":["support@example.com"],"from":"ann@example.org"}'],
      ['attachments', '1'],
      ['attachment-info', '{"attachment1":{"filename":"f.bin","type":"application/octet-stream"}}'],
      ['attachment1', { data: file, filename: 'f.bin', contentType: 'application/octet-stream' }],
    ]);
    const before = process.memoryUsage().arrayBuffers;
    const email = await parseInboundBody(body, contentType);
    const held = process.memoryUsage().arrayBuffers - before;
    expect(held).toBeLessThan(body.length + 512 * 1024); // the thread's moved copy of the body, and not the file again
    const content = await email.attachments[0]!.content();
    expect(content.equals(file)).toBe(true);
    expect(content.buffer).toBe(body.buffer); // a view into the caller's body
  });

  it('rebuilds the thread’s rejections as the same IngressError (status, code, reason)', async () => {
    const { body, contentType } = bigRawPost(512 * 1024);
    const limits = { maxAttachments: 0 };
    const tooDeep = `Content-Type: multipart/mixed; boundary="b"${CRLF}${CRLF}--b${CRLF}`;
    const nested = buildMultipart([
      ['email', Buffer.from(`From: a@example.com${CRLF}${tooDeep.repeat(60)}${'x'.repeat(300_000)}`)],
    ]);
    const offThread = await rejection(parseInboundBody(nested.body, nested.contentType, { limits }));
    const inline = await rejection(
      parseInboundBody(nested.body, nested.contentType, { limits: { ...limits, parseOffThreadAboveBytes: 0 } }),
    );
    expect([offThread.status, offThread.code, offThread.message]).toEqual([inline.status, inline.code, inline.message]);
    expect(offThread.code).toBe('mime_too_deep');
    // And the pool goes on serving.
    expect((await parseInboundBody(body, contentType)).subject).toBe('long');
  });

  it('reads a streamed body in shared memory where it is: attachment, text and body digest as parsed inline', async () => {
    const file = randomBytes(2 * 1024 * 1024);
    const mime = [
      'From: ann@example.org',
      'To: support@example.com',
      'Subject: file',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b',
      'Content-Type: application/octet-stream; name="f.bin"',
      'Content-Disposition: attachment; filename="f.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      ...file.toString('base64').match(/.{1,76}/g)!,
      '--b--',
      '',
    ].join(CRLF);
    const { body, contentType } = buildMultipart([
      ['email', Buffer.from(mime)],
      ['envelope', '{"to":["support@example.com"],"from":"ann@example.org"}'],
    ]);
    const ingress = createIngress({ security: { insecure: true } });
    const post = await ingress.receive(
      postRequest(body, { contentType, chunkSize: 64 * 1024, headers: { 'content-length': String(body.length) } }),
    );
    expect(post.body.buffer).toBeInstanceOf(SharedArrayBuffer); // streamed past 1 MiB into one shared buffer
    expect(post.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(post.email.text).toBe('see attached');
    const [attachment] = post.email.attachments;
    expect(attachment!.filename).toBe('f.bin');
    expect((await attachment!.content()).equals(file)).toBe(true);
    expect(attachment!.sha256).toBe(createHash('sha256').update(file).digest('hex'));
  });

  it('stops a parse that passes limits.parseTimeoutMs: 422 parse_timeout, and the next post is parsed', async () => {
    const ingress = createIngress({ security: { insecure: true }, limits: { parseTimeoutMs: 1 } });
    const { body, contentType } = bigRawPost(8 * 1024 * 1024);
    const error = await rejection(ingress.receive(postRequest(body, { contentType })));
    expect([error.status, error.code]).toEqual([422, 'parse_timeout']);
    expect(error.message).toContain('parseTimeoutMs');
    const roomy = createIngress({ security: { insecure: true } });
    expect((await roomy.receive(postRequest(body, { contentType }))).email.text).toContain('quoted text');
  });

  it('refuses a negative or non-numeric budget as a configuration error', () => {
    expect(() => createIngress({ security: { insecure: true }, limits: { parseTimeoutMs: -1 } })).toThrow(RangeError);
    expect(() =>
      createIngress({ security: { insecure: true }, limits: { parseOffThreadAboveBytes: Number.NaN } }),
    ).toThrow(RangeError);
  });
});
