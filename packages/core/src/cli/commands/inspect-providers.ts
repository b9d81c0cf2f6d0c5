/**
 * What `mailroom inspect` reads besides SendGrid's posts: a captured Postmark, Mailgun, SES (SNS) or relay request, told apart
 * by its Content-Type and fields when `--provider` is not given, and read the way that provider's endpoint reads it
 * (the same envelope and form rules) into the message it hands to `mailroom.deliver()`. Nothing is authenticated.
 */
import type { MimeDelivery } from '../../ingress/delivery.js';
import { IngressError } from '../../ingress/errors.js';
import { resolveLimits } from '../../ingress/limits.js';
import { formKindOf, readFields } from '../../ingress/mailgun/fields.js';
import { readMailgunFields } from '../../ingress/mailgun/mailgun.js';
import { parseContentType } from '../../ingress/multipart.js';
import { readPostmarkPost } from '../../ingress/postmark/postmark.js';
import { formPartsOf } from '../../ingress/raw-message.js';
import {
  RELAY_ENVELOPE_FROM_HEADER,
  RELAY_ENVELOPE_TO_HEADER,
  parseRelayEnvelope,
} from '../../ingress/relay/envelope.js';
import { receiptDelivery, sesReceiptOf } from '../../ingress/ses/notification.js';
import { parseSnsMessage } from '../../ingress/ses/sns.js';

export const INSPECT_PROVIDERS = ['sendgrid', 'postmark', 'mailgun', 'ses', 'relay'] as const;
export type InspectProvider = (typeof INSPECT_PROVIDERS)[number];

/** One capture, whatever it was: a request read back, a bare body with `--content-type`, or a bare message. */
export interface InspectInput {
  /** Where it was posted (signature checks need it); `http://localhost/` for a bare body. */
  url: string;
  /** The request's headers, framing headers removed (a bare body: only its Content-Type). */
  headers: Headers;
  body: Buffer;
  contentType: string;
}

/** A capture that says nothing a provider would post: the message tells the user what to pass. */
class UndetectableCapture extends Error {
  override readonly name = 'UndetectableCapture';
  constructor(what: string) {
    super(`cannot tell which provider sent this: ${what}; pass --provider ${INSPECT_PROVIDERS.join('|')}`);
  }
}

/**
 * A bare RFC 5322 message (no request line): its first line is a header field (`Name: value`). An HTTP request line
 * never is one (a method, then a space), so the two cannot be confused.
 */
export function looksLikeMessage(bytes: Buffer): boolean {
  const first = bytes.toString('latin1', 0, Math.min(bytes.length, 1000)).split(/\r?\n/, 1)[0]!;
  return /^[!-9;-~]+:/.test(first);
}

/** An HTTP/1.x request line at the start. */
export function looksLikeRequest(bytes: Buffer): boolean {
  return /^[A-Z]+ \S+ HTTP\/\d\.\d\r?\n/.test(bytes.toString('latin1', 0, Math.min(bytes.length, 8192)));
}

function mimeTypeOf(contentType: string): string | undefined {
  try {
    return parseContentType(contentType)?.mimeType;
  } catch {
    return undefined; // not a media type at all
  }
}

/**
 * Which provider posted the capture: Postmark's JSON (`RawEmail`, `MessageID`), Mailgun's form (`body-mime`,
 * `signature`), the relay's `message/rfc822`, SendGrid's multipart (`envelope` with `email` or parsed fields).
 */
export function detectProvider(input: InspectInput): InspectProvider {
  const { body, contentType, headers } = input;
  const mimeType = mimeTypeOf(contentType);
  if (mimeType === 'message/rfc822') return 'relay';
  // SNS names the message type in a header of its own, and posts its JSON as text/plain.
  if (headers.has('x-amz-sns-message-type')) return 'ses';
  if (mimeType === 'application/json') {
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new UndetectableCapture('an application/json body that is not JSON');
    }
    if (
      payload &&
      typeof payload === 'object' &&
      !Array.isArray(payload) &&
      ('RawEmail' in payload || 'MessageID' in payload)
    )
      return 'postmark';
    throw new UndetectableCapture('a JSON body without RawEmail or MessageID (Postmark posts both)');
  }
  if (mimeType === 'multipart/form-data' || mimeType === 'application/x-www-form-urlencoded') {
    let names: Set<string>;
    try {
      names = new Set(fieldNames(body, contentType, mimeType));
    } catch {
      // A form that does not split (no boundary, a truncated part): SendGrid's parser, the default, says what is wrong.
      return 'sendgrid';
    }
    if (names.has('body-mime') || names.has('signature')) return 'mailgun';
    if (names.has('envelope') && ['email', 'headers', 'from', 'text', 'html'].some((name) => names.has(name)))
      return 'sendgrid';
    throw new UndetectableCapture(
      "a form with neither SendGrid's envelope and email (or parsed) fields nor Mailgun's body-mime or signature",
    );
  }
  throw new UndetectableCapture(
    contentType ? `Content-Type ${JSON.stringify(contentType.slice(0, 100))}` : 'the request has no Content-Type',
  );
}

function fieldNames(body: Buffer, contentType: string, mimeType: string): string[] {
  if (mimeType === 'multipart/form-data') return formPartsOf(body, contentType).map((part) => part.name);
  return body
    .toString('latin1')
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0]!.replace(/\+/g, ' ');
      try {
        return decodeURIComponent(name);
      } catch {
        return name; // a stray % is no field name we look for
      }
    });
}

/** The message and envelope the provider's endpoint would hand to `mailroom.deliver()`. */
export async function deliveryOf(
  provider: Exclude<InspectProvider, 'sendgrid'>,
  input: InspectInput,
): Promise<MimeDelivery> {
  switch (provider) {
    case 'postmark':
      return postmarkDelivery(input);
    case 'ses':
      return sesDelivery(input);
    case 'mailgun':
      return mailgunDelivery(input);
    case 'relay':
      return relayDelivery(input);
  }
}

async function postmarkDelivery({ body, contentType }: InspectInput): Promise<MimeDelivery> {
  if (mimeTypeOf(contentType) !== 'application/json') throw unsupported(contentType, 'Postmark posts application/json');
  return readPostmarkPost(body);
}

function mailgunDelivery({ body, contentType }: InspectInput): MimeDelivery {
  return readMailgunFields(readFields(body, formKindOf(contentType), resolveLimits(undefined)));
}

/**
 * An SNS notification of an SES receipt rule, read as `sesInbound` reads it (signature not checked). A message SES
 * put in S3 is not in the capture: inspect says so (the endpoint reads it with `readS3Object`).
 */
async function sesDelivery({ body }: InspectInput): Promise<MimeDelivery> {
  const sns = parseSnsMessage(body);
  if (sns.Type !== 'Notification') {
    throw new IngressError(422, 'not_a_notification', `an SNS ${sns.Type} carries no message`);
  }
  const receipt = await sesReceiptOf(sns.Message, undefined);
  if (receipt.kind === 'ignored') {
    throw new IngressError(422, 'not_a_message', `an SES ${receipt.notificationType} carries no message`);
  }
  return receiptDelivery(receipt, sns);
}

function relayDelivery({ body, contentType, headers }: InspectInput): MimeDelivery {
  if (mimeTypeOf(contentType) !== 'message/rfc822') throw unsupported(contentType, 'the relay posts message/rfc822');
  const envelope = parseRelayEnvelope(headers.get(RELAY_ENVELOPE_FROM_HEADER), headers.get(RELAY_ENVELOPE_TO_HEADER));
  return { provider: 'relay', message: body, envelope };
}

function unsupported(contentType: string, expected: string): IngressError {
  return new IngressError(
    415,
    'unsupported_media_type',
    `unsupported Content-Type ${JSON.stringify(contentType.slice(0, 100))}; ${expected}`,
  );
}
