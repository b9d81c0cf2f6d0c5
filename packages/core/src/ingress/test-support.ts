/**
 * Test helpers for the ingress tests only (the shared kit lives in src/testing): a
 * byte-exact multipart/form-data builder, P-256 key pairs in SendGrid's format, signing,
 * and Request construction (optionally streamed in tiny chunks).
 */
import type { KeyObject } from 'node:crypto';
import { signBody } from '../testing/keys.js';
import { expect } from 'vitest';
import { IngressError } from './errors.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './verify/index.js';

export type FormValue = string | Uint8Array | { data: string | Uint8Array; filename?: string; contentType?: string };

const toBytes = (value: string | Uint8Array): Buffer =>
  typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);

/** Builds a multipart/form-data body the way SendGrid does (CRLF, no part Content-Type for fields). */
export function buildMultipart(
  fields: Array<[string, FormValue]>,
  boundary = 'xYzZY',
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const [name, value] of fields) {
    const file = typeof value === 'object' && !(value instanceof Uint8Array) ? value : null;
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    if (file?.filename !== undefined) head += `; filename="${file.filename}"`;
    head += '\r\n';
    if (file?.contentType) head += `Content-Type: ${file.contentType}\r\n`;
    chunks.push(
      Buffer.from(`${head}\r\n`, 'utf8'),
      toBytes(file ? file.data : (value as string | Uint8Array)),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

// P-256 key pairs in SendGrid's format: the testing kit's.
export { generateTestKeyPair as generateSendGridKeyPair, type TestKeyPair } from '../testing/keys.js';

/** SendGrid's scheme: ECDSA P-256 SHA-256 over timestamp + body, DER signature, base64 (the kit's, body first). */
export function signSendGrid(privateKey: KeyObject, body: Uint8Array, timestamp: string): string {
  return signBody(privateKey, timestamp, body);
}

export function nowTimestamp(offsetSeconds = 0): string {
  return String(Math.floor(Date.now() / 1000) + offsetSeconds);
}

export function signedHeaders(
  privateKey: KeyObject,
  body: Uint8Array,
  timestamp = nowTimestamp(),
): Record<string, string> {
  return { [SIGNATURE_HEADER]: signSendGrid(privateKey, body, timestamp), [TIMESTAMP_HEADER]: timestamp };
}

/** A POST Request; `chunkSize` streams the body in chunks of that many bytes (no Content-Length). */
export function postRequest(
  body: Uint8Array,
  options: { contentType?: string; headers?: Record<string, string>; chunkSize?: number } = {},
): Request {
  const headers = new Headers(options.headers);
  if (options.contentType !== undefined) headers.set('content-type', options.contentType);
  if (!options.chunkSize)
    return new Request('http://mailroom.test/inbound', { method: 'POST', headers, body: Buffer.from(body) });
  const size = options.chunkSize;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= body.length) return controller.close();
      controller.enqueue(body.slice(offset, offset + size));
      offset += size;
    },
  });
  return new Request('http://mailroom.test/inbound', {
    method: 'POST',
    headers,
    body: stream,
    duplex: 'half',
  } as RequestInit);
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The C5 capture's shape (parsed mode, no attachments, spam check on), as field pairs. */
export function c5ParsedFields(): Array<[string, FormValue]> {
  return [
    [
      'headers',
      'Received: by mx0032p1las1.sendgrid.net with SMTP id NRnKey2i6C Tue, 09 Oct 2018 03:16:04 +0000 (UTC)\n' +
        'MIME-Version: 1.0\n' +
        'From: Ashley Roach <aroach@gmail.com>\n' +
        'Date: Mon, 8 Oct 2018 20:15:51 -0700\n' +
        'Message-ID: <CAJ3pB3w0r5@mail.gmail.com>\n' +
        'Subject: Fwd: testing webhook parse\n' +
        'To: test@parse.ashleyroach.com\n' +
        'Content-Type: multipart/alternative; boundary="0000000000005aac2a0577c32893"\n',
    ],
    ['dkim', '{@gmail.com : pass}'],
    ['to', 'test@parse.ashleyroach.com'],
    ['html', '<div dir="ltr">this is the body for webhook parse</div>\r\n'],
    ['from', 'Ashley Roach <aroach@gmail.com>'],
    ['text', 'this is the body for webhook parse\r\nsecond line\r\n'],
    ['sender_ip', '209.85.161.46'],
    [
      'spam_report',
      'Spam detection software, running on the system "mx0032p1las1.sendgrid.net", has\r\nidentified this incoming email as possible spam.',
    ],
    ['envelope', '{"to":["test@parse.ashleyroach.com"],"from":"aroach@gmail.com"}'],
    ['attachments', '0'],
    ['subject', 'Fwd: testing webhook parse'],
    ['spam_score', '0.022'],
    ['charsets', '{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}'],
    ['SPF', 'pass'],
  ];
}

/** The IngressError `promise` rejects with (the test fails when it resolves or rejects with anything else). */
export async function rejection(promise: Promise<unknown>): Promise<IngressError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IngressError);
  return error as IngressError;
}
