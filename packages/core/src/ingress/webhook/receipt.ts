import type { MimeDelivery } from '../delivery.js';
import { IngressError } from '../errors.js';

/** What a raw-MIME webhook needs of a Mailroom: `mailroom.deliver`, which resolves once the message is committed. */
export interface DeliveryTarget {
  deliver(delivery: MimeDelivery): Promise<{ id: string; duplicate: boolean }>;
}

/** Where a webhook reports the faults it answers 500 for and the outages it answers 503 for (default `console`). */
export interface WebhookLogger {
  error(message: string, ...details: unknown[]): void;
  warn?(message: string, ...details: unknown[]): void;
}

/**
 * What a provider's receiver made of one request: the committed delivery (`{ id, duplicate }`), or its own answer
 * for a request that carries no message (an SNS subscription confirmation, a notification it ignores).
 */
export type WebhookReceipt = { id: string; duplicate: boolean } | Response;

/**
 * A provider's webhook as a Web-standard function: authenticates the request, reads its body under the limits and
 * hands the message to `mailroom.deliver()`. A refusal is an IngressError (4xx, or 503 with Retry-After); a store
 * outage or fault propagates. `@mailroom/core/http` turns it into answers and a Hono sub-app (`webhookApp`).
 */
export type WebhookReceiver = (request: Request) => Promise<WebhookReceipt>;

/** A check made before the body is read: its rejection closes the connection, so the body is never read at all. */
export async function beforeBody<T>(check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof IngressError) error.bodyUnread = true;
    throw error;
  }
}
