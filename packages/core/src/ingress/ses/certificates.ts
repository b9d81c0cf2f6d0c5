import { X509Certificate, type KeyObject } from 'node:crypto';
import { IngressError } from '../errors.js';

/** Fetches a signing certificate's PEM text (the URL is already known to be on an SNS host). */
export type FetchCertificate = (url: string) => Promise<string>;

/** How long one certificate fetch may take, including the body. */
export const CERT_FETCH_TIMEOUT_MS = 5_000;
/** An SNS signing certificate is ~1.7 KB of PEM; anything past this is not one. */
export const MAX_CERT_BYTES = 64 * 1024;
/** Certificates kept (SNS uses one per region at a time, a few while rotating). */
export const MAX_CACHED_CERTIFICATES = 100;
/** How long a fetched certificate is trusted before it is fetched again (never past its notAfter). */
export const CERT_CACHE_TTL_MS = 24 * 60 * 60 * 1000;
/** Fetches under way at once; more URLs than this at once (a flood of forged posts) are answered 503. */
export const MAX_PENDING_FETCHES = 16;

interface CachedKey {
  key: KeyObject;
  notBefore: number;
  notAfter: number;
  expiresAt: number;
}

/** The default fetcher: global `fetch`, no redirects, CERT_FETCH_TIMEOUT_MS for everything, MAX_CERT_BYTES. */
export async function fetchCertificateOverHttps(url: string): Promise<string> {
  const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(CERT_FETCH_TIMEOUT_MS) });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`GET ${url} answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > MAX_CERT_BYTES) {
    await response.body.cancel();
    throw new Error(`GET ${url}: ${declared} bytes is not a certificate (more than ${MAX_CERT_BYTES})`);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_CERT_BYTES) {
      await reader.cancel();
      throw new Error(`GET ${url}: more than ${MAX_CERT_BYTES} bytes is not a certificate`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('latin1');
}

/**
 * SNS signing certificates by URL: fetched once (concurrent requests for one URL share the fetch), parsed with
 * `X509Certificate`, kept for CERT_CACHE_TTL_MS at most MAX_CACHED_CERTIFICATES (least recently used forgotten
 * first). Its validity dates are checked on every use. A fetch that fails is not remembered (503: SNS retries).
 */
export class CertificateCache {
  readonly #entries = new Map<string, CachedKey>();
  readonly #pending = new Map<string, Promise<CachedKey>>();

  constructor(readonly fetchCertificate: FetchCertificate) {}

  async publicKeyFor(url: string, now: number): Promise<KeyObject> {
    let entry = this.#entries.get(url);
    if (entry && entry.expiresAt > now) {
      this.#entries.delete(url); // most recently used last
      this.#entries.set(url, entry);
    } else {
      if (entry) this.#entries.delete(url);
      entry = await this.#load(url, now);
    }
    if (now < entry.notBefore || now > entry.notAfter) {
      throw new IngressError(
        403,
        'signing_certificate_expired',
        `the signing certificate is valid from ${new Date(entry.notBefore).toISOString()} to ` +
          `${new Date(entry.notAfter).toISOString()}, not now`,
      );
    }
    return entry.key;
  }

  #load(url: string, now: number): Promise<CachedKey> {
    const pending = this.#pending.get(url);
    if (pending) return pending;
    if (this.#pending.size >= MAX_PENDING_FETCHES) {
      throw new IngressError(503, 'certificate_fetch_busy', 'too many signing certificates are being fetched', {
        retryAfterSeconds: 30,
      });
    }
    const load = this.#fetch(url, now).then((entry) => {
      while (this.#entries.size >= MAX_CACHED_CERTIFICATES) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(url, entry);
      return entry;
    });
    this.#pending.set(url, load);
    const forget = () => void this.#pending.delete(url);
    load.then(forget, forget);
    return load;
  }

  async #fetch(url: string, now: number): Promise<CachedKey> {
    let pem: unknown;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${CERT_FETCH_TIMEOUT_MS} ms`)), CERT_FETCH_TIMEOUT_MS);
      });
      pem = await Promise.race([Promise.resolve().then(() => this.fetchCertificate(url)), timeout]);
    } catch (error) {
      throw new IngressError(
        503,
        'certificate_unavailable',
        `the signing certificate could not be fetched (${describe(error)}); retry later`,
        { retryAfterSeconds: 30, cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    if (typeof pem !== 'string' || pem.length > MAX_CERT_BYTES) {
      throw invalidCertificate('the fetched document is not a PEM certificate');
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch (error) {
      throw invalidCertificate(`the fetched document is not a certificate (${describe(error)})`);
    }
    if (process.env.NODE_ENV === 'production' && certificate.fingerprint256 === PUBLISHED_SNS_TEST_CERTIFICATE_SHA256) {
      throw invalidCertificate(
        "the certificate is the testing kit's published SNS test certificate (anyone can sign with its key); " +
          'refused in production',
      );
    }
    const key = certificate.publicKey;
    if (key.asymmetricKeyType !== 'rsa') {
      throw invalidCertificate(`the certificate's key is ${key.asymmetricKeyType}, not RSA as SNS signs`);
    }
    const notBefore = Date.parse(certificate.validFrom);
    const notAfter = Date.parse(certificate.validTo);
    if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter)) {
      throw invalidCertificate('the certificate has no readable validity dates');
    }
    return { key, notBefore, notAfter, expiresAt: Math.min(now + CERT_CACHE_TTL_MS, notAfter) };
  }
}

/**
 * The SHA-256 fingerprint of the testing kit's published SNS test certificate (`publishedSnsTestSigner()`): its
 * private key is published, so production refuses it as it refuses `TEST_KEY_PAIR`'s key.
 */
const PUBLISHED_SNS_TEST_CERTIFICATE_SHA256 =
  '66:E6:BE:9D:74:D2:53:78:FC:96:01:D4:4B:81:84:98:70:D4:04:BF:FF:21:16:6F:9A:AE:86:C2:78:FA:C7:F3';

function invalidCertificate(reason: string): IngressError {
  return new IngressError(403, 'signing_certificate_invalid', reason);
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
