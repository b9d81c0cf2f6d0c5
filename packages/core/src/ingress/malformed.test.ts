import { describe, expect, it } from 'vitest';
import { createIngress, parseInboundBody } from './index.js';
import { buildMultipart, c5ParsedFields, postRequest, rejection } from './test-support.js';

const ingress = createIngress({ security: { insecure: true } });
const { body, contentType } = buildMultipart(c5ParsedFields());

const reasonOf = async (promise: Promise<unknown>) => {
  const error = await rejection(promise);
  return [error.status, error.code];
};

describe('malformed requests', () => {
  it('not multipart → 415 with the reason', async () => {
    const json = await rejection(
      ingress.receive(postRequest(Buffer.from('{"a":1}'), { contentType: 'application/json' })),
    );
    expect([json.status, json.code]).toEqual([415, 'unsupported_media_type']);
    expect(json.message).toContain('multipart/form-data');
    expect(await reasonOf(ingress.receive(postRequest(body, {})))).toEqual([415, 'unsupported_media_type']);
    expect(
      await reasonOf(ingress.receive(postRequest(body, { contentType: 'application/x-www-form-urlencoded' }))),
    ).toEqual([415, 'unsupported_media_type']);
  });

  it('multipart without a boundary → 400', async () => {
    expect(await reasonOf(ingress.receive(postRequest(body, { contentType: 'multipart/form-data' })))).toEqual([
      400,
      'missing_boundary',
    ]);
  });

  it('a boundary that never appears in the body → 400', async () => {
    expect(
      await reasonOf(ingress.receive(postRequest(body, { contentType: 'multipart/form-data; boundary=other' }))),
    ).toEqual([400, 'malformed_multipart']);
  });

  it('truncated body / missing final boundary → 400 "truncated multipart body"', async () => {
    for (const cut of [body.length - 9, body.length - 200, Math.floor(body.length / 2), 30]) {
      const error = await rejection(ingress.receive(postRequest(body.subarray(0, cut), { contentType })));
      expect([error.status, error.code]).toEqual([400, 'truncated_body']);
      expect(error.message).toContain('truncated multipart body');
    }
  });

  it('empty body → 400', async () => {
    expect(await reasonOf(ingress.receive(postRequest(Buffer.alloc(0), { contentType })))).toEqual([400, 'empty_body']);
  });

  it('over maxBodyBytes → 413, counted while streaming and early from Content-Length', async () => {
    const small = createIngress({ security: { insecure: true }, limits: { maxBodyBytes: 1000 } });
    expect(body.length).toBeGreaterThan(1000);
    const streamed = await rejection(small.receive(postRequest(body, { contentType, chunkSize: 100 })));
    expect([streamed.status, streamed.code]).toEqual([413, 'body_too_large']);
    expect(streamed.message).toContain('maxBodyBytes');
    const declared = postRequest(body, { contentType, headers: { 'content-length': String(body.length) } });
    expect(await reasonOf(small.receive(declared))).toEqual([413, 'body_too_large']);
    expect(declared.bodyUsed).toBe(false);
    // A lying Content-Length does not get past the byte count.
    const lying = postRequest(body, { contentType, chunkSize: 64, headers: { 'content-length': '10' } });
    expect(await reasonOf(small.receive(lying))).toEqual([413, 'body_too_large']);
    expect(await reasonOf(parseInboundBody(body, contentType, { limits: { maxBodyBytes: 1000 } }))).toEqual([
      413,
      'body_too_large',
    ]);
  });

  it('too many attachments → 413 naming the limit; too many fields → 413', async () => {
    const fields = c5ParsedFields();
    for (let i = 1; i <= 4; i++) fields.push([`attachment${i}`, { data: `f${i}`, filename: `f${i}.txt` }]);
    const post = buildMultipart(fields);
    const error = await rejection(parseInboundBody(post.body, post.contentType, { limits: { maxAttachments: 3 } }));
    expect([error.status, error.code]).toEqual([413, 'too_many_attachments']);
    expect(error.message).toContain('maxAttachments');
    expect(await reasonOf(parseInboundBody(post.body, post.contentType, { limits: { maxFields: 5 } }))).toEqual([
      413,
      'too_many_fields',
    ]);
  });

  it('bad envelope JSON → 400 naming the envelope', async () => {
    for (const envelope of ['{"to":["a@example.com"]', '[]', '"a@example.com"', '{"to":42}']) {
      const fields = c5ParsedFields().map(
        ([name, value]) => [name, name === 'envelope' ? envelope : value] as [string, typeof value],
      );
      const post = buildMultipart(fields);
      const error = await rejection(parseInboundBody(post.body, post.contentType));
      expect([error.status, error.code]).toEqual([400, 'malformed_envelope']);
      expect(error.message).toContain('envelope');
    }
  });

  it('neither raw nor parsed fields → 400 with the reason', async () => {
    const post = buildMultipart([
      ['envelope', '{"to":["a@example.com"]}'],
      ['dkim', 'none'],
    ]);
    const error = await rejection(parseInboundBody(post.body, post.contentType));
    expect([error.status, error.code]).toEqual([400, 'unknown_mode']);
    expect(error.message).toMatch(/"email".*"headers"/);
  });

  it('a part header that never ends → 400, not a hang', async () => {
    const broken = Buffer.from(`--xYzZY\r\nContent-Disposition: form-data; name="headers"\r\n${'X'.repeat(40_000)}`);
    expect((await rejection(parseInboundBody(broken, contentType))).status).toBe(400);
  });

  it('compressed bodies are refused with 415 (the signature covers the bytes as sent)', async () => {
    const request = postRequest(body, { contentType, headers: { 'content-encoding': 'gzip' } });
    expect(await reasonOf(ingress.receive(request))).toEqual([415, 'unsupported_content_encoding']);
  });
});

describe('parseInboundBody inputs', () => {
  it('accepts an async iterable of chunks and a Uint8Array view', async () => {
    async function* chunks() {
      for (let i = 0; i < body.length; i += 11) yield body.subarray(i, i + 11);
    }
    expect((await parseInboundBody(chunks(), contentType)).subject).toBe('Fwd: testing webhook parse');
    const padded = new Uint8Array(body.length + 20);
    padded.set(body, 10);
    expect((await parseInboundBody(padded.subarray(10, 10 + body.length), contentType)).subject).toBe(
      'Fwd: testing webhook parse',
    );
  });

  it('tolerates a preamble, LF-free epilogue, quoted boundary and parts without a name', async () => {
    const quoted = Buffer.concat([
      Buffer.from('preamble text\r\n--a b\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n'),
      Buffer.from('--a b\r\nContent-Disposition: form-data; name="from"\r\n\r\nx@example.com\r\n--a b--epilogue'),
    ]);
    const email = await parseInboundBody(quoted, 'multipart/form-data; boundary="a b"');
    expect(email.from).toEqual({ address: 'x@example.com', name: '' });
  });
});
