/**
 * The new ingresses (Postmark, Mailgun, relay, Amazon SES through SNS, SMTP receiver) for the reliability suite: how
 * the child server mounts them, how a test wraps a MIME message in each provider's envelope (with valid authentication unless told
 * otherwise), raw HTTP and raw SMTP clients for what fetch and nodemailer would never send, and the hostile MIME
 * messages, taken from the SendGrid hostile generator.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import nodemailer from 'nodemailer';
import type { Mailroom } from '@mailroom/core';
import { mailgunInbound, postmarkInbound, relayIngress, sesInbound } from '@mailroom/core/http';
import {
  createSnsTestSigner,
  DEFAULT_SNS_SIGNING_CERT_URL,
  mailgunSignature,
  multipartBody,
  multipartContentType,
  sesNotificationPayload,
  type FormPart,
  type SnsTestSigner,
} from '@mailroom/core/testing';
import { hostilePost } from './hostile.js';
import type { prng } from './posts.js';

type Random = ReturnType<typeof prng>;

export const DOMAIN = 'reliability.example.com';
export const INBOX = `inbox@${DOMAIN}`;
export const POSTMARK_BASIC = { username: 'postmark', password: 'pm-reliability-secret' };
export const MAILGUN_KEY = 'key-reliability-mailgun-signing-0123456789';
export const RELAY_SECRET = 'relay-reliability-secret-0123456789abcdefABCDEF';
/** The Mailroom's limits, as the SendGrid hostile test's: they bound the stored message whatever the ingress. */
export const LIMITS = {
  maxBodyBytes: 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxMimeDepth: 30,
  maxAttachments: 20,
  maxFields: 50,
};
/** Each HTTP ingress' request limit: room for its envelope around a message at the Mailroom's limit. */
export const INGRESS_LIMITS = { maxBodyBytes: 4 * 1024 * 1024, maxFields: 50 };

/** The SNS topic the test's SES receipt rule publishes to: the only one `sesInbound` takes. */
export const SES_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:mailroom-reliability';
/**
 * TEST ONLY: the throwaway SNS signing key and self-signed certificate of test/ingress/fixtures (not AWS's). The
 * child server reads the certificate from the file `SNS_CERT_FILE` names (it runs in another process: no closure
 * of the test's can serve it); the test signs with the key.
 */
export const SNS_CERT_FILE = fileURLToPath(new URL('../../ingress/fixtures/sns-test-only.cert.pem', import.meta.url));
const SNS_KEY_FILE = fileURLToPath(new URL('../../ingress/fixtures/sns-test-only.key.pem', import.meta.url));

/**
 * What the child's SES ingress was asked of: every URL its `fetchCertificate` was called with (only the test
 * certificate's URL is ever answered), and every SubscribeURL it confirmed (recorded, never fetched).
 */
export interface SesCalls {
  certificateFetches: string[];
  confirmations: string[];
}

/** The four HTTP ingresses at the paths the docs use. `certificate`: the PEM served for the test SigningCertURL. */
export function providersApp(mailroom: Mailroom, ses: { certificate: string; calls: SesCalls }): Hono {
  const app = new Hono();
  app.route('/webhooks/postmark', postmarkInbound(mailroom, { basic: [POSTMARK_BASIC], limits: INGRESS_LIMITS }));
  app.route('/webhooks/mailgun', mailgunInbound(mailroom, { signingKey: MAILGUN_KEY, limits: INGRESS_LIMITS }));
  app.route('/webhooks/raw', relayIngress(mailroom, { secrets: [RELAY_SECRET], limits: INGRESS_LIMITS }));
  app.route(
    '/webhooks/ses',
    sesInbound(mailroom, {
      topicArns: [SES_TOPIC_ARN],
      fetchCertificate: async (url) => {
        ses.calls.certificateFetches.push(url);
        if (url !== DEFAULT_SNS_SIGNING_CERT_URL) throw new Error(`no test certificate at ${url}`);
        return ses.certificate;
      },
      confirmSubscription: async (url) => void ses.calls.confirmations.push(url),
      limits: INGRESS_LIMITS,
    }),
  );
  return app;
}

export const PATHS = {
  postmark: '/webhooks/postmark/inbound',
  mailgun: '/webhooks/mailgun/mime',
  relay: '/webhooks/raw',
  ses: '/webhooks/ses',
} as const;
export type HttpProvider = keyof typeof PATHS;

/** One HTTP request to send: fetch can carry it (raw requests that fetch refuses go through `rawHttp`). */
export interface ProviderRequest {
  headers: Record<string, string>;
  body: Buffer;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Postmark's JSON with `RawEmail` (the message as UTF-8 text, as Postmark decodes it) and the envelope fields. */
export function postmarkPayload(message: Buffer, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    From: 'a@example.com',
    FromFull: { Email: 'a@example.com', Name: '', MailboxHash: '' },
    To: INBOX,
    ToFull: [{ Email: INBOX, Name: '', MailboxHash: '' }],
    CcFull: [],
    BccFull: [],
    OriginalRecipient: INBOX,
    Subject: 'hostile',
    MessageID: randomBytes(16).toString('hex'),
    MessageStream: 'inbound',
    Headers: [],
    Attachments: [],
    RawEmail: message.toString('utf8'),
    ...fields,
  };
}

export function postmarkRequest(
  payload: Record<string, unknown> | string | Buffer,
  options: { basic?: { username: string; password: string } | null; contentType?: string | null } = {},
): ProviderRequest {
  const basic = options.basic === undefined ? POSTMARK_BASIC : options.basic;
  const headers: Record<string, string> = {};
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
  if (basic) headers.authorization = basicAuthorization(basic.username, basic.password);
  const body = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  return { headers, body };
}

export interface MailgunFields {
  timestamp: string;
  token: string;
  signature: string;
}

/** Fresh signature fields, as Mailgun signs each post (a new token every time). */
export function mailgunSigned(
  key = MAILGUN_KEY,
  timestamp = Math.floor(Date.now() / 1000),
  token = randomBytes(25).toString('hex'),
): MailgunFields {
  return { timestamp: String(timestamp), token, signature: mailgunSignature(key, timestamp, token) };
}

/**
 * A Mailgun `forward()` post of `message` in `body-mime`: multipart (default) or urlencoded, the signature fields
 * `signed` (default: fresh and valid), the envelope in `recipient`/`sender`; `extra` parts are appended and `omit`
 * names fields to leave out.
 */
export function mailgunRequest(
  message: Buffer,
  options: {
    signed?: MailgunFields;
    encoding?: 'multipart' | 'urlencoded';
    recipient?: string;
    sender?: string;
    extra?: FormPart[];
    omit?: string[];
  } = {},
): ProviderRequest {
  const signed = options.signed ?? mailgunSigned();
  const field = (name: string, value: string | Buffer): FormPart => ({
    name,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
  });
  const parts = [
    field('recipient', options.recipient ?? INBOX),
    field('sender', options.sender ?? 'a@example.com'),
    field('subject', 'hostile'),
    field('body-mime', message),
    field('timestamp', signed.timestamp),
    field('token', signed.token),
    field('signature', signed.signature),
    ...(options.extra ?? []),
  ].filter((part) => !options.omit?.includes(part.name));
  if (options.encoding === 'urlencoded') {
    return {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: urlEncoded(parts),
    };
  }
  let boundary = `mailgun-${randomBytes(12).toString('hex')}`;
  while (parts.some((part) => part.value.includes(`--${boundary}`)))
    boundary = `mailgun-${randomBytes(12).toString('hex')}`;
  return { headers: { 'content-type': multipartContentType(boundary) }, body: multipartBody(parts, boundary) };
}

/** `application/x-www-form-urlencoded`, every byte outside [A-Za-z0-9*-._] percent-encoded (a space as `+`). */
export function urlEncoded(parts: ReadonlyArray<{ name: string; value: Buffer }>): Buffer {
  const chunks: Buffer[] = [];
  const escape = (bytes: Buffer) => {
    const out = Buffer.allocUnsafe(bytes.length * 3);
    let length = 0;
    for (const byte of bytes) {
      const plain =
        (byte >= 0x30 && byte <= 0x39) ||
        (byte >= 0x41 && byte <= 0x5a) ||
        (byte >= 0x61 && byte <= 0x7a) ||
        byte === 0x2a ||
        byte === 0x2d ||
        byte === 0x2e ||
        byte === 0x5f;
      if (plain) out[length++] = byte;
      else if (byte === 0x20) out[length++] = 0x2b;
      else length += out.write(`%${byte.toString(16).toUpperCase().padStart(2, '0')}`, length, 'latin1');
    }
    return out.subarray(0, length);
  };
  parts.forEach((part, index) => {
    if (index > 0) chunks.push(Buffer.from('&'));
    chunks.push(escape(Buffer.from(part.name, 'utf8')), Buffer.from('='), escape(part.value));
  });
  return Buffer.concat(chunks);
}

/** A relay post: the message as `message/rfc822` with the bearer secret and the envelope headers. */
export function relayRequest(
  message: Buffer,
  options: { secret?: string | null; to?: string | null; from?: string | null; contentType?: string | null } = {},
): ProviderRequest {
  const headers: Record<string, string> = {};
  const secret = options.secret === undefined ? RELAY_SECRET : options.secret;
  if (secret !== null) headers.authorization = `Bearer ${secret}`;
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'message/rfc822';
  const to = options.to === undefined ? INBOX : options.to;
  if (to !== null) headers['x-mailroom-envelope-to'] = to;
  const from = options.from === undefined ? 'a@example.com' : options.from;
  if (from !== null) headers['x-mailroom-envelope-from'] = from;
  return { headers, body: message };
}

let signer: SnsTestSigner | undefined;
/** SNS's signer in the test process (the test key; its certificate is the child's SNS_CERT_FILE). */
export function snsSigner(): SnsTestSigner {
  signer ??= createSnsTestSigner({
    privateKey: readFileSync(SNS_KEY_FILE, 'utf8'),
    certificate: readFileSync(SNS_CERT_FILE, 'utf8'),
  });
  return signer;
}

export interface SnsPostOptions {
  /** Default the test signer; another signer's signature is a forgery. */
  signer?: SnsTestSigner;
  /** Default '2' (RSA-SHA256). */
  signatureVersion?: '1' | '2';
  /** Fields set (or, undefined, removed) after signing: tampering, other certificate URLs. */
  forge?: Record<string, string | undefined>;
  /** Request headers set (or, null, removed) over the computed `content-type` and `x-amz-sns-*` ones. */
  headers?: Record<string, string | null>;
}

/**
 * An SNS post as SNS makes it to an HTTPS subscription: the message's fields (`Type`, `MessageId`, `TopicArn`…)
 * signed with SNS's string to sign, `SignatureVersion`, `Signature`, `SigningCertURL`, as `text/plain` JSON with the
 * `x-amz-sns-*` headers. Synchronous, byte for byte the same on every resend (SNS retries the same message).
 */
export function snsPost(fields: Record<string, string>, options: SnsPostOptions = {}): ProviderRequest {
  const by = options.signer ?? snsSigner();
  const version = options.signatureVersion ?? '2';
  const signed: Record<string, string> = {
    ...fields,
    SignatureVersion: version,
    Signature: by.sign(fields, version),
    SigningCertURL: by.signingCertUrl,
  };
  for (const [name, value] of Object.entries(options.forge ?? {})) {
    if (value === undefined) delete signed[name];
    else signed[name] = value;
  }
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': fields.Type ?? '',
    'x-amz-sns-message-id': signed.MessageId ?? '',
    'x-amz-sns-topic-arn': signed.TopicArn ?? '',
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return { headers, body: Buffer.from(JSON.stringify(signed), 'utf8') };
}

export interface SesOptions extends SnsPostOptions {
  /** The signed TopicArn (and the receipt action's); default SES_TOPIC_ARN. */
  topicArn?: string;
  /** The signed Timestamp; default now. */
  timestamp?: Date;
  /** SNS's MessageId; default a random UUID. */
  messageId?: string;
  /** How the SNS action put the message in `content`; default BASE64 (8-bit bytes survive). */
  action?: 'UTF8' | 'BASE64';
  /** Fields merged over the SES notification (`content`, `receipt`…; undefined removes one when serialized). */
  notification?: Record<string, unknown>;
  /** The SNS `Message` verbatim instead of an SES notification. */
  rawMessage?: string;
}

/**
 * SES's receipt notification for `message` through SNS (the testing kit's `sesNotificationPayload`): envelope
 * `a@example.com` → the inbox, and a bare `mail` (no copy of the headers: a hostile message's header block can be
 * the whole megabyte).
 */
export function sesRequest(message: Buffer, options: SesOptions = {}): ProviderRequest {
  const topicArn = options.topicArn ?? SES_TOPIC_ARN;
  const timestamp = (options.timestamp ?? new Date()).toISOString();
  const payload =
    options.rawMessage ??
    JSON.stringify(
      sesNotificationPayload(message, {
        topicArn,
        action: options.action ?? 'BASE64',
        recipients: [INBOX],
        source: 'a@example.com',
        timestamp: options.timestamp,
        notification: {
          mail: {
            timestamp,
            source: 'a@example.com',
            messageId: randomBytes(10).toString('hex'),
            destination: [INBOX],
            headersTruncated: false,
            headers: [],
            commonHeaders: {},
          },
          ...options.notification,
        },
      }),
    );
  return snsPost(
    {
      Type: 'Notification',
      MessageId: options.messageId ?? randomUUID(),
      TopicArn: topicArn,
      Subject: 'Amazon SES Email Receipt Notification',
      Message: payload,
      Timestamp: timestamp,
      UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${randomUUID()}`,
    },
    options,
  );
}

/** A provider's post of `message` with valid authentication (Mailgun alternates multipart and urlencoded). */
export function wrapFor(provider: HttpProvider, message: Buffer, random?: Random): ProviderRequest {
  if (provider === 'postmark') return postmarkRequest(postmarkPayload(message));
  if (provider === 'mailgun') {
    return mailgunRequest(message, { encoding: random?.chance(0.3) ? 'urlencoded' : 'multipart' });
  }
  if (provider === 'ses') return sesRequest(message);
  return relayRequest(message);
}

/** A well-formed message with a unique Message-ID (`<id>`) for the inbox. */
export function genuineMessage(id: string, subject = 'Reliability'): Buffer {
  return Buffer.from(
    `From: Ann <ann@sender.example.net>\r\nTo: ${INBOX}\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\n` +
      `Date: Mon, 7 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n` +
      `${'Please process me exactly once.\r\n'.repeat(20)}`,
  );
}

export interface HostileMessage {
  kind: string;
  message: Buffer;
}

/**
 * A hostile MIME message from the SendGrid hostile generator (same seed, same sequence of kinds): a raw-mode post's
 * `email` field is the message as it is; any other post (a parsed-mode form, broken framing, garbage) becomes the
 * body of a message whose Content-Type is the post's, so truncations, wrong boundaries, giant part headers, NULs and
 * byte flips reach the MIME parser instead of the form parser.
 */
export function hostileMessage(
  random: Random,
  limits: { maxBodyBytes: number; maxHeaderBytes: number },
): HostileMessage {
  const post = hostilePost(random, limits);
  const email = emailField(post.body, post.contentType);
  if (email) return { kind: `${post.kind} (email field)`, message: email };
  const head =
    `From: a@example.com\r\nTo: ${INBOX}\r\nSubject: hostile ${post.kind}\r\nMessage-ID: <h${random.int(1e9)}.${random.int(1e9)}@x>\r\n` +
    `MIME-Version: 1.0\r\n${post.contentType ? `Content-Type: ${post.contentType}\r\n` : ''}\r\n`;
  return { kind: `${post.kind} (post as MIME)`, message: Buffer.concat([Buffer.from(head, 'latin1'), post.body]) };
}

/** The value of the `email` part of a multipart/form-data body, or null (no such part, or unreadable framing). */
function emailField(body: Buffer, contentType: string): Buffer | null {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return null;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const marker = body.indexOf('name="email"');
  if (marker < 0) return null;
  const start = body.indexOf('\r\n\r\n', marker);
  if (start < 0) return null;
  const end = body.indexOf(delimiter, start + 4);
  if (end < 0) return null;
  return body.subarray(start + 4, end);
}

// ——— raw HTTP ———

export interface RawAnswer {
  /** 0: no answer (closed without a status line, or timed out). */
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  ms: number;
  error?: string;
}

/**
 * One HTTP/1.1 request written byte for byte on a socket (header values fetch refuses: CR, LF, NUL, huge ones);
 * `Connection: close` is added, so the answer ends with the connection. `declaredLength` overrides Content-Length (a
 * body announced over a limit and never sent: the answer comes from the declaration alone).
 */
export function rawHttp(
  port: number,
  request: { method?: string; path: string; headers: string[]; body?: Buffer; declaredLength?: number },
  timeoutMs = 20_000,
): Promise<RawAnswer> {
  const started = performance.now();
  const body = request.body ?? Buffer.alloc(0);
  const head =
    `${request.method ?? 'POST'} ${request.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
    `Content-Length: ${request.declaredLength ?? body.length}\r\n${request.headers.map((line) => `${line}\r\n`).join('')}\r\n`;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        ...parseHttpAnswer(Buffer.concat(chunks)),
        ms: performance.now() - started,
        ...(error ? { error } : {}),
      });
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (answerComplete(Buffer.concat(chunks))) finish();
    });
    socket.on('error', () => finish()); // a reset after the answer (the server closed without reading the body)
    socket.on('close', () => finish());
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]), () => undefined);
  });
}

function answerComplete(bytes: Buffer): boolean {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = bytes.toString('latin1', 0, end);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return bytes.length - end - 4 >= Number(length[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return bytes.includes('\r\n0\r\n\r\n', end);
  return false;
}

function parseHttpAnswer(bytes: Buffer): Omit<RawAnswer, 'ms'> {
  const end = bytes.indexOf('\r\n\r\n');
  const head = bytes.toString('latin1', 0, end < 0 ? bytes.length : end);
  const match = /^HTTP\/1\.[01] (\d{3}) ?([^\r\n]*)/.exec(head);
  if (!match) return { status: 0, statusText: '', headers: {}, body: '' };
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status: Number(match[1]), statusText: match[2]!, headers, body: body.toString('utf8') };
}

function dechunk(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(bytes.toString('latin1', at, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

// ——— SMTP ———

/** What an SMTP send ended with: the final reply (250…, or the refusal), or no reply at all (`code` 0). */
export interface SmtpOutcome {
  code: number;
  text: string;
  ms: number;
}

/**
 * Sends `message` byte for byte (nodemailer `raw`, its own connection, no pooling: a connection cut by a kill is
 * never reused) with the given envelope.
 */
export async function smtpSend(
  port: number,
  message: Buffer,
  envelope: { from: string; to: string[] } = { from: 'a@example.com', to: [INBOX] },
  timeoutMs = 30_000,
): Promise<SmtpOutcome> {
  const started = performance.now();
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    const info = await transport.sendMail({ envelope, raw: message });
    return {
      code: Number(/^\d{3}/.exec(info.response)?.[0] ?? 250),
      text: info.response,
      ms: performance.now() - started,
    };
  } catch (error) {
    const failure = error as { responseCode?: number; response?: string; message: string };
    return {
      code: failure.responseCode ?? 0,
      text: failure.response ?? failure.message,
      ms: performance.now() - started,
    };
  } finally {
    transport.close();
  }
}

/** An SMTP session on a raw socket: writes anything, collects every complete reply (multi-line joined by \n). */
export interface RawSmtpSession {
  write(data: string | Buffer): void;
  /** The next `count` replies (fewer if the server closed first, or none arrived within `timeoutMs`). */
  replies(count: number, timeoutMs?: number): Promise<string[]>;
  readonly closed: Promise<void>;
  isClosed(): boolean;
  close(): void;
}

export async function rawSmtpSession(port: number): Promise<RawSmtpSession> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let open = true;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      open = false;
      resolve();
      wake();
    }),
  );
  let buffer = '';
  const replies: string[] = [];
  let pending: string[] = [];
  let waiter: (() => void) | null = null;
  const wake = () => {
    const next = waiter;
    waiter = null;
    next?.();
  };
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => {
    buffer += text;
    let offset = 0;
    for (let end = buffer.indexOf('\r\n', offset); end >= 0; end = buffer.indexOf('\r\n', offset)) {
      const line = buffer.slice(offset, end);
      offset = end + 2;
      pending.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        replies.push(pending.join('\n'));
        pending = [];
      }
    }
    buffer = buffer.slice(offset);
    wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return {
    write: (data) => void socket.write(data),
    async replies(count, timeoutMs = 15_000) {
      const deadline = performance.now() + timeoutMs;
      while (replies.length < count && open) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return replies.splice(0, Math.min(count, replies.length));
    },
    closed,
    isClosed: () => !open,
    close: () => socket.destroy(),
  };
}

export const codeOf = (reply: string | undefined): number => Number(/^\d{3}/.exec(reply ?? '')?.[0] ?? 0);
