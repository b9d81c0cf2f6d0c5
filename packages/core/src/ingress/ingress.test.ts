import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIngress, IngressConfigurationError, IngressError, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './index.js';
import { rejectionOf } from '../testing/rejection.js';
import {
  basicAuthorization,
  buildMultipart,
  c5ParsedFields,
  generateSendGridKeyPair,
  nowTimestamp,
  postRequest,
  signedHeaders,
} from './test-support.js';

const { body, contentType } = buildMultipart(c5ParsedFields());
const current = generateSendGridKeyPair();
const previous = generateSendGridKeyPair();
const stranger = generateSendGridKeyPair();

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, IngressError);

describe('createIngress configuration', () => {
  it('refuses to start without any mechanism unless insecure is explicit', () => {
    expect(() => createIngress({ security: {} })).toThrow(IngressConfigurationError);
    expect(() => createIngress({ security: {} })).toThrow(/no ingress security configured/);
    expect(createIngress({ security: { insecure: true } }).insecure).toBe(true);
    expect(createIngress({ security: { insecure: true, publicKeys: [current.publicKey] } }).insecure).toBe(false);
  });

  it('rejects invalid keys, empty lists and impossible combinations at construction', () => {
    expect(() => createIngress({ security: { publicKeys: ['MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE'] } })).toThrow(
      IngressConfigurationError,
    );
    expect(() => createIngress({ security: { publicKeys: [] } })).toThrow(/empty/);
    expect(() => createIngress({ security: { basic: [] } })).toThrow(IngressConfigurationError);
    expect(() =>
      createIngress({ security: { basic: [{ username: 'u', password: 'p' }], bearer: () => true } }),
    ).toThrow(/Authorization header/);
    expect(() =>
      createIngress({ security: { basic: [{ username: 'u', password: 'p' }], maxTimestampAgeSeconds: 300 } }),
    ).toThrow(/publicKeys/);
  });
});

describe('signature verification', () => {
  const ingress = createIngress({ security: { publicKeys: [current.publicKey] } });

  it('accepts a signed post and returns the exact bytes, content type and sha256', async () => {
    const post = await ingress.receive(
      postRequest(body, { contentType, headers: signedHeaders(current.privateKey, body) }),
    );
    expect(post.authenticatedBy).toEqual(['signature']);
    expect(post.body.equals(body)).toBe(true);
    expect(post.contentType).toBe(contentType);
    expect(post.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(post.email.subject).toBe('Fwd: testing webhook parse');
  });

  it('verifies while the body streams in tiny chunks', async () => {
    const post = await ingress.receive(
      postRequest(body, { contentType, chunkSize: 5, headers: signedHeaders(current.privateKey, body) }),
    );
    expect(post.authenticatedBy).toEqual(['signature']);
    expect(post.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('rejects a tampered body with 403', async () => {
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('webhook parse')] = 0x57; // 'w' → 'W'
    const error = await rejection(
      ingress.receive(postRequest(tampered, { contentType, headers: signedHeaders(current.privateKey, body) })),
    );
    expect([error.status, error.code]).toEqual([403, 'signature_invalid']);
  });

  it('with a declared Content-Length reads the body in one call and verifies it whole: good passes, tampered is 403', async () => {
    const declared = (bytes: Buffer) => ({
      ...signedHeaders(current.privateKey, body),
      'content-length': String(bytes.length),
    });
    const post = await ingress.receive(postRequest(body, { contentType, headers: declared(body) }));
    expect(post.authenticatedBy).toEqual(['signature']);
    expect(post.body.equals(body)).toBe(true);
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('webhook parse')] = 0x57;
    const error = await rejection(ingress.receive(postRequest(tampered, { contentType, headers: declared(tampered) })));
    expect([error.status, error.code]).toEqual([403, 'signature_invalid']);
    const other = await rejection(
      ingress.receive(
        postRequest(body, {
          contentType,
          headers: { ...signedHeaders(stranger.privateKey, body), 'content-length': String(body.length) },
        }),
      ),
    );
    expect(other.status).toBe(403);
  });

  it('rejects an unsigned post with 401 naming the missing headers', async () => {
    const error = await rejection(ingress.receive(postRequest(body, { contentType })));
    expect([error.status, error.code]).toEqual([401, 'signature_missing']);
    expect(error.message).toContain(SIGNATURE_HEADER);
    const onlySignature = signedHeaders(current.privateKey, body);
    delete onlySignature[TIMESTAMP_HEADER];
    const partial = await rejection(ingress.receive(postRequest(body, { contentType, headers: onlySignature })));
    expect(partial.message).toContain(TIMESTAMP_HEADER);
  });

  it('rejects a post signed by another key, or with a garbage signature, with 403', async () => {
    const wrong = await rejection(
      ingress.receive(postRequest(body, { contentType, headers: signedHeaders(stranger.privateKey, body) })),
    );
    expect(wrong.status).toBe(403);
    const garbage = await rejection(
      ingress.receive(
        postRequest(body, {
          contentType,
          headers: { [SIGNATURE_HEADER]: '%%%not-base64', [TIMESTAMP_HEADER]: nowTimestamp() },
        }),
      ),
    );
    expect(garbage.status).toBe(403);
  });

  it('rejects a valid signature when the timestamp header is changed', async () => {
    const headers = signedHeaders(current.privateKey, body, '1700000000');
    headers[TIMESTAMP_HEADER] = '1700000001';
    expect((await rejection(ingress.receive(postRequest(body, { contentType, headers })))).status).toBe(403);
  });

  it('accepts either key during rotation', async () => {
    const rotating = createIngress({ security: { publicKeys: [previous.publicKey, current.publicKey] } });
    for (const pair of [previous, current]) {
      const post = await rotating.receive(
        postRequest(body, { contentType, headers: signedHeaders(pair.privateKey, body) }),
      );
      expect(post.authenticatedBy).toEqual(['signature']);
    }
    expect(
      (
        await rejection(
          rotating.receive(postRequest(body, { contentType, headers: signedHeaders(stranger.privateKey, body) })),
        )
      ).status,
    ).toBe(403);
  });

  it('enforces the optional freshness window before reading the body', async () => {
    const fresh = createIngress({ security: { publicKeys: [current.publicKey], maxTimestampAgeSeconds: 300 } });
    await expect(
      fresh.receive(
        postRequest(body, { contentType, headers: signedHeaders(current.privateKey, body, nowTimestamp(-60)) }),
      ),
    ).resolves.toBeTruthy();
    const stale = await rejection(
      fresh.receive(
        postRequest(body, { contentType, headers: signedHeaders(current.privateKey, body, nowTimestamp(-3600)) }),
      ),
    );
    expect([stale.status, stale.code]).toEqual([401, 'timestamp_stale']);
    expect(stale.message).toMatch(/old/);
    const future = await rejection(
      fresh.receive(
        postRequest(body, { contentType, headers: signedHeaders(current.privateKey, body, nowTimestamp(3600)) }),
      ),
    );
    expect(future.message).toMatch(/future/);
    const notNumber = await rejection(
      fresh.receive(postRequest(body, { contentType, headers: signedHeaders(current.privateKey, body, 'yesterday') })),
    );
    expect(notNumber.code).toBe('timestamp_invalid');
  });

  it('without a window, an old but correctly signed timestamp is accepted (SendGrid specifies none)', async () => {
    await expect(
      ingress.receive(
        postRequest(body, { contentType, headers: signedHeaders(current.privateKey, body, '1600000000') }),
      ),
    ).resolves.toBeTruthy();
  });
});

describe('basic authentication', () => {
  const ingress = createIngress({
    security: {
      basic: [
        { username: 'sendgrid', password: 'old-secret' },
        { username: 'sendgrid', password: 'new-secret' },
      ],
    },
  });

  it('accepts any configured credential', async () => {
    for (const password of ['old-secret', 'new-secret']) {
      const post = await ingress.receive(
        postRequest(body, { contentType, headers: { authorization: basicAuthorization('sendgrid', password) } }),
      );
      expect(post.authenticatedBy).toEqual(['basic']);
    }
  });

  it('rejects wrong and missing credentials with 401 before the body is read', async () => {
    for (const authorization of [
      basicAuthorization('sendgrid', 'wrong'),
      basicAuthorization('other', 'new-secret'),
      basicAuthorization('sendgrid', 'new-secret-'),
    ]) {
      const request = postRequest(body, { contentType, headers: { authorization } });
      const error = await rejection(ingress.receive(request));
      expect([error.status, error.code]).toEqual([401, 'basic_auth_invalid']);
      expect(error.challenge).toMatch(/^Basic /);
      expect(request.bodyUsed).toBe(false);
    }
    const missing = await rejection(ingress.receive(postRequest(body, { contentType })));
    expect([missing.status, missing.code]).toEqual([401, 'basic_auth_required']);
    const garbled = await rejection(
      ingress.receive(postRequest(body, { contentType, headers: { authorization: 'Basic !!!' } })),
    );
    expect(garbled.status).toBe(401);
  });
});

describe('bearer (OAuth) authentication', () => {
  const seen: string[] = [];
  const ingress = createIngress({
    security: {
      bearer: async (token, request) => {
        seen.push(request.headers.get('content-type') ?? '');
        return token === 'good-token';
      },
    },
  });

  it('accepts a token the check approves, and passes it the request', async () => {
    const post = await ingress.receive(
      postRequest(body, { contentType, headers: { authorization: 'Bearer good-token' } }),
    );
    expect(post.authenticatedBy).toEqual(['bearer']);
    expect(seen.at(-1)).toBe(contentType);
  });

  it('answers 401 with invalid_token in the message (SendGrid refreshes its token on that)', async () => {
    for (const headers of [{ authorization: 'Bearer bad-token' }, {}, { authorization: 'Basic abc' }] as Array<
      Record<string, string>
    >) {
      const error = await rejection(ingress.receive(postRequest(body, { contentType, headers })));
      expect(error.status).toBe(401);
      expect(error.message).toContain('invalid_token');
    }
  });

  it('hybrid policy: signature and bearer must both pass', async () => {
    const hybrid = createIngress({
      security: { publicKeys: [current.publicKey], bearer: (token) => token === 'good-token' },
    });
    const headers = { ...signedHeaders(current.privateKey, body), authorization: 'Bearer good-token' };
    expect((await hybrid.receive(postRequest(body, { contentType, headers }))).authenticatedBy).toEqual([
      'signature',
      'bearer',
    ]);
    const noToken = await rejection(
      hybrid.receive(postRequest(body, { contentType, headers: signedHeaders(current.privateKey, body) })),
    );
    expect(noToken.status).toBe(401);
    const badSignature = await rejection(
      hybrid.receive(
        postRequest(body, {
          contentType,
          headers: { ...signedHeaders(stranger.privateKey, body), authorization: 'Bearer good-token' },
        }),
      ),
    );
    expect(badSignature.status).toBe(403);
  });
});

describe('insecure mode', () => {
  it('accepts unauthenticated posts and says so', async () => {
    const ingress = createIngress({ security: { insecure: true } });
    const post = await ingress.receive(postRequest(body, { contentType }));
    expect(post.authenticatedBy).toEqual(['insecure']);
  });

  it('hashes the body on first read of sha256 (also spread or serialized), the same digest every time', async () => {
    const ingress = createIngress({ security: { insecure: true } });
    const expected = createHash('sha256').update(body).digest('hex');
    const post = await ingress.receive(postRequest(body, { contentType, chunkSize: 1000 }));
    expect(post.sha256).toBe(expected);
    expect(post.sha256).toBe(expected);
    const other = await ingress.receive(postRequest(body, { contentType }));
    expect({ ...other }.sha256).toBe(expected);
    expect(JSON.parse(JSON.stringify({ sha256: other.sha256 })).sha256).toBe(expected);
    const changed = Buffer.from(body);
    changed[changed.indexOf('webhook parse')] = 0x57; // 'w' → 'W': a different body, a different digest
    expect((await ingress.receive(postRequest(changed, { contentType }))).sha256).toBe(
      createHash('sha256').update(changed).digest('hex'),
    );
    expect((await ingress.receive(postRequest(changed, { contentType }))).sha256).not.toBe(expected);
  });

  it('still enforces a mechanism that is configured alongside it', async () => {
    const ingress = createIngress({ security: { insecure: true, basic: [{ username: 'u', password: 'p' }] } });
    expect((await rejection(ingress.receive(postRequest(body, { contentType })))).status).toBe(401);
  });
});
