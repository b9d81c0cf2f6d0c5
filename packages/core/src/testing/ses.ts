import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { snsStringToSign } from '../ingress/ses/index.js';
import { asMessage, headerFieldsOf, mailboxesOf } from './message-headers.js';

export const DEFAULT_SES_URL = 'http://localhost/webhooks/ses';
export const DEFAULT_SNS_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:mailroom-inbound';
/** Where the test signer says its certificate is: an SNS host, so `sesInbound` accepts the URL. */
export const DEFAULT_SNS_SIGNING_CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-00000000000000000000000000000000.pem';

/** Signs SNS messages with a test key, and serves its certificate to `sesInbound({ fetchCertificate })`. */
export interface SnsTestSigner {
  /** The SigningCertURL messages name (`DEFAULT_SNS_SIGNING_CERT_URL` unless given). */
  readonly signingCertUrl: string;
  /** The certificate's PEM. */
  readonly certificate: string;
  /** Every URL `fetchCertificate` was asked for, in order (a refused URL must never show up here). */
  readonly fetched: string[];
  /** For `sesInbound`'s `fetchCertificate`: the PEM for `signingCertUrl`, a rejection for any other URL. */
  fetchCertificate(url: string): Promise<string>;
  /** Base64 RSA signature of SNS's string to sign for `message` (version 1: SHA-1, 2: SHA-256). */
  sign(message: Readonly<Record<string, unknown>>, version?: '1' | '2'): string;
}

/**
 * A signer over a test key and a self-signed certificate for it (PEM; e.g. `openssl req -x509 -newkey rsa:2048
 * -nodes -days 36500 -subj /CN=sns.test`). Node cannot make certificates by itself, so the pair is the caller's.
 */
export function createSnsTestSigner(options: {
  privateKey: string | KeyObject;
  certificate: string;
  signingCertUrl?: string;
}): SnsTestSigner {
  const key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  const signingCertUrl = options.signingCertUrl ?? DEFAULT_SNS_SIGNING_CERT_URL;
  const fetched: string[] = [];
  return {
    signingCertUrl,
    certificate: options.certificate,
    fetched,
    async fetchCertificate(url) {
      fetched.push(url);
      if (url !== signingCertUrl) throw new Error(`no test certificate at ${url}`);
      return options.certificate;
    },
    sign(message, version = '2') {
      const digest = version === '1' ? 'sha1' : 'sha256';
      return sign(digest, Buffer.from(snsStringToSign(message), 'utf8'), key).toString('base64');
    },
  };
}

interface SnsRequestCommon {
  /** Default `http://localhost/webhooks/ses`. */
  url?: string;
  /** Default `DEFAULT_SNS_TOPIC_ARN`. */
  topicArn?: string;
  signer: SnsTestSigner;
  /** Default `'2'` (RSA-SHA256); `'1'` is RSA-SHA1. */
  signatureVersion?: '1' | '2';
  /** The signed Timestamp; default now. */
  timestamp?: Date;
  /** Default a random UUID, as SNS's. */
  messageId?: string;
  /** SNS fields set (or, undefined, removed) before signing. */
  fields?: Record<string, string | undefined>;
  /** SNS fields set (or removed) after signing: forgeries, other certificate URLs. */
  forge?: Record<string, string | undefined>;
  /** Extra request headers (override the computed ones). */
  headers?: Record<string, string>;
}

export interface SesNotificationRequestOptions extends SnsRequestCommon {
  /**
   * How the receipt rule delivered the message: `'UTF8'` (default) or `'BASE64'`, an SNS action with the message
   * in `content`; `'S3'`, an S3 action naming `s3` (no content).
   */
  action?: 'UTF8' | 'BASE64' | 'S3';
  /** The S3 action's object; default `{ bucket: 'mailroom-inbound', key: <SES message id> }`. */
  s3?: { bucket: string; key: string };
  /** `receipt.recipients`; default the To addresses. */
  recipients?: string[];
  /** `mail.source` (the SMTP sender); default the From address. */
  source?: string;
  /** Fields merged into the SES notification (`notificationType`, `receipt`…) before it is serialized. */
  notification?: Record<string, unknown>;
  /** The SNS `Message` verbatim instead of the SES notification (malformed ones). */
  rawMessage?: string;
}

/**
 * The SES notification (`Message`) a receipt rule publishes for `message`: `notificationType: "Received"`, `mail`
 * (source, destination, messageId, commonHeaders), `receipt` (recipients, verdicts, action) and `content`.
 */
export function sesNotificationPayload(
  message: string | Buffer,
  options: Omit<SesNotificationRequestOptions, 'signer'> = {},
): Record<string, unknown> {
  const raw = asMessage(message);
  const headers = headerFieldsOf(raw);
  const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
  const to = mailboxesOf(header('To')).map((m) => m.email);
  const from = mailboxesOf(header('From'))[0]?.email ?? '';
  const sesId = randomUUID().replace(/-/g, '').slice(0, 20);
  const topicArn = options.topicArn ?? DEFAULT_SNS_TOPIC_ARN;
  const kind = options.action ?? 'UTF8';
  const pass = { status: 'PASS' };
  const s3 = options.s3 ?? { bucket: 'mailroom-inbound', key: sesId };
  const action =
    kind === 'S3'
      ? { type: 'S3', topicArn, bucketName: s3.bucket, objectKeyPrefix: '', objectKey: s3.key }
      : { type: 'SNS', topicArn, encoding: kind };
  const now = (options.timestamp ?? new Date()).toISOString();
  return {
    notificationType: 'Received',
    mail: {
      timestamp: now,
      source: options.source ?? from,
      messageId: sesId,
      destination: to,
      headersTruncated: false,
      headers: headers.map((h) => ({ name: h.name, value: h.value })),
      commonHeaders: {
        returnPath: options.source ?? from,
        from: header('From') ? [header('From')] : [],
        date: header('Date') ?? '',
        to: header('To') ? [header('To')] : [],
        messageId: header('Message-ID') ?? '',
        subject: header('Subject') ?? '',
      },
    },
    receipt: {
      timestamp: now,
      processingTimeMillis: 412,
      recipients: options.recipients ?? to,
      spamVerdict: pass,
      virusVerdict: pass,
      spfVerdict: pass,
      dkimVerdict: pass,
      dmarcVerdict: pass,
      action,
    },
    ...(kind === 'S3' ? {} : { content: kind === 'BASE64' ? raw.toString('base64') : raw.toString('utf8') }),
    ...options.notification,
  };
}

/**
 * A `Request` as SNS posts an SES receipt notification to an HTTPS subscription: `text/plain` JSON, the
 * `x-amz-sns-*` headers, signed by `signer` (whose certificate `sesInbound` must fetch: pass
 * `fetchCertificate: signer.fetchCertificate`).
 *
 * @example
 * ```ts
 * const response = await fetch(sesNotificationRequest(message, { url: `${t.url}/webhooks/ses`, signer }));
 * ```
 */
export function sesNotificationRequest(message: string | Buffer, options: SesNotificationRequestOptions): Request {
  const topicArn = options.topicArn ?? DEFAULT_SNS_TOPIC_ARN;
  const payload = options.rawMessage ?? JSON.stringify(sesNotificationPayload(message, options));
  return snsRequest(
    {
      Type: 'Notification',
      MessageId: options.messageId ?? randomUUID(),
      TopicArn: topicArn,
      Subject: 'Amazon SES Email Receipt Notification',
      Message: payload,
      Timestamp: (options.timestamp ?? new Date()).toISOString(),
      UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${randomUUID()}`,
    },
    options,
  );
}

export interface SnsSubscriptionRequestOptions extends SnsRequestCommon {
  /** Default `'SubscriptionConfirmation'`. */
  type?: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  /** Default SNS's ConfirmSubscription URL for the topic with a random token. */
  subscribeUrl?: string;
}

/** A `Request` as SNS posts a subscription's (un)subscribe confirmation, signed by `signer`. */
export function snsSubscriptionRequest(options: SnsSubscriptionRequestOptions): Request {
  const topicArn = options.topicArn ?? DEFAULT_SNS_TOPIC_ARN;
  const token = randomUUID().replace(/-/g, '').repeat(4);
  const subscribeUrl =
    options.subscribeUrl ??
    `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`;
  const type = options.type ?? 'SubscriptionConfirmation';
  return snsRequest(
    {
      Type: type,
      MessageId: options.messageId ?? randomUUID(),
      Token: token,
      TopicArn: topicArn,
      Message:
        type === 'SubscriptionConfirmation'
          ? `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`
          : `You have chosen to deactivate subscription to the topic ${topicArn}.`,
      SubscribeURL: subscribeUrl,
      Timestamp: (options.timestamp ?? new Date()).toISOString(),
    },
    options,
  );
}

function snsRequest(base: Record<string, string>, options: SnsRequestCommon): Request {
  const version = options.signatureVersion ?? '2';
  const fields = withFields({ ...base }, options.fields);
  const signed = withFields(
    {
      ...fields,
      SignatureVersion: version,
      Signature: options.signer.sign(fields, version),
      SigningCertURL: options.signer.signingCertUrl,
    },
    options.forge,
  );
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=UTF-8',
    'user-agent': 'Amazon Simple Notification Service Agent',
    'x-amz-sns-message-type': base.Type!,
    'x-amz-sns-message-id': signed.MessageId ?? '',
    'x-amz-sns-topic-arn': signed.TopicArn ?? '',
  };
  return new Request(options.url ?? DEFAULT_SES_URL, {
    method: 'POST',
    headers: { ...headers, ...options.headers },
    body: JSON.stringify(signed),
  });
}

function withFields(
  fields: Record<string, string>,
  changes: Record<string, string | undefined> | undefined,
): Record<string, string> {
  for (const [name, value] of Object.entries(changes ?? {})) {
    if (value === undefined) delete fields[name];
    else fields[name] = value;
  }
  return fields;
}
