/**
 * Development credentials, generated at first start and kept in the data dir (`dev-keys.json`, mode 0600):
 * the key pairs the console signs its Parse and Event Webhook posts with, and the apps' signing secret
 * when MAILROOM_SECRET is unset. Keeping them makes sessions, reply addresses and signatures survive restarts.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SigningKeyPair {
  /** Base64 DER SPKI, SendGrid's format. */
  publicKey: string;
  privateKey: KeyObject;
}

export interface DevKeys {
  parse: SigningKeyPair;
  events: SigningKeyPair;
  secret: string;
  /** Path of the file they live in. */
  file: string;
  /** True when this start created them. */
  created: boolean;
}

interface StoredPair {
  publicKey: string;
  privateKeyPem: string;
}

interface StoredKeys {
  version: 1;
  parse: StoredPair;
  events: StoredPair;
  secret: string;
}

function generatePair(): StoredPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function isStoredKeys(value: unknown): value is StoredKeys {
  const v = value as StoredKeys | null;
  const pair = (p: StoredPair | undefined) => typeof p?.publicKey === 'string' && typeof p.privateKeyPem === 'string';
  return (
    !!v && v.version === 1 && pair(v.parse) && pair(v.events) && typeof v.secret === 'string' && v.secret.length >= 32
  );
}

export async function loadDevKeys(dataDir: string): Promise<DevKeys> {
  const file = join(dataDir, 'dev-keys.json');
  let stored: StoredKeys | null = null;
  let created = false;
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (!isStoredKeys(parsed))
      throw new Error(`${file} is not a Mailroom dev-keys file; move it away to generate new keys`);
    stored = parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!stored) {
    stored = {
      version: 1,
      parse: generatePair(),
      events: generatePair(),
      secret: randomBytes(32).toString('base64url'),
    };
    await mkdir(dataDir, { recursive: true });
    // Write then rename, so a crash never leaves half a file behind.
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, file);
    created = true;
  }
  const pair = (p: StoredPair): SigningKeyPair => ({
    publicKey: p.publicKey,
    privateKey: createPrivateKey(p.privateKeyPem),
  });
  return { parse: pair(stored.parse), events: pair(stored.events), secret: stored.secret, file, created };
}
