import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { PUBLISHED_TEST_PUBLIC_KEY } from '../ingress/index.js';

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

// Published on purpose: a server started in one process accepts posts signed in another (a test, `curl`, a peer
// bench). Its private half is public, so the ingress refuses this key when NODE_ENV=production.
const PUBLISHED_TEST_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIo+WxKsfWzUM/zu7
/Jf2QGltawwKkwOOhu/kOVZ0x92hRANCAAQayYL5z44RSBF6kXJPjCdBAsNbNxhl
FTVnC9EOspShZqoNyFgCFuBEdC70mO2UwlU3BBIKJXzYBtKO2hqolnkI
-----END PRIVATE KEY-----
`;

/**
 * A fixed, published test key pair: the same in every process and on every machine, for tests that just need
 * "a valid signature". Never configure its public key in production (the ingress refuses it there); for a
 * key of your own, `generateTestKeyPair()`.
 */
export const TEST_KEY_PAIR: TestKeyPair = {
  publicKey: PUBLISHED_TEST_PUBLIC_KEY,
  privateKey: createPrivateKey(PUBLISHED_TEST_PRIVATE_KEY),
};
