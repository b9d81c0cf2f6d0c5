import type { Hono } from 'hono';
import { describeError, type Logger } from '../inbox/index.js';
import {
  createMailgunReceiver,
  createPostmarkReceiver,
  createRelayReceiver,
  createSesReceiver,
  type DeliveryTarget,
  type MailgunInboundOptions,
  type PostmarkInboundOptions,
  type RelayIngressOptions,
  type SesInboundOptions,
  type WebhookLogger,
} from '../ingress/index.js';
import { webhookApp } from './webhooks.js';

/** A Mailroom, or anything with its `deliver`; with a store, faults are logged as the store's structured events. */
export type WebhookTarget = DeliveryTarget & { readonly store?: { readonly logger: Logger } };

/** Postmark's inbound webhook: `POST /inbound` (basic credentials from Postmark's webhook URL). */
export function postmarkInbound(mailroom: WebhookTarget, options: PostmarkInboundOptions): Hono {
  const logger = loggerFor('postmark', mailroom, options?.logger);
  return webhookApp('/inbound', 'Postmark', createPostmarkReceiver(mailroom, { ...options, logger }), logger);
}

/** Mailgun's `forward()` to a URL ending in `mime`: `POST /mime` (signed with the webhook signing key). */
export function mailgunInbound(mailroom: WebhookTarget, options: MailgunInboundOptions): Hono {
  const logger = loggerFor('mailgun', mailroom, options?.logger);
  return webhookApp('/mime', 'Mailgun', createMailgunReceiver(mailroom, { ...options, logger }), logger);
}

/** Amazon SES receipt rules through an SNS HTTPS subscription: `POST /` (SNS-signed). */
export function sesInbound(mailroom: WebhookTarget, options: SesInboundOptions): Hono {
  const logger = loggerFor('ses', mailroom, options?.logger);
  return webhookApp('/', 'Amazon SNS', createSesReceiver(mailroom, { ...options, logger }), logger);
}

/** The relay endpoint for MTAs and workers (`mailroom relay`, Cloudflare Email Workers): `POST /`, a bearer secret. */
export function relayIngress(mailroom: WebhookTarget, options: RelayIngressOptions): Hono {
  const logger = loggerFor('relay', mailroom, options?.logger);
  return webhookApp('/', 'the relay', createRelayReceiver(mailroom, { ...options, logger }), logger);
}

/** The logger given, else the Mailroom store's (events `webhook_fault`, `store_unavailable`), else `console`. */
function loggerFor(ingress: string, mailroom: WebhookTarget, given: WebhookLogger | undefined): WebhookLogger {
  if (given) return given;
  const logger = mailroom.store?.logger;
  if (!logger) return console;
  const fields = (message: string, details: unknown[]) => ({
    ingress,
    message,
    ...(details.length > 0 ? { error: describeError(details[0]) } : {}),
  });
  return {
    error: (message, ...details) => logger.error('webhook_fault', fields(message, details)),
    warn: (message, ...details) =>
      logger.warn(message.includes('unavailable') ? 'store_unavailable' : 'webhook_warning', fields(message, details)),
  };
}
