import { buildInboundPost, type BuiltPost, type InboundDescription } from './post.js';
import { signBody, type TestKeyPair } from './keys.js';

// Header names as SendGrid sends them; kept here (not imported from ingress) so the kit
// depends only on the wire format it imitates.
const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

export const DEFAULT_INBOUND_URL = 'http://localhost/webhooks/sendgrid/parse';

export interface InboundRequestOptions {
  /** Default `http://localhost/webhooks/sendgrid/parse`. */
  url?: string;
  /** Sign like a SendGrid security policy does. */
  sign?: TestKeyPair;
  /** Unix seconds for the signature; default now. */
  timestamp?: number;
  basic?: { username: string; password: string };
  bearer?: string;
  /** Send with `Transfer-Encoding: chunked` (no Content-Length), as SendGrid sometimes does. */
  chunked?: boolean;
  /** Chunk size for `chunked` (default 16 KiB). */
  chunkSize?: number;
  /** Extra request headers (override the computed ones). */
  headers?: Record<string, string>;
}

/** Either a description to build, or an already built post (e.g. a captured fixture). */
export type PostSource = InboundDescription | BuiltPost;

/**
 * A `Request` exactly as SendGrid would send it to your endpoint.
 *
 * @example
 * ```ts
 * const response = await app.fetch(inboundRequest({ subject: 'Hi' }, { sign: TEST_KEY_PAIR }));
 * ```
 */
export function inboundRequest(source: PostSource = {}, options: InboundRequestOptions = {}): Request {
  const post = toPost(source);
  const headers = requestHeaders(post, options);
  // fetch frames a stream body as chunked itself and rejects an explicit Transfer-Encoding.
  delete headers['transfer-encoding'];
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers };
  if (options.chunked) {
    const chunks = split(post.body, options.chunkSize);
    init.body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    init.duplex = 'half';
  } else {
    init.body = new Uint8Array(post.body);
  }
  return new Request(options.url ?? DEFAULT_INBOUND_URL, init);
}

/**
 * The post as captured HTTP/1.1 request bytes (request line, headers, body; chunked framing
 * when asked): what `mailroom inspect` reads.
 */
export function httpRequestBytes(source: PostSource = {}, options: InboundRequestOptions = {}): Buffer {
  const post = toPost(source);
  const url = new URL(options.url ?? DEFAULT_INBOUND_URL);
  const headers = { host: url.host, ...requestHeaders(post, options) };
  const head = [`POST ${url.pathname}${url.search} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (!options.chunked) return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), post.body]);
  const framed = split(post.body, options.chunkSize).flatMap((chunk) => [
    Buffer.from(`${chunk.length.toString(16)}\r\n`),
    chunk,
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), ...framed, Buffer.from('0\r\n\r\n')]);
}

/** The signature headers for a body (for tests that assemble requests themselves). */
export function signatureHeaders(
  keyPair: TestKeyPair,
  body: Uint8Array,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const stamp = String(timestamp);
  return { [SIGNATURE_HEADER]: signBody(keyPair.privateKey, stamp, body), [TIMESTAMP_HEADER]: stamp };
}

function requestHeaders(post: BuiltPost, options: InboundRequestOptions): Record<string, string> {
  const headers: Record<string, string> = { ...post.headers, 'content-type': post.contentType };
  if (options.chunked) {
    delete headers['content-length'];
    headers['transfer-encoding'] = 'chunked';
  } else {
    headers['content-length'] = String(post.body.length);
  }
  if (options.sign) Object.assign(headers, signatureHeaders(options.sign, post.body, options.timestamp));
  if (options.basic) {
    const credentials = Buffer.from(`${options.basic.username}:${options.basic.password}`, 'utf8').toString('base64');
    headers.authorization = `Basic ${credentials}`;
  }
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  return { ...headers, ...options.headers };
}

function toPost(source: PostSource): BuiltPost {
  return 'body' in source && Buffer.isBuffer(source.body)
    ? (source as BuiltPost)
    : buildInboundPost(source as InboundDescription);
}

function split(body: Buffer, size = 16 * 1024): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
  return chunks;
}
