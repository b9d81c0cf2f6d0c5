import { parseAddress, parseAddressList, normalizeAddress, type EmailAddress } from '../message/index.js';

/** An address as callers write it: `"Ann <ann@example.com>"`, `ann@example.com`, or `{ address, name }`. */
export type AddressInput = string | EmailAddress;

export interface OutboundAttachment {
  filename: string;
  /** Default `application/octet-stream`. */
  contentType?: string;
  /** Bytes, or text sent as UTF-8. */
  content: Uint8Array | string;
  /** Makes the part inline (referenced from HTML as `cid:<contentId>`). */
  contentId?: string;
  inline?: boolean;
}

/** One email to send. Every address field takes one address or a list. */
export interface OutboundMessage {
  from: AddressInput;
  to: AddressInput | readonly AddressInput[];
  cc?: AddressInput | readonly AddressInput[];
  bcc?: AddressInput | readonly AddressInput[];
  replyTo?: AddressInput | readonly AddressInput[];
  subject: string;
  text?: string;
  html?: string;
  /** Extra headers (List-Unsubscribe, Auto-Submitted, …). Message-ID/In-Reply-To/References have their own fields. */
  headers?: Record<string, string>;
  attachments?: readonly OutboundAttachment[];
  /** Come back on every Event Webhook event for this message (SendGrid `custom_args`); values are strings. */
  customArgs?: Record<string, string>;
  /** SendGrid categories (at most 10). */
  categories?: readonly string[];
  /** Without angle brackets; generated on our domain when absent. */
  messageId?: string;
  inReplyTo?: string | null;
  references?: readonly string[];
  /** Sign this scope into the generated Message-ID, so replies thread back to it. */
  threadScope?: string;
  /**
   * Messages with the same batchKey (same content, different recipients: list redistribution)
   * may go out in one provider request (SendGrid: up to 1,000 personalizations).
   */
  batchKey?: string;
}

/** What transports receive: a message with normalized fields, taken from the outbox. */
export interface PreparedMessage {
  /** Outbox id; also sent as custom arg `mailroom_id`. */
  id: string;
  from: EmailAddress;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  replyTo: EmailAddress[];
  subject: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  attachments: PreparedAttachment[];
  customArgs: Record<string, string>;
  categories: string[];
  messageId: string;
  inReplyTo: string | null;
  references: string[];
}

export interface PreparedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  contentId: string | null;
  inline: boolean;
}

/**
 * A message that can never be sent as it is (no recipient, no body, a bad header). Retrying the code that built
 * it builds it the same way, so it is permanent: the worker ends the email `failed` at once with this reason.
 */
export class OutboundMessageError extends Error {
  override name = 'OutboundMessageError';
  readonly permanent = true;
}

/** The custom arg carrying the outbox id, so Event Webhook events link back to the message. */
export const MAILROOM_ID_ARG = 'mailroom_id';

const OWN_HEADERS = new Set([
  'message-id',
  'in-reply-to',
  'references',
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
]);

export function toAddressList(input: AddressInput | readonly AddressInput[] | undefined): EmailAddress[] {
  if (input === undefined) return [];
  const list: readonly AddressInput[] = Array.isArray(input) ? input : [input as AddressInput];
  return list
    .flatMap((entry) => (typeof entry === 'string' ? parseAddressList(entry) : [entry]))
    .map(headerSafeAddress);
}

export function toAddress(input: AddressInput, field: string): EmailAddress {
  const address = typeof input === 'string' ? parseAddress(input) : input;
  if (!address?.address?.includes('@'))
    throw new OutboundMessageError(
      `${field} "${String(typeof input === 'string' ? input : input.address)}" is not an address`,
    );
  return headerSafeAddress(address);
}

// Controls (CR/LF, NUL, tabs) and angle brackets have no place in an address we send to: they could only
// break the header or the request they are written into.
const UNSENDABLE_IN_ADDRESS = /[\u0000-\u001f\u007f<>]/;

/**
 * An address made safe to write into a header or a provider request: the display name (often the inbound
 * sender's, chosen by them) collapses controls to spaces via `sanitizeHeaderText`; an address part with
 * controls is refused.
 */
export function headerSafeAddress(address: EmailAddress): EmailAddress {
  const bare = String(address.address ?? '').trim();
  if (UNSENDABLE_IN_ADDRESS.test(bare))
    throw new OutboundMessageError(`"${sanitizeHeaderText(bare)}" is not an address`);
  return { address: bare, name: sanitizeHeaderText(String(address.name ?? '')) };
}

/**
 * Makes sender-chosen text safe for a header we build (a subject like `[#42] …`, a display name): control
 * characters (decoded CR/LF, tabs, NUL) collapse to one space, and the result is trimmed and capped at
 * `maxLength` characters. Use it on every header value derived from inbound mail, so a hostile subject
 * can never make our own answer unsendable.
 */
export function sanitizeHeaderText(value: string, maxLength = 200): string {
  const oneLine = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  if (oneLine.length <= maxLength) return oneLine;
  return `${oneLine.slice(0, Math.max(0, maxLength - 1)).trimEnd()}…`;
}

export function bareMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '');
}

/** Checks a message before it is queued: bad input fails at send(), not later in the worker. */
export function validateOutbound(message: OutboundMessage): void {
  toAddress(message.from, 'from');
  const recipients = [...toAddressList(message.to), ...toAddressList(message.cc), ...toAddressList(message.bcc)];
  if (recipients.length === 0) throw new OutboundMessageError('a message needs at least one recipient');
  if (toAddressList(message.to).length === 0)
    throw new OutboundMessageError('a message needs at least one "to" recipient');
  for (const r of recipients)
    if (!r.address.includes('@')) throw new OutboundMessageError(`recipient "${r.address}" is not an address`);
  if (!message.text && !message.html) throw new OutboundMessageError('a message needs text or html');
  if (/[\r\n]/.test(message.subject)) throw new OutboundMessageError('subject must not contain line breaks');
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!/^[!-9;-~]+$/.test(name)) throw new OutboundMessageError(`header name "${name}" is invalid`);
    if (OWN_HEADERS.has(name.toLowerCase()))
      throw new OutboundMessageError(`set ${name} through its own field, not headers`);
    if (/[\r\n]/.test(value)) throw new OutboundMessageError(`header ${name} must not contain line breaks`);
  }
  for (const [key, value] of Object.entries(message.customArgs ?? {})) {
    if (typeof value !== 'string') throw new OutboundMessageError(`custom arg ${key} must be a string`);
  }
  if ((message.categories?.length ?? 0) > 10) throw new OutboundMessageError('SendGrid accepts at most 10 categories');
}

/**
 * SendGrid rejects a personalization that names an address twice across to/cc/bcc; keep the first.
 */
export function uniqueRecipients(
  message: Pick<PreparedMessage, 'to' | 'cc' | 'bcc'>,
): Pick<PreparedMessage, 'to' | 'cc' | 'bcc'> {
  const seen = new Set<string>();
  const keep = (list: EmailAddress[]) =>
    list.filter((a) => {
      const key = normalizeAddress(a.address);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { to: keep(message.to), cc: keep(message.cc), bcc: keep(message.bcc) };
}
