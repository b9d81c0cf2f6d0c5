import { IngressConfigurationError, IngressError } from '../errors.js';
import { createBodyReader } from '../ingress.js';
import type { IngressLimits } from '../limits.js';
import { parseContentType } from '../multipart.js';
import { jsonResponse } from '../rejection.js';
import {
  beforeBody,
  type DeliveryTarget,
  type WebhookLogger,
  type WebhookReceipt,
  type WebhookReceiver,
} from '../webhook/index.js';
import { CertificateCache, fetchCertificateOverHttps, type FetchCertificate } from './certificates.js';
import { receiptDelivery, sesReceiptOf, type ReadS3Object } from './notification.js';
import { topicNotAllowed, verifySnsMessage } from './signature.js';
import { parseSnsMessage, SNS_MESSAGE_TYPES, subscribeUrlOf, type SnsMessage } from './sns.js';

export interface SesInboundOptions {
  /** The SNS topics the receipt rules publish to (`arn:aws:sns:<region>:<account>:<name>`); others are a 403. */
  topicArns: readonly string[];
  /**
   * Reads a message an S3 action stored (`{ bucket, key }` from the notification), e.g. with the AWS SDK's
   * `GetObjectCommand`. Without it, a notification from an S3 action is a 422 saying how to configure it.
   */
  readS3Object?: ReadS3Object;
  /** Fetches a signing certificate's PEM; default global `fetch` (5 s, 64 KiB, no redirects). */
  fetchCertificate?: FetchCertificate;
  /** Confirms a subscription by GETting SNS's SubscribeURL; default global `fetch` (10 s, no redirects). */
  confirmSubscription?: (subscribeUrl: string) => Promise<void>;
  /** How old a message's signed Timestamp may be, in seconds; default 3600 (SNS retries HTTP for at most 1 h). */
  maxMessageAgeSeconds?: number;
  /** Request body limits; `maxBodyBytes` defaults to `SES_MAX_BODY_BYTES` (SNS messages are 256 KB at most). */
  limits?: IngressLimits;
  /** Server faults (`error`) and subscription changes (`warn`, when it has one); default `console`. */
  logger?: WebhookLogger & { warn?(message: string, ...details: unknown[]): void };
}

/** An SNS message is at most 256 KB; JSON-escaping it into the envelope can double that. */
export const SES_MAX_BODY_BYTES = 1024 * 1024;
const CONFIRM_TIMEOUT_MS = 10_000;
const TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z0-9-]{1,40}:\d{12}:[\w-]{1,256}(?:\.fifo)?$/;

/**
 * SES receipt rules' notifications through an SNS HTTPS subscription, as a receiver (see `index.ts`); `sesInbound`
 * in `@mailroom/core/http` mounts it at `POST /`.
 */
export function createSesReceiver(mailroom: DeliveryTarget, options: SesInboundOptions): WebhookReceiver {
  const topicArns = topicArnsOf(options?.topicArns);
  const maxAgeSeconds = options.maxMessageAgeSeconds ?? 3600;
  if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0) {
    throw new IngressConfigurationError(
      `sesInbound: maxMessageAgeSeconds must be a positive number, got ${maxAgeSeconds}`,
    );
  }
  const certificates = new CertificateCache(options.fetchCertificate ?? fetchCertificateOverHttps);
  const confirmSubscription = options.confirmSubscription ?? confirmOverHttps;
  const readBody = createBodyReader({
    ...options.limits,
    maxBodyBytes: options.limits?.maxBodyBytes ?? SES_MAX_BODY_BYTES,
  });
  const logger = options.logger ?? console;

  async function receive(body: Buffer, headerType: string | null): Promise<WebhookReceipt> {
    const message = parseSnsMessage(body);
    if (headerType !== null && headerType !== message.Type) {
      throw new IngressError(
        400,
        'sns_message_type_mismatch',
        `x-amz-sns-message-type says ${headerType} but the message's Type is ${message.Type}`,
      );
    }
    await verifySnsMessage(message, { topicArns, maxAgeSeconds, certificates }, Date.now());
    if (message.Type === 'SubscriptionConfirmation') return confirm(message);
    if (message.Type === 'UnsubscribeConfirmation') {
      logger.warn?.(
        `mailroom: SNS unsubscribed this endpoint from ${message.TopicArn}; mail published to it no longer ` +
          'arrives here (SubscribeURL subscribes again)',
      );
      return jsonResponse(200, { unsubscribed: true, topicArn: message.TopicArn });
    }
    const receipt = await sesReceiptOf(message.Message, options.readS3Object);
    if (receipt.kind === 'ignored') return jsonResponse(200, { ignored: receipt.notificationType });
    return mailroom.deliver({ ...receiptDelivery(receipt, message), authenticatedBy: ['sns-signature'] });
  }

  async function confirm(message: SnsMessage): Promise<Response> {
    const url = subscribeUrlOf(message.SubscribeURL!);
    try {
      await confirmSubscription(url.href);
    } catch (error) {
      logger.error(`mailroom: confirming the SNS subscription to ${message.TopicArn} failed`, error);
      throw new IngressError(
        503,
        'subscription_confirmation_failed',
        'GET SubscribeURL failed; answering 503 so SNS sends the confirmation again',
        { retryAfterSeconds: 60, cause: error },
      );
    }
    return jsonResponse(200, { confirmed: true, topicArn: message.TopicArn });
  }

  return async (request) => {
    const headerType = await beforeBody(() => checkHeaders(request, topicArns));
    return readBody(request, (body) => receive(body, headerType));
  };
}

/**
 * What is refused before the body is read (the connection then closes): a Content-Type SNS does not send (415),
 * an `x-amz-sns-message-type` that is not SNS's (400), an `x-amz-sns-topic-arn` not configured (403; the signed
 * TopicArn is checked again after). Returns the header's message type, if sent.
 */
function checkHeaders(request: Request, topicArns: ReadonlySet<string>): string | null {
  const contentType = request.headers.get('content-type') ?? '';
  let mimeType: string | undefined;
  try {
    mimeType = parseContentType(contentType)?.mimeType;
  } catch {
    mimeType = undefined; // not a media type at all
  }
  if (mimeType !== 'text/plain' && mimeType !== 'application/json') {
    throw new IngressError(
      415,
      'unsupported_media_type',
      `unsupported Content-Type ${JSON.stringify(contentType.slice(0, 100))}; SNS posts text/plain JSON`,
    );
  }
  const type = request.headers.get('x-amz-sns-message-type');
  if (type !== null && !(SNS_MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw new IngressError(
      400,
      'sns_message_type_unsupported',
      `x-amz-sns-message-type ${JSON.stringify(type.slice(0, 60))} is not one of ${SNS_MESSAGE_TYPES.join(', ')}`,
    );
  }
  const topicArn = request.headers.get('x-amz-sns-topic-arn');
  if (topicArn !== null && !topicArns.has(topicArn)) throw topicNotAllowed(topicArn);
  return type;
}

async function confirmOverHttps(subscribeUrl: string): Promise<void> {
  const response = await fetch(subscribeUrl, { redirect: 'error', signal: AbortSignal.timeout(CONFIRM_TIMEOUT_MS) });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`GET SubscribeURL answered ${response.status}`);
}

function topicArnsOf(topicArns: readonly string[] | undefined): ReadonlySet<string> {
  if (!Array.isArray(topicArns) || topicArns.length === 0) {
    throw new IngressConfigurationError(
      'sesInbound needs topicArns: the ARNs of the SNS topics your SES receipt rules publish to ' +
        '(arn:aws:sns:<region>:<account>:<topic>)',
    );
  }
  for (const arn of topicArns) {
    if (typeof arn !== 'string' || !TOPIC_ARN.test(arn)) {
      throw new IngressConfigurationError(
        `sesInbound: ${JSON.stringify(String(arn).slice(0, 300))} is not an SNS topic ARN ` +
          '(arn:aws:sns:<region>:<account>:<topic>)',
      );
    }
  }
  return new Set(topicArns);
}
