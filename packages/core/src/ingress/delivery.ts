import { randomBytes } from 'node:crypto';
import {
  providerDataOf,
  type Envelope,
  type ProviderData,
  type ProviderName,
  type SpamCheck,
} from '../message/index.js';
import { bodyTooLarge } from './body.js';
import { IngressError } from './errors.js';
import { PROVIDER_DATA_FIELD, PROVIDER_FIELD } from './form.js';
import { receivedPost, unparsedPost, type AcceptedPost } from './ingress.js';
import { resolveLimits, type IngressLimits } from './limits.js';
import { parseFormBody } from './parse.js';
import { summarizeUnparsed } from './unparsed.js';
import type { AuthMethod } from './verify/index.js';

/**
 * One message handed over by a raw-MIME ingress (an MTA relay, the SMTP receiver, a provider's raw webhook): the
 * RFC 5322 bytes exactly as received, and the SMTP envelope they came with.
 */
export interface MimeDelivery {
  provider: Exclude<ProviderName, 'sendgrid'>;
  message: Buffer;
  envelope: Envelope;
  /** How the ingress authenticated the delivery (kept on the post like SendGrid's). */
  authenticatedBy?: AuthMethod[];
  /** The provider's SPF result for the envelope sender, when it reports one (RFC 7208 word): `email.auth.spf`. */
  spf?: string | null;
  /** The provider's spam check, when it ran one: `email.spam`. */
  spam?: SpamCheck | null;
  /** What the provider reported beside the message (`email.providerData`; its name must be `provider`). */
  providerData?: Exclude<ProviderData, { name: 'sendgrid' }>;
}

/**
 * The stored form of a raw-MIME delivery: the container SendGrid's raw mode posts (`multipart/form-data` with the
 * `envelope` as JSON and the message in `email`) plus a `mailroom-provider` field, so one re-parse, one DKIM check
 * and one console view serve every ingress. Parsed now (`parse: 'on-receipt'`: a malformed message is an
 * IngressError 4xx) or summarized for the worker to parse (`'in-worker'`, small messages).
 */
export async function storedFormOf(
  delivery: MimeDelivery,
  options: { limits?: IngressLimits; parse?: 'on-receipt' | 'in-worker' } = {},
): Promise<AcceptedPost> {
  const limits = resolveLimits(options.limits);
  const { message, envelope, provider } = delivery;
  if (message.length === 0) throw new IngressError(400, 'empty_message', 'the message is empty');
  const fields: Array<[string, Buffer]> = [
    ['envelope', Buffer.from(JSON.stringify({ from: envelope.from, to: envelope.to }))],
    [PROVIDER_FIELD, Buffer.from(provider)],
    ...providerDataFields(delivery),
    ...verdictFields(delivery),
    ['email', message],
  ];
  const boundary = boundaryFor(message);
  const body = formBody(fields, boundary);
  if (body.length > limits.maxBodyBytes) throw bodyTooLarge(limits.maxBodyBytes);
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const authenticatedBy = delivery.authenticatedBy ?? [];
  if (options.parse === 'in-worker') {
    const unparsed = summarizeUnparsed(body, boundary, limits);
    if (unparsed) return unparsedPost(unparsed, body, contentType, authenticatedBy);
  }
  const { email, bodySha256 } = await parseFormBody(body, boundary, limits);
  return receivedPost(email, body, contentType, authenticatedBy, bodySha256);
}

/** The provider's verdicts as the fields SendGrid reports its own in (`SPF`, `spam_score`, `spam_report`). */
function verdictFields({ spf, spam }: MimeDelivery): Array<[string, Buffer]> {
  const fields: Array<[string, Buffer]> = [];
  if (spf) fields.push(['SPF', Buffer.from(spf)]);
  if (spam) {
    if (spam.score !== null) fields.push(['spam_score', Buffer.from(String(spam.score))]);
    if (spam.report !== null) fields.push(['spam_report', Buffer.from(spam.report)]);
  }
  return fields;
}

/** The provider data as `FormData` reads it back: checked and bounded here, so the stored row is too. */
function providerDataFields({ provider, providerData }: MimeDelivery): Array<[string, Buffer]> {
  if (!providerData) return [];
  return [[PROVIDER_DATA_FIELD, Buffer.from(JSON.stringify(providerDataOf(provider, providerData)))]];
}

/** A random boundary the message does not contain (a collision is astronomically unlikely, but checked). */
function boundaryFor(message: Buffer): string {
  for (;;) {
    const boundary = `mailroom-${randomBytes(12).toString('hex')}`;
    if (!message.includes(`--${boundary}`)) return boundary;
  }
}

function formBody(fields: ReadonlyArray<[string, Buffer]>, boundary: string): Buffer {
  const pieces: Buffer[] = [];
  for (const [name, value] of fields) {
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`), value);
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}
