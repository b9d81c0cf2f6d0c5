import { describe, expect, it } from 'vitest';
import { createIngress, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './index.js';
import {
  buildMultipart,
  generateSendGridKeyPair,
  nowTimestamp,
  postRequest,
  signSendGrid,
  rejection,
} from './test-support.js';

const key = generateSendGridKeyPair();
const ingress = createIngress({ security: { publicKeys: [key.publicKey] } });

/** A raw-mode post like SendGrid's: `email` first, then the fields SendGrid adds (which parsed mode could use). */
function rawPost() {
  const email =
    'From: Ann <ann@example.com>\r\nTo: inbox@example.com\r\nSubject: Original\r\nMessage-ID: <orig@example.com>\r\n\r\nHello\r\n';
  return buildMultipart([
    ['email', email],
    ['dkim', '{@example.com : pass}'],
    ['to', 'inbox@example.com'],
    ['from', 'Ann <ann@example.com>'],
    ['subject', 'Rebuilt from the other fields'],
    ['envelope', '{"to":["inbox@example.com"],"from":"ann@example.com"}'],
    ['SPF', 'pass'],
  ]);
}

function request(body: Buffer, contentType: string, timestamp: string, signature: string): Request {
  return postRequest(body, { contentType, headers: { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: timestamp } });
}

describe('re-framing a signed post (SendGrid signs timestamp || body with no separator)', () => {
  const { body, contentType } = rawPost();
  const timestamp = nowTimestamp();
  const signature = signSendGrid(key.privateKey, body, timestamp);

  it('accepts the genuine post in raw mode', async () => {
    const post = await ingress.receive(request(body, contentType, timestamp, signature));
    expect(post.email.subject).toBe('Original');
  });

  it("refuses the timestamp's last digit moved to the body's front (it would drop the email part) with 400", async () => {
    const shifted = Buffer.concat([Buffer.from(timestamp.slice(-1)), body]);
    const error = await rejection(ingress.receive(request(shifted, contentType, timestamp.slice(0, -1), signature)));
    expect(error.status).toBe(400);
    expect(error.code).toBe('signed_body_framing');
    // Several digits moved, and a blank or CRLF "preamble" in front, fare no better.
    for (const moved of [2, 5]) {
      const more = Buffer.concat([Buffer.from(timestamp.slice(-moved)), body]);
      expect(
        (await rejection(ingress.receive(request(more, contentType, timestamp.slice(0, -moved), signature)))).code,
      ).toBe('signed_body_framing');
    }
  });

  it("refuses the body's first bytes moved into the timestamp with 401: the timestamp is digits only", async () => {
    // (Moving a whole part is impossible: a header value cannot hold its CRLFs.)
    for (const moved of [1, 2, '--xYzZY'.length]) {
      const error = await rejection(
        ingress.receive(
          request(body.subarray(moved), contentType, timestamp + body.toString('latin1', 0, moved), signature),
        ),
      );
      expect(error.status).toBe(401);
      expect(error.code).toBe('timestamp_invalid');
    }
  });

  it('refuses another boundary in the (unsigned) Content-Type: the first line must be that delimiter exactly', async () => {
    for (const boundary of ['xYz', 'xYzZ', 'xYzZYx', 'zZY']) {
      const error = await rejection(
        ingress.receive(request(body, `multipart/form-data; boundary=${boundary}`, timestamp, signature)),
      );
      expect(error.status).toBe(400);
      expect(error.code).toBe('signed_body_framing');
    }
  });

  it('does not demand the delimiter first from posts that are not signed (basic auth, insecure)', async () => {
    const open = createIngress({ security: { insecure: true } });
    const withPreamble = Buffer.concat([Buffer.from('a preamble\r\n'), body]);
    const post = await open.receive(postRequest(withPreamble, { contentType }));
    expect(post.email.subject).toBe('Original');
  });
});
