import type { Hono } from 'hono';
import type { MimeDelivery } from '../delivery.js';
import { IngressConfigurationError, IngressError } from '../errors.js';
import { createBodyReader } from '../ingress.js';
import type { IngressLimits } from '../limits.js';
import { parseContentType } from '../multipart.js';
import { createAuthenticator, type BasicCredential } from '../verify/index.js';
import { answerDelivery, beforeBody, webhookApp, type DeliveryTarget, type WebhookLogger } from '../webhook/index.js';
import { postmarkEnvelope } from './envelope.js';
import { postmarkData, postmarkSpam } from './provider-data.js';

export interface PostmarkInboundOptions {
  /** The credentials written in Postmark's webhook URL (`https://user:password@host/…`); several for rotation. */
  basic: BasicCredential[];
  /** Request body limits (`maxBodyBytes` defaults to `POSTMARK_MAX_BODY_BYTES`), deadline and rate. */
  limits?: IngressLimits;
  logger?: WebhookLogger;
}

/** A post holds the message twice (RawEmail, and the attachments in base64): 35 MB of attachments need ~100 MB. */
export const POSTMARK_MAX_BODY_BYTES = 100 * 1024 * 1024;

/** Postmark's inbound webhook as a Hono sub-app answering `POST /inbound` (see `index.ts`). */
export function postmarkInbound(mailroom: DeliveryTarget, options: PostmarkInboundOptions): Hono {
  if (!Array.isArray(options?.basic) || options.basic.length === 0) {
    throw new IngressConfigurationError(
      'postmarkInbound needs basic: [{ username, password }], the credentials in the Postmark webhook URL',
    );
  }
  const authenticator = createAuthenticator({ basic: options.basic });
  const readBody = createBodyReader({
    ...options.limits,
    maxBodyBytes: options.limits?.maxBodyBytes ?? POSTMARK_MAX_BODY_BYTES,
  });
  const logger = options.logger ?? console;
  return webhookApp('/inbound', 'Postmark', (request) =>
    answerDelivery(async () => {
      await beforeBody(async () => {
        await authenticator.checkHeaders(request);
        checkJson(request.headers.get('content-type'));
      });
      return readBody(request, async (body) =>
        mailroom.deliver({ ...(await readPostmarkPost(body)), authenticatedBy: ['basic'] }),
      );
    }, logger),
  );
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

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Structural tokens (`{ [ : ,` outside strings) a payload may hold: Postmark's has a few hundred (headers,
 * attachments, recipients). JSON.parse runs on the event loop, and its time grows with the values it builds, not
 * the bytes: 4 MB of nested or tiny objects took ~110 ms, a stall; long strings (RawEmail, base64) parse fast.
 */
const MAX_JSON_TOKENS = 100_000;
/** The scan gives the event loop a turn after each MiB, so a 100 MiB post is no stall either. */
const SCAN_SLICE_BYTES = 1024 * 1024;

async function checkJsonShape(body: Buffer): Promise<void> {
  let tokens = 0;
  let inString = false;
  for (let i = 0; i < body.length;) {
    const end = Math.min(body.length, i + SCAN_SLICE_BYTES);
    for (; i < end; i++) {
      const byte = body[i]!;
      if (inString) {
        if (byte === 0x5c)
          i++; // a backslash escapes the next byte
        else if (byte === 0x22) inString = false;
      } else if (byte === 0x22) inString = true;
      else if ((byte === 0x7b || byte === 0x5b || byte === 0x3a || byte === 0x2c) && ++tokens > MAX_JSON_TOKENS) {
        throw new IngressError(
          400,
          'invalid_payload',
          `the JSON holds more than ${MAX_JSON_TOKENS} objects, arrays and values; a Postmark post has a few hundred`,
        );
      }
    }
    if (i < body.length) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A Postmark post's body as the delivery it makes (no authentication: `mailroom inspect` reads captures with it). */
export async function readPostmarkPost(body: Buffer): Promise<MimeDelivery> {
  const payload = await parsePayload(body);
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

async function parsePayload(body: Buffer): Promise<Record<string, unknown>> {
  await checkJsonShape(body);
  let payload: unknown;
  try {
    payload = JSON.parse(UTF8.decode(body));
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message.slice(0, 200) : 'the body is not UTF-8';
    throw new IngressError(400, 'invalid_json', `the body is not JSON: ${detail}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new IngressError(400, 'invalid_payload', 'the body is not a JSON object (Postmark posts one per message)');
  }
  return payload as Record<string, unknown>;
}

function rawEmailOf(payload: Record<string, unknown>): Buffer {
  const raw = payload.RawEmail;
  if (raw === undefined || raw === null || raw === '') {
    throw new IngressError(
      422,
      'raw_email_required',
      'the post has no RawEmail: turn on "Include raw email content in JSON payload" in the settings of the ' +
        "Postmark server's inbound stream (Mailroom stores the message as received and does not rebuild it from " +
        "Postmark's parsed fields)",
    );
  }
  if (typeof raw !== 'string') throw new IngressError(400, 'invalid_payload', 'RawEmail is not a string');
  return Buffer.from(raw, 'utf8');
}
