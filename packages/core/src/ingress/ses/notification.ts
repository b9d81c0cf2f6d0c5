import type { Envelope, SesData, SesVerdict, SpamCheck } from '../../message/index.js';
import type { MimeDelivery } from '../delivery.js';
import { IngressError } from '../errors.js';
import { envelopeAddress, envelopeAddresses } from '../webhook/index.js';

/** Where an S3 action stored a message (`receipt.action.bucketName`, `objectKey`). */
export interface S3ObjectLocation {
  bucket: string;
  key: string;
}

/** Reads one object from S3 (the user's SDK client): the message's bytes as SES wrote them. */
export type ReadS3Object = (object: S3ObjectLocation) => Promise<Buffer | Uint8Array>;

/** The message an SES receipt notification carries or names, or a notification with no message to store. */
export type SesReceipt =
  | {
      kind: 'message';
      message: Buffer;
      envelope: Envelope;
      spf: string | null;
      spam: SpamCheck | null;
      /** The receipt's own fields (the SNS ones, `topicArn` and `snsMessageId`, are the caller's: null here). */
      providerData: SesData;
    }
  | { kind: 'ignored'; notificationType: string };

/** SES's check when a receipt rule's action is set up (a notification, or an S3 object so named): not mail. */
const SETUP_NOTIFICATION = 'AMAZON_SES_SETUP_NOTIFICATION';
/** S3's limits: bucket names 3–63 characters, keys up to 1024 bytes. */
const MAX_BUCKET_LENGTH = 63;
const MAX_KEY_LENGTH = 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The SES notification in an SNS message (`Message`, already verified): `notificationType: "Received"` with the
 * message inline (`content`, SNS action, `encoding` UTF8 or BASE64) or in S3 (S3 action, read with `readS3Object`).
 * The envelope is `mail.source` and `receipt.recipients` (the recipients this rule matched, Bcc included).
 */
export async function sesReceiptOf(snsMessage: string, readS3Object: ReadS3Object | undefined): Promise<SesReceipt> {
  const notification = objectOf(parseJson(snsMessage), 'the SNS Message');
  const type = notification.notificationType;
  if (type === SETUP_NOTIFICATION) return { kind: 'ignored', notificationType: type };
  if (type !== 'Received') {
    if (typeof type !== 'string') throw invalid('the SES notification has no notificationType');
    throw new IngressError(
      422,
      'notification_type_unsupported',
      `notificationType ${JSON.stringify(type.slice(0, 60))} is not "Received": this endpoint takes SES receipt ` +
        'rule notifications (bounce, complaint and delivery notifications belong elsewhere)',
    );
  }
  const mail = objectOf(notification.mail, 'mail');
  const receipt = objectOf(notification.receipt, 'receipt');
  const action = objectOf(receipt.action, 'receipt.action');
  // The object an S3 action writes to check the bucket when it is set up: not mail.
  const key = action.type === 'S3' && typeof action.objectKey === 'string' ? action.objectKey : '';
  if (key.endsWith(SETUP_NOTIFICATION)) return { kind: 'ignored', notificationType: SETUP_NOTIFICATION };
  if (!Array.isArray(receipt.recipients)) throw invalid('receipt.recipients is not a list');
  const envelope: Envelope = {
    from: envelopeAddress(mail.source, 'mail.source'),
    to: envelopeAddresses(receipt.recipients, 'receipt.recipients'),
  };
  const message = await messageOf(notification, action, readS3Object);
  if (message.length === 0) throw new IngressError(400, 'empty_message', 'the message is empty');
  const verdicts = verdictStatuses(receipt);
  return {
    kind: 'message',
    message,
    envelope,
    ...commonVerdicts(verdicts),
    providerData: sesData(mail, action, verdicts),
  };
}

/** The delivery a receipt makes, with the ids of the SNS message that carried it (`sesInbound`, `mailroom inspect`). */
export function receiptDelivery(
  { message, envelope, spf, spam, providerData }: Extract<SesReceipt, { kind: 'message' }>,
  sns: { TopicArn: string; MessageId: string },
): MimeDelivery {
  const ids = { topicArn: sns.TopicArn, snsMessageId: sns.MessageId };
  return { provider: 'ses', message, envelope, spf, spam, providerData: { ...providerData, ...ids } };
}

function sesData(mail: Record<string, unknown>, action: Record<string, unknown>, verdicts: Verdicts): SesData {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : null);
  return {
    name: 'ses',
    messageId: text(mail.messageId),
    receiptAction: text(action.type),
    ...verdicts,
    topicArn: null,
    snsMessageId: null,
  };
}

/** SES's SPF verdicts as RFC 7208 words (GRAY: the domain publishes no policy; PROCESSING_FAILED: temporary). */
const SPF_WORDS = new Map([
  ['PASS', 'pass'],
  ['FAIL', 'fail'],
  ['GRAY', 'none'],
  ['PROCESSING_FAILED', 'temperror'],
]);
const VERDICTS = ['spam', 'virus', 'spf', 'dkim', 'dmarc'] as const;
const VERDICT_STATUSES: readonly string[] = ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED'] satisfies SesVerdict[];

type Verdicts = Record<(typeof VERDICTS)[number], SesVerdict | null>;

/** Each `<name>Verdict.status` SES gave, or null (absent, or a status SES does not document). */
function verdictStatuses(receipt: Record<string, unknown>): Verdicts {
  const status = (name: string): SesVerdict | null => {
    const verdict = receipt[`${name}Verdict`];
    const value = typeof verdict === 'object' && verdict !== null ? (verdict as { status?: unknown }).status : null;
    return typeof value === 'string' && VERDICT_STATUSES.includes(value) ? (value as SesVerdict) : null;
  };
  return Object.fromEntries(VERDICTS.map((name) => [name, status(name)])) as Verdicts;
}

/**
 * What SES reported of the sender: its SPF verdict as `email.auth.spf`, and every verdict (spam, virus, SPF, DKIM,
 * DMARC) as the spam check's report (SES gives no score). SES's DKIM verdict names no domain, so it is not a
 * `DkimResult`: Mailroom's own check (`senderAuth: { dkim: 'verify' }`) verifies the signatures in the bytes.
 */
function commonVerdicts(verdicts: Verdicts): { spf: string | null; spam: SpamCheck | null } {
  const reported = VERDICTS.flatMap((name) => (verdicts[name] ? [`${name}=${verdicts[name]}`] : []));
  return {
    spf: SPF_WORDS.get(verdicts.spf ?? '') ?? null,
    spam: reported.length ? { score: null, report: `Amazon SES verdicts: ${reported.join(' ')}` } : null,
  };
}

async function messageOf(
  notification: Record<string, unknown>,
  action: Record<string, unknown>,
  readS3Object: ReadS3Object | undefined,
): Promise<Buffer> {
  if (action.type === 'SNS') return inlineContent(notification.content, action.encoding);
  if (action.type === 'S3') return s3Content(action, readS3Object);
  throw new IngressError(
    422,
    'content_unavailable',
    `the notification comes from a receipt rule's ${JSON.stringify(String(action.type).slice(0, 40))} action, ` +
      'which does not carry the message: publish with an SNS action (the message inline, up to 150 KB) or an S3 ' +
      'action (the message in a bucket, read with readS3Object)',
  );
}

function inlineContent(content: unknown, encoding: unknown): Buffer {
  if (typeof content !== 'string') throw invalid('the SNS action notification has no content');
  if (encoding === undefined || encoding === 'UTF8') return Buffer.from(content, 'utf8');
  if (encoding !== 'BASE64') {
    throw invalid(`receipt.action.encoding ${JSON.stringify(String(encoding).slice(0, 20))} is not UTF8 or BASE64`);
  }
  const compact = content.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact)) throw invalid('content is not base64 (receipt.action.encoding is BASE64)');
  return Buffer.from(compact, 'base64');
}

async function s3Content(action: Record<string, unknown>, readS3Object: ReadS3Object | undefined): Promise<Buffer> {
  const { bucketName: bucket, objectKey: key } = action;
  if (typeof bucket !== 'string' || !bucket || bucket.length > MAX_BUCKET_LENGTH) {
    throw invalid('receipt.action.bucketName is not an S3 bucket name');
  }
  if (typeof key !== 'string' || !key || Buffer.byteLength(key) > MAX_KEY_LENGTH) {
    throw invalid('receipt.action.objectKey is not an S3 object key');
  }
  if (!readS3Object) {
    throw new IngressError(
      422,
      's3_reader_required',
      `the message is in S3 (s3://${bucket}/${key.slice(0, 200)}), and no readS3Object is configured: pass ` +
        'sesInbound(mailroom, { readS3Object: ({ bucket, key }) => … }) reading it with your S3 client (IAM: ' +
        's3:GetObject on the bucket, and kms:Decrypt if the rule encrypts), or use an SNS action for messages ' +
        'up to 150 KB',
    );
  }
  const bytes: unknown = await readS3Object({ bucket, key });
  if (!(bytes instanceof Uint8Array)) throw new TypeError('readS3Object must resolve to a Buffer or Uint8Array');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message.slice(0, 200) : String(error);
    throw invalid(`the SNS Message is not JSON: ${detail}`);
  }
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function invalid(reason: string): IngressError {
  return new IngressError(400, 'invalid_ses_notification', reason);
}
