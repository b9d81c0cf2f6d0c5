import { IngressError } from '../errors.js';
import { jsonTokensExceed } from '../json.js';

/** The three kinds of message SNS posts to an HTTP/S subscription (`x-amz-sns-message-type`, and `Type`). */
export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export const SNS_MESSAGE_TYPES: readonly SnsMessageType[] = [
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
];

/** One SNS message as posted (the JSON document's string fields). */
// A type, not an interface: it is then a Record<string, unknown> too (the string to sign reads fields by name).
export type SnsMessage = {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
};

/**
 * The fields SNS signs, in the order of its string to sign (AWS: "Verifying the signatures of Amazon SNS messages").
 * A Notification's Subject is signed only when present.
 */
const SIGNED_FIELDS: Record<SnsMessageType, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** What SNS signs for `message`: each signed field present as `Name\nvalue\n`, in SNS's order. */
export function snsStringToSign(message: Readonly<Record<string, unknown>>): string {
  const type = message.Type;
  if (typeof type !== 'string' || !(SNS_MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new TypeError(`not an SNS message type: ${JSON.stringify(type)}`);
  }
  let out = '';
  for (const name of SIGNED_FIELDS[type as SnsMessageType]) {
    const value = message[name];
    if (typeof value === 'string') out += `${name}\n${value}\n`;
  }
  return out;
}

/** Fields a message of each type must carry (beyond the signature's own); Subject is optional. */
const REQUIRED_FIELDS: Record<SnsMessageType, readonly string[]> = {
  Notification: ['MessageId', 'TopicArn', 'Message', 'Timestamp'],
  SubscriptionConfirmation: ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SubscribeURL', 'Token'],
  UnsubscribeConfirmation: ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SubscribeURL', 'Token'],
};
const SIGNATURE_FIELDS = ['SignatureVersion', 'Signature', 'SigningCertURL'];

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Structural tokens (`{ [ : ,` outside strings) an SNS message may hold: it is one object of a dozen string fields
 * (the SES notification is one of them, a string), a few more with MessageAttributes. JSON.parse runs on the event
 * loop, before the signature can be checked, and its time grows with the values it builds, not the bytes: 3 MB of
 * empty objects beside the fields took ~200 ms of CPU. Counted first, stopping at the limit.
 */
const MAX_JSON_TOKENS = 10_000;

function checkJsonShape(body: Buffer): void {
  if (jsonTokensExceed(body, MAX_JSON_TOKENS)) {
    throw new IngressError(
      400,
      'invalid_sns_message',
      `the JSON holds more than ${MAX_JSON_TOKENS} objects, arrays and values; an SNS message is one object of ` +
        'a dozen strings',
    );
  }
}

/** The posted body as an SNS message: UTF-8 JSON, one object, the fields its Type requires, all strings. */
export function parseSnsMessage(body: Buffer): SnsMessage {
  checkJsonShape(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(body));
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message.slice(0, 200) : 'the body is not UTF-8';
    throw new IngressError(400, 'invalid_json', `the body is not JSON: ${detail}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new IngressError(400, 'invalid_sns_message', 'the body is not a JSON object (SNS posts one message)');
  }
  const fields = parsed as Record<string, unknown>;
  if (fields.Type === undefined && fields.notificationType !== undefined) {
    throw new IngressError(
      401,
      'signature_missing',
      'the body is an SES notification without its SNS envelope: the subscription has raw message delivery on; ' +
        "turn it off (Mailroom verifies SNS's signature, which only the envelope carries)",
    );
  }
  const type = fields.Type;
  if (typeof type !== 'string' || !(SNS_MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new IngressError(
      400,
      'sns_message_type_unsupported',
      `Type ${JSON.stringify(String(type).slice(0, 60))} is not one of ${SNS_MESSAGE_TYPES.join(', ')}`,
    );
  }
  const missingSignature = SIGNATURE_FIELDS.filter((name) => typeof fields[name] !== 'string' || !fields[name]);
  if (missingSignature.length > 0) {
    throw new IngressError(401, 'signature_missing', `unsigned SNS message: no ${missingSignature.join(', ')}`);
  }
  const missing = REQUIRED_FIELDS[type as SnsMessageType].filter((name) => typeof fields[name] !== 'string');
  if (fields.Subject !== undefined && typeof fields.Subject !== 'string') missing.push('Subject (a string)');
  if (missing.length > 0) {
    throw new IngressError(400, 'invalid_sns_message', `the ${type} message has no ${missing.join(', ')}`);
  }
  return fields as SnsMessage;
}

/**
 * SNS's own hosts: `sns.<region>.amazonaws.com` (`.com.cn` in China). A region is letters-dash-…-digit
 * (`us-east-1`, `us-gov-west-1`, `cn-north-1`), so S3's `sns.s3.amazonaws.com` (a bucket named "sns") and other
 * amazonaws.com hosts that anyone can put files on do not match. Each `-` starts a new group, so it is linear.
 */
const SNS_HOST = /^sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?$/;
/** A certificate's path: one segment ending in `.pem` (SNS: `/SimpleNotificationService-<hex>.pem`). */
const CERT_PATH = /^\/[\w.-]{1,200}\.pem$/;
const MAX_URL_LENGTH = 2048;

/** SigningCertURL as a URL SNS serves (https, an SNS host, no userinfo or port, a `.pem` path), else a 403. */
export function signingCertUrlOf(value: string): URL {
  const url = snsUrlOf(value);
  if (!url || !CERT_PATH.test(url.pathname) || url.search !== '' || url.hash !== '') {
    throw new IngressError(
      403,
      'signing_cert_url_refused',
      `SigningCertURL ${JSON.stringify(value.slice(0, 200))} is not a certificate on an SNS host ` +
        '(https://sns.<region>.amazonaws.com/….pem); the certificate was not fetched',
    );
  }
  return url;
}

/** SubscribeURL as a URL SNS serves (https, an SNS host, no userinfo or port), else a 403. */
export function subscribeUrlOf(value: string): URL {
  const url = snsUrlOf(value);
  if (!url || url.hash !== '') {
    throw new IngressError(
      403,
      'subscribe_url_refused',
      `SubscribeURL ${JSON.stringify(value.slice(0, 200))} is not on an SNS host (https://sns.<region>.amazonaws.com/); ` +
        'the subscription was not confirmed',
    );
  }
  return url;
}

function snsUrlOf(value: string): URL | null {
  if (value.length > MAX_URL_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const plain = url.protocol === 'https:' && url.username === '' && url.password === '' && url.port === '';
  return plain && SNS_HOST.test(url.hostname) ? url : null;
}
