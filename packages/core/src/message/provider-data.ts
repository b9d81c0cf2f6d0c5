/**
 * What the provider reported beside the message, as it reported it: one member per ingress, keyed by `name` (always
 * the email's `provider`). Plain JSON values only; every string is cut at MAX_PROVIDER_STRING characters, so a
 * hostile value cannot bloat the stored row. The common fields (`email.envelope`, `email.auth`, `email.spam`) hold
 * the normalised form of what every provider reports; this keeps the rest.
 */
export type ProviderData = SendgridData | PostmarkData | MailgunData | SesData | RelayData | SmtpData;

/** SendGrid's Inbound Parse metadata fields, as posted (raw text). */
export interface SendgridData {
  name: 'sendgrid';
  /** `spam_score` as a number (null: absent or not a number). */
  spamScore: number | null;
  /** `spam_report`, SpamAssassin's report (cut; `email.spam.report` has all of it). */
  spamReport: string | null;
  /** `SPF` as SendGrid wrote it (`email.auth.spf` is the RFC 7208 word read from it). */
  spf: string | null;
  /** `dkim` as SendGrid wrote it, e.g. `{@example.com : pass}` (`email.auth.dkim` is its strict reading). */
  dkim: string | null;
  /** `sender_ip`: the connecting client's address. */
  senderIp: string | null;
  /** `charsets`: the JSON text naming each field's charset. */
  charsets: string | null;
}

/** Postmark's own JSON fields, and the SpamAssassin headers of its `Headers` list (each read only when it occurs once). */
export interface PostmarkData {
  name: 'postmark';
  /** `MessageID`: Postmark's id for the inbound message (not the Message-ID header). */
  messageId: string | null;
  /** `MessageStream`: the inbound stream's id (e.g. `inbound`). */
  messageStream: string | null;
  /** `MailboxHash`: the part after `+` of the address Postmark received the message at. */
  mailboxHash: string | null;
  /** `OriginalRecipient`: the address Postmark received the message at. */
  originalRecipient: string | null;
  /** `Tag`: the tag the inbound rule or stream gave the message. */
  tag: string | null;
  /** `X-Spam-Score` as a number: `email.spam.score`. */
  spamScore: number | null;
  /** `X-Spam-Status` (`Yes` / `No`): `email.spam.report`. */
  spamStatus: string | null;
  /** `X-Spam-Tests`: the SpamAssassin rules that fired, comma-separated. */
  spamTests: string | null;
}

/**
 * The form fields Mailgun posts beside `body-mime` for a route's `forward()`. Mailgun's spam and authentication
 * results (`X-Mailgun-Sflag`, `X-Mailgun-Sscore`, `X-Mailgun-Spf`, `X-Mailgun-Dkim-Check-Result`) are MIME headers
 * inside the message, where the sender can write them too: they stay in `email.headers`, never read as verdicts.
 */
export interface MailgunData {
  name: 'mailgun';
  /** `recipient`: RCPT TO as Mailgun received it (comma-separated when several). */
  recipient: string | null;
  /** `sender`: MAIL FROM as Mailgun received it. */
  sender: string | null;
  /** `timestamp`: the signed Unix time of the post, in seconds. */
  timestamp: number | null;
  /** `token`: the signature's token (spent: Mailroom refuses a second post with it). */
  token: string | null;
}

/** An SES receipt verdict, as SES reports it. */
export type SesVerdict = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED';

/** The SES receipt notification's identifiers and verdicts, and the SNS message that carried it. */
export interface SesData {
  name: 'ses';
  /** `mail.messageId`: SES's id for the message (the S3 object key, by default). */
  messageId: string | null;
  /** `receipt.action.type`: `SNS` (the message inline) or `S3`. */
  receiptAction: string | null;
  /** `receipt.spamVerdict.status`. */
  spam: SesVerdict | null;
  /** `receipt.virusVerdict.status`. */
  virus: SesVerdict | null;
  /** `receipt.spfVerdict.status`: `email.auth.spf` (PASS → pass, FAIL → fail, GRAY → none, …). */
  spf: SesVerdict | null;
  /** `receipt.dkimVerdict.status` (names no domain, so it is no `email.auth.dkim` result). */
  dkim: SesVerdict | null;
  /** `receipt.dmarcVerdict.status`. */
  dmarc: SesVerdict | null;
  /** The SNS topic the notification was published to. */
  topicArn: string | null;
  /** SNS's `MessageId` for the notification. */
  snsMessageId: string | null;
}

/** An MTA or worker posting the message: it reports nothing beside the envelope. */
export interface RelayData {
  name: 'relay';
}

/** Mailroom's SMTP receiver: the session the message came in. */
export interface SmtpData {
  name: 'smtp';
  /** The client's IP address. */
  remoteAddress: string | null;
  /** The name the client gave in HELO/EHLO (its own claim, unchecked). */
  heloName: string | null;
  /** Whether the session was encrypted (STARTTLS or implicit TLS); null when unknown. */
  tls: boolean | null;
}

/** Longest string kept in provider data; longer ones are cut. */
export const MAX_PROVIDER_STRING = 1000;

type FieldKind = 'string' | 'number' | 'boolean' | 'verdict';
type Fields<D> = { readonly [K in Exclude<keyof D, 'name'>]: FieldKind };
type Schemas = { readonly [D in ProviderData as D['name']]: Fields<D> };

const SCHEMAS: Schemas = {
  sendgrid: {
    spamScore: 'number',
    spamReport: 'string',
    spf: 'string',
    dkim: 'string',
    senderIp: 'string',
    charsets: 'string',
  },
  postmark: {
    messageId: 'string',
    messageStream: 'string',
    mailboxHash: 'string',
    originalRecipient: 'string',
    tag: 'string',
    spamScore: 'number',
    spamStatus: 'string',
    spamTests: 'string',
  },
  mailgun: { recipient: 'string', sender: 'string', timestamp: 'number', token: 'string' },
  ses: {
    messageId: 'string',
    receiptAction: 'string',
    spam: 'verdict',
    virus: 'verdict',
    spf: 'verdict',
    dkim: 'verdict',
    dmarc: 'verdict',
    topicArn: 'string',
    snsMessageId: 'string',
  },
  relay: {},
  smtp: { remoteAddress: 'string', heloName: 'string', tls: 'boolean' },
};

const SES_VERDICTS: readonly unknown[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED'] satisfies SesVerdict[];

/** The provider data for `name` with nothing reported: every field null. */
export function emptyProviderData(name: ProviderData['name']): ProviderData {
  const fields = Object.keys(SCHEMAS[name]).map((key) => [key, null]);
  return { name, ...Object.fromEntries(fields) } as ProviderData;
}

/**
 * `value` as `name`'s provider data, checked field by field: strings cut, unknown keys dropped, missing fields null.
 * Anything else (not an object, another provider's name, a field of the wrong type) is no data at all: the name and
 * every field null. Never throws: provider data is a record, and a bad one must not cost the mail.
 */
export function providerDataOf(name: ProviderData['name'], value: unknown): ProviderData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return emptyProviderData(name);
  const record = value as Record<string, unknown>;
  if (record.name !== name) return emptyProviderData(name);
  const fields: Array<[string, unknown]> = [];
  for (const [key, kind] of Object.entries(SCHEMAS[name] as Record<string, FieldKind>)) {
    const field = record[key] ?? null;
    if (field !== null && !fits(field, kind)) return emptyProviderData(name);
    fields.push([key, typeof field === 'string' ? cut(field) : field]);
  }
  return { name, ...Object.fromEntries(fields) } as ProviderData;
}

function fits(value: unknown, kind: FieldKind): boolean {
  if (kind === 'number') return typeof value === 'number' && Number.isFinite(value);
  if (kind === 'verdict') return SES_VERDICTS.includes(value);
  return typeof value === kind;
}

/** At most MAX_PROVIDER_STRING characters, NUL removed (PostgreSQL text rejects it), no lone surrogate at the cut. */
function cut(value: string): string {
  const clean = value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (clean.length <= MAX_PROVIDER_STRING) return clean;
  const end = /[\uD800-\uDBFF]/.test(clean[MAX_PROVIDER_STRING - 1]!) ? MAX_PROVIDER_STRING - 1 : MAX_PROVIDER_STRING;
  return clean.slice(0, end);
}
