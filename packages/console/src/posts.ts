/**
 * Builds Inbound Parse posts the way SendGrid does (via @mailroom/core/testing's builders): from the
 * compose form's fields, or from a pasted .eml in raw mode; and the same email as a message with its envelope,
 * for the raw-MIME providers (`providers.ts`).
 */
import { randomUUID } from 'node:crypto';
import { domainOf, parseAddressList } from '@mailroom/core/text';
import {
  buildInboundPost,
  inboundFormParts,
  multipartBody,
  multipartContentType,
  type BuiltPost,
  type FormPart,
  type InboundDescription,
} from '@mailroom/core/testing';

export type AuthResult = 'pass' | 'fail' | 'none';

export interface ComposeAttachment {
  filename: string;
  contentType?: string;
  content: Buffer;
}

export interface ComposeInput {
  mode: 'parsed' | 'raw';
  from: string;
  to: string[];
  cc: string[];
  /** Envelope-only recipients (Bcc): in the SMTP envelope, in no header. */
  bcc: string[];
  subject: string;
  text?: string;
  html?: string;
  inReplyTo?: string;
  references?: string[];
  attachments: ComposeAttachment[];
  /** What SendGrid's SPF and DKIM fields say about the From domain (default pass). */
  auth?: AuthResult;
}

/** A message for a raw-MIME provider: its bytes and the SMTP envelope the provider reports with it. */
export interface MessageDelivery {
  message: Buffer;
  envelope: { from: string; to: string[] };
}

export class ComposeError extends Error {
  override name = 'ComposeError';
}

/** Splits "a@x, B <b@y>" form input into single addresses, keeping display names. */
export function addressList(value: unknown): string[] {
  if (typeof value !== 'string' && !Array.isArray(value)) return [];
  const text = Array.isArray(value) ? value.join(',') : value;
  return parseAddressList(text).map((a) => (a.name ? `${a.name} <${a.address}>` : a.address));
}

function dkimField(fromAddress: string, auth: AuthResult): string {
  const domain = domainOf(fromAddress) || 'example.com';
  return auth === 'none' ? '{}' : `{@${domain} : ${auth}}`;
}

/** The test kit's description of the composed email (SendGrid's fields included), checked. */
function composeDescription(input: ComposeInput): InboundDescription {
  const from = parseAddressList(input.from)[0];
  if (!from) throw new ComposeError('From must be an email address');
  if (input.to.length === 0 && input.cc.length === 0 && input.bcc.length === 0)
    throw new ComposeError('give at least one recipient');
  const auth = input.auth ?? 'pass';
  return {
    mode: input.mode,
    from: input.from,
    to: input.to,
    cc: input.cc,
    bcc: input.bcc,
    subject: input.subject,
    // A new Message-ID every time: the inbox deduplicates on it, and composing twice means two emails.
    messageId: `${randomUUID()}@${domainOf(from.address) || 'console.mailroom.test'}`,
    date: new Date(),
    ...(input.text ? { text: input.text } : {}),
    ...(input.html ? { html: input.html } : {}),
    ...(input.text || input.html ? {} : { text: '' }),
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(input.references?.length ? { references: input.references } : {}),
    attachments: input.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      ...(a.contentType ? { contentType: a.contentType } : {}),
    })),
    dkim: dkimField(from.address, auth),
    spf: auth === 'none' ? 'none' : auth,
  };
}

export function composePost(input: ComposeInput): BuiltPost {
  return buildInboundPost(composeDescription(input));
}

/**
 * The composed email as an RFC 5322 message and its SMTP envelope, for the raw-MIME providers (Postmark, Mailgun,
 * the relay): the message SendGrid's raw mode would carry, without the Received line SendGrid's MX adds.
 */
export function composeMessage(input: ComposeInput): MessageDelivery {
  const description = composeDescription(input);
  const email = inboundFormParts({ ...description, mode: 'raw' }).find((part) => part.name === 'email')!.value;
  const firstLine = email.indexOf('\r\n');
  const message = /^Received: [^\r\n]* by mx\.sendgrid\.net /.test(email.toString('latin1', 0, firstLine))
    ? email.subarray(firstLine + 2)
    : email;
  const address = (a: string) => parseAddressList(a)[0]?.address ?? a;
  return {
    message,
    envelope: {
      from: address(input.from),
      to: [...new Set([...input.to, ...input.cc, ...input.bcc].map(address))],
    },
  };
}

/** The unfolded header block of a MIME message, as name → raw values. */
function headerFields(message: Buffer): Map<string, string[]> {
  const text = message.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n(?=[ \t])/g, '');
  const fields = new Map<string, string[]>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/** What a pasted message says about itself: its From, To, Cc and Subject, and the envelope recipients. */
function emlSummary(eml: Buffer, givenEnvelopeTo: string[] | undefined) {
  const fields = headerFields(eml);
  if (fields.size === 0)
    throw new ComposeError('that does not look like an email: no header lines before the first empty line');
  const first = (name: string) => fields.get(name)?.[0] ?? '';
  const from = first('from');
  const fromAddress = parseAddressList(from)[0]?.address;
  if (!fromAddress) throw new ComposeError('the message has no From address');
  const to = first('to');
  const cc = first('cc');
  const envelopeTo = givenEnvelopeTo?.length
    ? givenEnvelopeTo
    : [...parseAddressList(to), ...parseAddressList(cc)].map((a) => a.address);
  if (envelopeTo.length === 0)
    throw new ComposeError('no recipients: the message has no To or Cc; give envelope recipients');
  return { from, fromAddress, to, cc, subject: first('subject'), envelopeTo };
}

/** A pasted message for a raw-MIME provider: the bytes unchanged, the envelope as for `emlPost`. */
export function emlDelivery(eml: Buffer, options: { envelopeTo?: string[] } = {}): MessageDelivery {
  const { fromAddress, envelopeTo } = emlSummary(eml, options.envelopeTo);
  return { message: eml, envelope: { from: fromAddress, to: envelopeTo } };
}

/**
 * A raw-mode post carrying `eml` unchanged in the `email` field, with the summary fields SendGrid adds.
 * The envelope recipients default to the To and Cc addresses (give them for Bcc or a different route).
 */
export function emlPost(eml: Buffer, options: { envelopeTo?: string[]; auth?: AuthResult } = {}): BuiltPost {
  const { from, fromAddress, to, cc, subject, envelopeTo } = emlSummary(eml, options.envelopeTo);
  const auth = options.auth ?? 'pass';
  const field = (name: string, value: string | Buffer): FormPart => ({
    name,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
  });
  const received = `Received: from console.mailroom.test (console.mailroom.test [192.0.2.25]) by mx.sendgrid.net with ESMTP for <${envelopeTo[0]}>; ${new Date().toUTCString()}\r\n`;
  const parts: FormPart[] = [
    field('email', Buffer.concat([Buffer.from(received, 'latin1'), eml])),
    field('dkim', dkimField(fromAddress, auth)),
    field('sender_ip', '192.0.2.25'),
    field('charsets', JSON.stringify({ to: 'UTF-8', from: 'UTF-8', subject: 'UTF-8', ...(cc ? { cc: 'UTF-8' } : {}) })),
    field('SPF', auth === 'none' ? 'none' : auth),
    field('to', to),
    ...(cc ? [field('cc', cc)] : []),
    field('from', from),
    field('subject', subject),
    field('envelope', JSON.stringify({ from: fromAddress, to: envelopeTo })),
  ];
  // SendGrid's boundary unless the message itself contains it.
  const boundary = eml.includes('--xYzZY') ? `mailroom-${randomUUID()}` : 'xYzZY';
  const body = multipartBody(parts, boundary);
  const contentType = multipartContentType(boundary);
  return {
    body,
    contentType,
    headers: { 'content-type': contentType, 'content-length': String(body.length), 'user-agent': 'Sendlib/1.0' },
  };
}
