import { randomUUID } from 'node:crypto';
import { asMessage, bodyOf, headerFieldsOf, mailboxesOf } from './message-headers.js';

export const DEFAULT_POSTMARK_URL = 'http://localhost/webhooks/postmark/inbound';

export interface PostmarkInboundRequestOptions {
  /** Default `http://localhost/webhooks/postmark/inbound`. */
  url?: string;
  /** Sent as `Authorization: Basic`, as Postmark sends the credentials written in its webhook URL. */
  basic?: { username: string; password: string };
  /** Default: the first To address. `null` leaves the field out. */
  originalRecipient?: string | null;
  /** Default true ("Include raw email content in JSON payload" on); false leaves RawEmail out. */
  rawEmail?: boolean;
  /** Postmark's own id for the message (stable across its retries); default a random UUID. */
  messageId?: string;
  /** Fields to add to or replace in the payload. */
  fields?: Record<string, unknown>;
  /** Extra request headers (override the computed ones). */
  headers?: Record<string, string>;
}

/**
 * The JSON document Postmark's inbound webhook posts for `message` (RFC 5322 bytes): the parsed fields as Postmark
 * names them (From/FromFull, To/ToFull, Cc/CcFull, OriginalRecipient, Headers, TextBody…) and `RawEmail`.
 */
export function postmarkInboundPayload(
  message: string | Buffer,
  options: PostmarkInboundRequestOptions = {},
): Record<string, unknown> {
  const raw = asMessage(message);
  const headers = headerFieldsOf(raw);
  const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
  const [from] = mailboxesOf(header('From'));
  const to = mailboxesOf(header('To'));
  const cc = mailboxesOf(header('Cc'));
  const full = (list: Array<{ email: string; name: string }>) =>
    list.map(({ email, name }) => ({ Email: email, Name: name, MailboxHash: mailboxHash(email) }));
  const originalRecipient = options.originalRecipient === undefined ? to[0]?.email : options.originalRecipient;
  const payload: Record<string, unknown> = {
    FromName: from?.name ?? '',
    MessageStream: 'inbound',
    From: from?.email ?? '',
    FromFull: { Email: from?.email ?? '', Name: from?.name ?? '', MailboxHash: '' },
    To: header('To') ?? '',
    ToFull: full(to),
    Cc: header('Cc') ?? '',
    CcFull: full(cc),
    Bcc: '',
    BccFull: [],
    ...(originalRecipient === null || originalRecipient === undefined ? {} : { OriginalRecipient: originalRecipient }),
    Subject: header('Subject') ?? '',
    MessageID: options.messageId ?? randomUUID(),
    ReplyTo: header('Reply-To') ?? '',
    MailboxHash: mailboxHash(originalRecipient ?? ''),
    Date: header('Date') ?? '',
    TextBody: bodyOf(raw),
    HtmlBody: '',
    StrippedTextReply: '',
    Tag: '',
    Headers: [
      { Name: 'X-Spam-Status', Value: 'No' },
      { Name: 'X-Spam-Score', Value: '-0.1' },
      ...headers
        .filter((h) => !/^(from|to|cc|subject|date|reply-to)$/i.test(h.name))
        .map((h) => ({ Name: h.name, Value: h.value })),
    ],
    Attachments: [],
  };
  if (options.rawEmail !== false) payload.RawEmail = raw.toString('utf8');
  return { ...payload, ...options.fields };
}

/**
 * A `Request` as Postmark's inbound webhook sends it: `POST` of the JSON payload with basic credentials.
 *
 * @example
 * ```ts
 * const response = await fetch(
 *   postmarkInboundRequest(message, { url: `${t.url}/webhooks/postmark/inbound`, basic: { username, password } }),
 * );
 * ```
 */
export function postmarkInboundRequest(message: string | Buffer, options: PostmarkInboundRequestOptions = {}): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Postmark' };
  if (options.basic) {
    const credentials = Buffer.from(`${options.basic.username}:${options.basic.password}`, 'utf8').toString('base64');
    headers.authorization = `Basic ${credentials}`;
  }
  const body = JSON.stringify(postmarkInboundPayload(message, options));
  return new Request(options.url ?? DEFAULT_POSTMARK_URL, {
    method: 'POST',
    headers: { ...headers, ...options.headers },
    body,
  });
}

/** `user+hash@domain` → `hash` (Postmark's plus-addressing field). */
function mailboxHash(address: string): string {
  const local = address.split('@')[0] ?? '';
  const plus = local.indexOf('+');
  return plus < 0 ? '' : local.slice(plus + 1);
}
