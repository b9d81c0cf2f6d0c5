import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/** An ECDSA P-256 key pair shaped like SendGrid's: the public key as base64 DER SPKI. */
export interface TestKeyPair {
  /** Base64 DER SubjectPublicKeyInfo (`MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…`), as the SendGrid API returns it. */
  publicKey: string;
  privateKey: KeyObject;
}

export function generateTestKeyPair(): TestKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), privateKey };
}

/** SendGrid's signature: base64 DER ECDSA/SHA-256 over the timestamp's bytes followed by the body. */
export function signBody(privateKey: KeyObject, timestamp: string, body: Uint8Array): string {
  return sign('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), privateKey).toString('base64');
}

/** A key pair generated once per process, for tests that just need "a valid signature". */
export const TEST_KEY_PAIR: TestKeyPair = generateTestKeyPair();
