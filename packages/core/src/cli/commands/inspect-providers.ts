/**
 * What `mailroom inspect` reads besides SendGrid's posts: a captured Postmark, Mailgun, SES (SNS) or relay request, told apart
 * by its Content-Type and fields when `--provider` is not given, and read the way that provider's endpoint reads it
 * (the same envelope and form rules) into the message it hands to `mailroom.deliver()`. Nothing is authenticated.
 */
import { formPartsOf, mediaTypeOf, type CapturedProvider } from '../../ingress/index.js';

export const INSPECT_PROVIDERS = ['sendgrid', 'postmark', 'mailgun', 'ses', 'relay'] as const satisfies ReadonlyArray<
  CapturedProvider | 'sendgrid'
>;
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

/**
 * Which provider posted the capture: Postmark's JSON (`RawEmail`, `MessageID`), Mailgun's form (`body-mime`,
 * `signature`), the relay's `message/rfc822`, SendGrid's multipart (`envelope` with `email` or parsed fields).
 */
export function detectProvider(input: InspectInput): InspectProvider {
  const { body, contentType, headers } = input;
  const mimeType = mediaTypeOf(contentType);
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
