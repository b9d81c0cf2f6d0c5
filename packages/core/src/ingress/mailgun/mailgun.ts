import type { Envelope, MailgunData } from '../../message/index.js';
import type { MimeDelivery } from '../delivery.js';
import { IngressConfigurationError, IngressError } from '../errors.js';
import { createBodyReader } from '../ingress.js';
import { resolveLimits, type IngressLimits } from '../limits.js';
import {
  beforeBody,
  envelopeAddress,
  envelopeAddresses,
  type DeliveryTarget,
  type WebhookLogger,
  type WebhookReceiver,
} from '../webhook/index.js';
import { formKindOf, readFields } from './fields.js';
import { verifyMailgunSignature } from './signature.js';
import { TokenLedger } from './tokens.js';

export interface MailgunInboundOptions {
  /** Mailgun's HTTP webhook signing key (Settings → API security); several while rotating. */
  signingKey: string | readonly string[];
  /** Request body limits (size, deadline, rate, in-flight bytes). */
  limits?: IngressLimits;
  /** How far the signed timestamp may be from now, either way, in seconds; default 900. */
  maxSkewSeconds?: number;
  /** How many spent tokens this process remembers (the oldest forgotten first); default 100,000. */
  maxRememberedTokens?: number;
  /** Where the mounted sub-app (`mailgunInbound` in `@mailroom/core/http`) reports faults; default `console`. */
  logger?: WebhookLogger;
}

/** Mailgun's raw-MIME route posts as a receiver (see `index.ts`); `mailgunInbound` in `@mailroom/core/http` mounts it. */
export function createMailgunReceiver(mailroom: DeliveryTarget, options: MailgunInboundOptions): WebhookReceiver {
  const keys = signingKeysOf(options?.signingKey);
  const maxSkewSeconds = positive(options.maxSkewSeconds ?? 900, 'maxSkewSeconds');
  const tokens = new TokenLedger(Math.floor(positive(options.maxRememberedTokens ?? 100_000, 'maxRememberedTokens')));
  const limits = resolveLimits(options.limits);
  const readBody = createBodyReader(options.limits);

  async function deliver(fields: Map<string, Buffer>) {
    const now = Date.now();
    const { token, timestamp } = verifyMailgunSignature(fields, keys, maxSkewSeconds, now);
    if (!tokens.claim(token, now)) {
      throw new IngressError(
        403,
        'token_replayed',
        'this token was used by an earlier post; Mailgun signs each post with a new one',
      );
    }
    try {
      const result = await mailroom.deliver({ ...readMailgunFields(fields), authenticatedBy: ['mailgun-signature'] });
      tokens.spend(token, (timestamp + maxSkewSeconds) * 1000, Date.now());
      return result;
    } catch (error) {
      // A 4xx is final (a retry of this post is refused again); a 5xx asks Mailgun to retry with the same token.
      if (error instanceof IngressError && error.status < 500)
        tokens.spend(token, (timestamp + maxSkewSeconds) * 1000, Date.now());
      else tokens.release(token);
      throw error;
    }
  }

  return async (request) => {
    const form = await beforeBody(() => formKindOf(request.headers.get('content-type')));
    return readBody(request, (body) => deliver(readFields(body, form, limits)));
  };
}

/** A Mailgun post's fields as the delivery they make (no signature check: `mailroom inspect` reads captures with it). */
export function readMailgunFields(fields: Map<string, Buffer>): MimeDelivery {
  return {
    provider: 'mailgun',
    message: bodyMimeOf(fields),
    envelope: envelopeOf(fields),
    providerData: mailgunData(fields),
  };
}

/**
 * The fields Mailgun posts beside the message, as posted. Its spam and SPF/DKIM results are not among them: Mailgun
 * writes them as headers into the message (`X-Mailgun-Sflag`, …), where a sender can write them too.
 */
function mailgunData(fields: Map<string, Buffer>): MailgunData {
  const text = (name: string) => fields.get(name)?.toString('utf8') || null;
  const timestamp = text('timestamp');
  return {
    name: 'mailgun',
    recipient: text('recipient'),
    sender: text('sender'),
    timestamp: timestamp && /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : null,
    token: text('token'),
  };
}

function bodyMimeOf(fields: Map<string, Buffer>): Buffer {
  const message = fields.get('body-mime');
  if (message === undefined) {
    throw new IngressError(
      422,
      'body_mime_required',
      'the post has no body-mime field: Mailgun posts the raw message only when the route forwards to a URL ending ' +
        'in "mime" (forward("https://…/webhooks/mailgun/mime"), no query string); it posted its parsed fields instead',
    );
  }
  return message;
}

function envelopeOf(fields: Map<string, Buffer>): Envelope {
  const recipients = fields.get('recipient')?.toString('utf8').split(',') ?? [];
  return {
    from: envelopeAddress(fields.get('sender')?.toString('utf8'), 'sender'),
    to: envelopeAddresses(recipients, 'recipient'),
  };
}

function signingKeysOf(signingKey: string | readonly string[] | undefined): Buffer[] {
  const keys = typeof signingKey === 'string' ? [signingKey] : (signingKey ?? []);
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((key) => typeof key !== 'string' || !key.trim())) {
    throw new IngressConfigurationError(
      "mailgunInbound needs signingKey: Mailgun's HTTP webhook signing key (a non-empty string, or several)",
    );
  }
  return keys.map((key: string) => Buffer.from(key.trim(), 'utf8'));
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new IngressConfigurationError(`mailgunInbound: ${name} must be a positive number, got ${value}`);
  }
  return value;
}
