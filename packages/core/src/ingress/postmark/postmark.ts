import type { MimeDelivery } from '../delivery.js';
import { IngressConfigurationError, IngressError } from '../errors.js';
import { createBodyReader } from '../ingress.js';
import type { JsonFields } from '../json.js';
import { resolveLimits, type IngressLimits } from '../limits.js';
import { readJsonBody } from '../parse-pool.js';
import { parseContentType } from '../multipart.js';
import { createAuthenticator, type BasicCredential } from '../verify/index.js';
import { beforeBody, type DeliveryTarget, type WebhookLogger, type WebhookReceiver } from '../webhook/index.js';
import { postmarkEnvelope } from './envelope.js';
import { postmarkData, postmarkSpam } from './provider-data.js';

export interface PostmarkInboundOptions {
  /** The credentials written in Postmark's webhook URL (`https://user:password@host/…`); several for rotation. */
  basic: BasicCredential[];
  /** Request body limits (`maxBodyBytes` defaults to `POSTMARK_MAX_BODY_BYTES`), deadline and rate. */
  limits?: IngressLimits;
  /** Where the mounted sub-app (`postmarkInbound` in `@mailroom/core/http`) reports faults; default `console`. */
  logger?: WebhookLogger;
}

/** A post holds the message twice (RawEmail, and the attachments in base64): 35 MB of attachments need ~100 MB. */
export const POSTMARK_MAX_BODY_BYTES = 100 * 1024 * 1024;

/** Postmark's inbound webhook as a receiver (see `index.ts`); `postmarkInbound` in `@mailroom/core/http` mounts it. */
export function createPostmarkReceiver(mailroom: DeliveryTarget, options: PostmarkInboundOptions): WebhookReceiver {
  if (!Array.isArray(options?.basic) || options.basic.length === 0) {
    throw new IngressConfigurationError(
      'postmarkInbound needs basic: [{ username, password }], the credentials in the Postmark webhook URL',
    );
  }
  const authenticator = createAuthenticator({ basic: options.basic });
  const limits = { ...options.limits, maxBodyBytes: options.limits?.maxBodyBytes ?? POSTMARK_MAX_BODY_BYTES };
  const readBody = createBodyReader(limits);
  return async (request) => {
    await beforeBody(async () => {
      await authenticator.checkHeaders(request);
      checkJson(request.headers.get('content-type'));
    });
    return readBody(request, async (body) =>
      mailroom.deliver({ ...(await readPostmarkPost(body, limits)), authenticatedBy: ['basic'] }),
    );
  };
}

function checkJson(contentType: string | null): void {
  const parsed = safeContentType(contentType ?? '');
  const charset = parsed?.params.charset?.toLowerCase();
  if (parsed?.mimeType !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
    throw new IngressError(
      415,
      'unsupported_media_type',
      `unsupported Content-Type ${JSON.stringify((contentType ?? '').slice(0, 100))}; Postmark posts application/json`,
    );
  }
}

function safeContentType(value: string): ReturnType<typeof parseContentType> {
  try {
    return parseContentType(value);
  } catch {
    return undefined; // not a media type at all
  }
}

/**
 * What is read of a payload: `RawEmail` (as bytes) and the small fields for the envelope and provider data. The
 * parsed bodies and base64 attachments (most of a post) are dropped where the JSON is parsed.
 */
const PAYLOAD = {
  provider: 'Postmark',
  bytesFields: ['RawEmail'],
  keepFields: [
    'OriginalRecipient',
    'ToFull',
    'CcFull',
    'BccFull',
    'MessageID',
    'MessageStream',
    'MailboxHash',
    'Tag',
    'Headers',
  ],
} as const;

/**
 * A Postmark post's body as the delivery it makes (no authentication: `mailroom inspect` reads captures with it).
 * A body over `limits.parseOffThreadAboveBytes` is parsed on a parse thread (`readJsonBody`).
 */
export async function readPostmarkPost(body: Buffer, limits: IngressLimits = {}): Promise<MimeDelivery> {
  const payload = await readJsonBody(body, PAYLOAD, resolveLimits(limits));
  const message = rawEmailOf(payload);
  const providerData = postmarkData(payload);
  return {
    provider: 'postmark',
    message,
    envelope: postmarkEnvelope(payload, message),
    spam: postmarkSpam(providerData),
    providerData,
  };
}

function rawEmailOf(payload: JsonFields): Buffer {
  const raw = payload.RawEmail;
  if (raw === undefined || raw === null || (Buffer.isBuffer(raw) && raw.length === 0)) {
    throw new IngressError(
      422,
      'raw_email_required',
      'the post has no RawEmail: turn on "Include raw email content in JSON payload" in the settings of the ' +
        "Postmark server's inbound stream (Mailroom stores the message as received and does not rebuild it from " +
        "Postmark's parsed fields)",
    );
  }
  if (!Buffer.isBuffer(raw)) throw new IngressError(400, 'invalid_payload', 'RawEmail is not a string');
  return raw;
}
