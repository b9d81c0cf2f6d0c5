import type { MimeDelivery } from './delivery.js';
import { IngressError } from './errors.js';
import { resolveLimits } from './limits.js';
import { formKindOf, readFields } from './mailgun/fields.js';
import { readMailgunFields } from './mailgun/mailgun.js';
import { parseContentType } from './multipart.js';
import { readPostmarkPost } from './postmark/postmark.js';
import { RELAY_ENVELOPE_FROM_HEADER, RELAY_ENVELOPE_TO_HEADER, parseRelayEnvelope } from './relay/envelope.js';
import { receiptDelivery, sesReceiptOf } from './ses/notification.js';
import { parseSnsMessage } from './ses/sns.js';

/** The providers whose captured requests `readProviderCapture` reads (SendGrid's are read by `createIngress`). */
export type CapturedProvider = 'postmark' | 'mailgun' | 'ses' | 'relay';

/** A request as captured: its body, its Content-Type and its other headers (the relay's envelope, SNS's type). */
export interface ProviderCapture {
  headers: Headers;
  body: Buffer;
  contentType: string;
}

/** A Content-Type's media type, lower case; undefined for one that is not a media type at all. */
export function mediaTypeOf(contentType: string): string | undefined {
  try {
    return parseContentType(contentType)?.mimeType;
  } catch {
    return undefined;
  }
}

/**
 * The delivery a provider's endpoint would hand to `mailroom.deliver()` for a captured request (`mailroom inspect`),
 * read by the endpoint's own readers, so a capture gets the answers the endpoint would give. Nothing is
 * authenticated: a capture's signature, secret or credentials are not checked.
 */
export async function readProviderCapture(provider: CapturedProvider, input: ProviderCapture): Promise<MimeDelivery> {
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

async function postmarkDelivery({ body, contentType }: ProviderCapture): Promise<MimeDelivery> {
  if (mediaTypeOf(contentType) !== 'application/json')
    throw unsupported(contentType, 'Postmark posts application/json');
  return readPostmarkPost(body);
}

function mailgunDelivery({ body, contentType }: ProviderCapture): MimeDelivery {
  return readMailgunFields(readFields(body, formKindOf(contentType), resolveLimits(undefined)));
}

/**
 * An SNS notification of an SES receipt rule, read as `sesInbound` reads it (signature not checked). A message SES
 * put in S3 is not in the capture: inspect says so (the endpoint reads it with `readS3Object`).
 */
async function sesDelivery({ body }: ProviderCapture): Promise<MimeDelivery> {
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

function relayDelivery({ body, contentType, headers }: ProviderCapture): MimeDelivery {
  if (mediaTypeOf(contentType) !== 'message/rfc822') throw unsupported(contentType, 'the relay posts message/rfc822');
  const envelope = parseRelayEnvelope(headers.get(RELAY_ENVELOPE_FROM_HEADER), headers.get(RELAY_ENVELOPE_TO_HEADER));
  return { provider: 'relay', message: body, envelope, providerData: { name: 'relay' } };
}

function unsupported(contentType: string, expected: string): IngressError {
  return new IngressError(
    415,
    'unsupported_media_type',
    `unsupported Content-Type ${JSON.stringify(contentType.slice(0, 100))}; ${expected}`,
  );
}
