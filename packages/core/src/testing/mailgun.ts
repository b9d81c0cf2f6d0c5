import { createHmac, randomBytes } from 'node:crypto';
import { asMessage, bodyOf, headerFieldsOf, mailboxesOf } from './message-headers.js';
import { multipartBody, multipartContentType, type FormPart } from './multipart.js';

export const DEFAULT_MAILGUN_URL = 'http://localhost/webhooks/mailgun/mime';

export interface MailgunMimeRequestOptions {
  /** Default `http://localhost/webhooks/mailgun/mime`. */
  url?: string;
  /** The HTTP webhook signing key to sign with. */
  signingKey: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Default 50 random hex characters, as Mailgun's. */
  token?: string;
  /** Sent instead of the computed signature (forgeries). */
  signature?: string;
  /** The SMTP recipients (comma-separated); default the To addresses. */
  recipient?: string;
  /** The SMTP sender; default the From address. */
  sender?: string;
  /**
   * `'mime'` (default): the raw message in `body-mime`, as for a route forwarding to a URL ending in `mime`.
   * `'parsed'`: Mailgun's parsed fields instead (body-plain, message-headers…), as for any other URL.
   */
  format?: 'mime' | 'parsed';
  /** Default multipart/form-data; `urlencoded` posts `application/x-www-form-urlencoded`. */
  encoding?: 'multipart' | 'urlencoded';
  /** Extra request headers (override the computed ones). */
  headers?: Record<string, string>;
}

/** Mailgun's signature: hex HMAC-SHA256 of `timestamp + token` under the webhook signing key. */
export function mailgunSignature(signingKey: string, timestamp: number | string, token: string): string {
  return createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest('hex');
}

/**
 * A `Request` as a Mailgun route's `forward()` posts it: the signature fields (`timestamp`, `token`, `signature`),
 * the envelope (`recipient`, `sender`), `from`, `subject` and the message in `body-mime`.
 *
 * @example
 * ```ts
 * const response = await fetch(mailgunMimeRequest(message, { url: `${t.url}/webhooks/mailgun/mime`, signingKey }));
 * ```
 */
export function mailgunMimeRequest(message: string | Buffer, options: MailgunMimeRequestOptions): Request {
  const raw = asMessage(message);
  const fields = mailgunFields(raw, options);
  const urlencoded = options.encoding === 'urlencoded';
  const boundary = `mailgun-${randomBytes(12).toString('hex')}`;
  const body = urlencoded ? urlEncode(fields) : multipartBody(fields, boundary);
  const contentType = urlencoded ? 'application/x-www-form-urlencoded' : multipartContentType(boundary);
  return new Request(options.url ?? DEFAULT_MAILGUN_URL, {
    method: 'POST',
    headers: { 'content-type': contentType, 'user-agent': 'mailgun/treq-16.12.0', ...options.headers },
    body: new Uint8Array(body),
  });
}

function mailgunFields(raw: Buffer, options: MailgunMimeRequestOptions): FormPart[] {
  const headers = headerFieldsOf(raw);
  const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value ?? '';
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const token = options.token ?? randomBytes(25).toString('hex');
  const signature = options.signature ?? mailgunSignature(options.signingKey, timestamp, token);
  const field = (name: string, value: string | Buffer): FormPart => ({
    name,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
  });
  const recipient =
    options.recipient ??
    mailboxesOf(header('To'))
      .map((m) => m.email)
      .join(',');
  const common = [
    field('recipient', recipient),
    field('sender', options.sender ?? mailboxesOf(header('From'))[0]?.email ?? ''),
    field('from', header('From')),
    field('subject', header('Subject')),
  ];
  const content =
    options.format === 'parsed'
      ? [
          field('body-plain', bodyOf(raw)),
          field('stripped-text', bodyOf(raw).trim()),
          field('message-headers', JSON.stringify(headers.map((h) => [h.name, h.value]))),
        ]
      : [field('body-mime', raw)];
  return [...common, ...content, field('timestamp', timestamp), field('token', token), field('signature', signature)];
}

function urlEncode(fields: FormPart[]): Buffer {
  const escape = (bytes: Buffer) =>
    [...bytes]
      .map((byte) =>
        /[A-Za-z0-9*\-._]/.test(String.fromCharCode(byte))
          ? String.fromCharCode(byte)
          : byte === 0x20
            ? '+'
            : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join('');
  return Buffer.from(fields.map((f) => `${escape(Buffer.from(f.name))}=${escape(f.value)}`).join('&'), 'latin1');
}
