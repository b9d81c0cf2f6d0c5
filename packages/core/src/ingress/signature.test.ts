import { describe, expect, it } from 'vitest';
import {
  createSignatureCheck,
  IngressConfigurationError,
  parseSendGridPublicKey,
  verifySendGridSignature,
} from './index.js';
import { generateSendGridKeyPair, signSendGrid } from './test-support.js';
import { SINGLE_EVENT, TWO_EVENTS } from '../events/vectors.test-data.js';

// Official vectors from sendgrid-nodejs packages/eventwebhook/src/eventwebhook.spec.js (kept with the Event Webhook's tests).
const SINGLE = SINGLE_EVENT;
const TWO = TWO_EVENTS;

const bytes = (text: string) => Buffer.from(text, 'utf8');
const verifyVector = (vector: typeof SINGLE, body: string) =>
  verifySendGridSignature({
    publicKeys: [vector.publicKey],
    signature: vector.signature,
    timestamp: vector.timestamp,
    body: bytes(body),
  });

describe('verifySendGridSignature with the official SendGrid vectors', () => {
  it('verifies the single-event vector, trailing CRLF included', () => {
    expect(verifyVector(SINGLE, SINGLE.body)).toBe(true);
  });

  it('verifies the two-event vector', () => {
    expect(verifyVector(TWO, TWO.body)).toBe(true);
  });

  it('fails the single-event vector without its trailing CRLF', () => {
    expect(verifyVector(SINGLE, SINGLE.body.replace(/\r\n$/, ''))).toBe(false);
  });

  it('fails the two-event vector once re-serialised compactly', () => {
    const reserialised = JSON.stringify(JSON.parse(TWO.body));
    expect(verifyVector(TWO, reserialised)).toBe(false);
  });

  it('fails with the other vector’s timestamp or key', () => {
    expect(
      verifySendGridSignature({
        publicKeys: [SINGLE.publicKey],
        signature: SINGLE.signature,
        timestamp: '1600112503',
        body: bytes(SINGLE.body),
      }),
    ).toBe(false);
    expect(
      verifySendGridSignature({
        publicKeys: [TWO.publicKey],
        signature: SINGLE.signature,
        timestamp: SINGLE.timestamp,
        body: bytes(SINGLE.body),
      }),
    ).toBe(false);
  });

  it('accepts the body as chunks in order, split anywhere', () => {
    const body = bytes(TWO.body);
    const chunks = [body.subarray(0, 1), body.subarray(1, 300), body.subarray(300, 301), body.subarray(301)];
    expect(
      verifySendGridSignature({
        publicKeys: [TWO.publicKey],
        signature: TWO.signature,
        timestamp: TWO.timestamp,
        body: chunks,
      }),
    ).toBe(true);
  });

  it('matches when any of several keys is right (rotation)', () => {
    expect(
      verifySendGridSignature({
        publicKeys: [TWO.publicKey, SINGLE.publicKey],
        signature: SINGLE.signature,
        timestamp: SINGLE.timestamp,
        body: bytes(SINGLE.body),
      }),
    ).toBe(true);
  });
});

describe('verifySendGridSignature with generated P-256 keys', () => {
  const pair = generateSendGridKeyPair();
  const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x0d, 0x0a, 0x00]); // not UTF-8: must be signed as bytes

  it('verifies a signature over non-UTF-8 bytes', () => {
    const signature = signSendGrid(pair.privateKey, body, '1700000000');
    expect(verifySendGridSignature({ publicKeys: [pair.publicKey], signature, timestamp: '1700000000', body })).toBe(
      true,
    );
  });

  it('fails when one byte changes', () => {
    const signature = signSendGrid(pair.privateKey, body, '1700000000');
    const tampered = Buffer.from(body);
    tampered[4] = 0xfd;
    expect(
      verifySendGridSignature({ publicKeys: [pair.publicKey], signature, timestamp: '1700000000', body: tampered }),
    ).toBe(false);
  });

  it('returns false, never throws, for garbage signatures', () => {
    for (const signature of [
      '',
      'not base64 at all!',
      'AAAA',
      'MEUCIQ==',
      Buffer.alloc(71, 7).toString('base64'),
      '////',
    ]) {
      expect(verifySendGridSignature({ publicKeys: [pair.publicKey], signature, timestamp: '1700000000', body })).toBe(
        false,
      );
    }
  });

  it('streams: createSignatureCheck fed chunk by chunk agrees with the one-shot check', () => {
    const signature = signSendGrid(pair.privateKey, body, '42');
    const check = createSignatureCheck([pair.publicKey], signature, '42');
    for (const byte of body) check.update(Uint8Array.of(byte));
    expect(check.verify()).toBe(true);
  });
});

describe('createSignatureCheck().verifyBody (the whole body, off the event loop)', () => {
  const pair = generateSendGridKeyPair();
  const other = generateSendGridKeyPair();
  const body = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x0d, 0x0a, 0x00]);

  it('agrees with the official vectors: exact bytes pass, the re-serialised body fails', async () => {
    expect(
      await createSignatureCheck([SINGLE.publicKey], SINGLE.signature, SINGLE.timestamp).verifyBody(bytes(SINGLE.body)),
    ).toBe(true);
    expect(
      await createSignatureCheck([SINGLE.publicKey], SINGLE.signature, SINGLE.timestamp).verifyBody(
        bytes(SINGLE.body.trimEnd()),
      ),
    ).toBe(false);
    expect(
      await createSignatureCheck([TWO.publicKey], SINGLE.signature, SINGLE.timestamp).verifyBody(bytes(SINGLE.body)),
    ).toBe(false);
  });

  it('matches under any configured key, fails for a changed byte or timestamp, and never throws on garbage', async () => {
    const signature = signSendGrid(pair.privateKey, body, '1700000000');
    expect(
      await createSignatureCheck([other.publicKey, pair.publicKey], signature, '1700000000').verifyBody(body),
    ).toBe(true);
    const tampered = Buffer.from(body);
    tampered[4] = 0xfd;
    expect(await createSignatureCheck([pair.publicKey], signature, '1700000000').verifyBody(tampered)).toBe(false);
    expect(await createSignatureCheck([pair.publicKey], signature, '1700000001').verifyBody(body)).toBe(false);
    for (const garbage of ['', 'AAAA', 'MEUCIQ==', Buffer.alloc(71, 7).toString('base64')]) {
      expect(await createSignatureCheck([pair.publicKey], garbage, '1700000000').verifyBody(body)).toBe(false);
    }
  });

  it('is single-use, like verify()', async () => {
    const check = createSignatureCheck([pair.publicKey], signSendGrid(pair.privateKey, body, '7'), '7');
    expect(await check.verifyBody(body)).toBe(true);
    await expect(check.verifyBody(body)).rejects.toThrow('already verified');
  });
});

describe('public keys', () => {
  it('rejects keys that are not base64 DER SPKI P-256 with a configuration error', () => {
    expect(() => parseSendGridPublicKey('not a key')).toThrow(IngressConfigurationError);
    const { publicKey } = generateSendGridKeyPair();
    expect(() => parseSendGridPublicKey(publicKey.slice(0, 40))).toThrow(IngressConfigurationError);
    expect(() =>
      verifySendGridSignature({
        publicKeys: ['bogus'],
        signature: SINGLE.signature,
        timestamp: '1',
        body: Buffer.alloc(0),
      }),
    ).toThrow(IngressConfigurationError);
  });

  it('names a missing key (the README pattern `[process.env.SENDGRID_PARSE_PUBLIC_KEY!]` with the variable unset)', () => {
    expect(() => parseSendGridPublicKey(undefined)).toThrow(/public key is undefined: set SENDGRID_PARSE_PUBLIC_KEY/);
    expect(() => parseSendGridPublicKey('  ')).toThrow(IngressConfigurationError);
  });

  it('rejects an RSA key and accepts PEM armour around a P-256 key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64');
    expect(() => parseSendGridPublicKey(rsa)).toThrow(/not an ECDSA P-256 key/);
    const pem = `-----BEGIN PUBLIC KEY-----\n${SINGLE.publicKey}\n-----END PUBLIC KEY-----\n`;
    expect(
      verifySendGridSignature({
        publicKeys: [pem],
        signature: SINGLE.signature,
        timestamp: SINGLE.timestamp,
        body: bytes(SINGLE.body),
      }),
    ).toBe(true);
  });
});
