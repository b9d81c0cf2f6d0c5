import { Hono } from 'hono';
import { isUnavailableError } from '../../inbox/index.js';
import type { MimeDelivery } from '../delivery.js';
import { IngressError } from '../errors.js';
import { jsonResponse, rejectionResponse } from '../rejection.js';

/** What a raw-MIME webhook needs of a Mailroom: `mailroom.deliver`, which resolves once the message is committed. */
export interface DeliveryTarget {
  deliver(delivery: MimeDelivery): Promise<{ id: string; duplicate: boolean }>;
}

/** Where a webhook reports the faults it answers 500 for (default `console`). */
export interface WebhookLogger {
  error(message: string, ...details: unknown[]): void;
}

/** A sub-app answering `POST path` with `handle`; any other method there is a 405 naming the provider. */
export function webhookApp(path: string, provider: string, handle: (request: Request) => Promise<Response>): Hono {
  const app = new Hono();
  app.post(path, (c) => handle(c.req.raw));
  app.all(path, (c) =>
    jsonResponse(
      405,
      { error: 'method_not_allowed', reason: `${c.req.method} is not allowed; ${provider} posts` },
      { allow: 'POST' },
    ),
  );
  return app;
}

/**
 * Runs one delivery (authentication, body, `mailroom.deliver`) and answers as the SendGrid endpoint does: 200
 * `{ id, duplicate }` once committed; an IngressError as its status with `{ error, reason }` (the connection closed
 * when the body was left unread); 503 + Retry-After while the store is unavailable, so the provider retries (dedupe
 * makes the retry safe); any other fault a logged 500, which providers retry too.
 */
export async function answerDelivery(
  deliver: () => Promise<{ id: string; duplicate: boolean }>,
  logger: WebhookLogger,
): Promise<Response> {
  try {
    const { id, duplicate } = await deliver();
    return jsonResponse(200, { id, duplicate });
  } catch (error) {
    if (error instanceof IngressError) return rejectionResponse(error);
    if (isUnavailableError(error)) {
      return jsonResponse(
        503,
        { error: 'store_unavailable', reason: 'the inbox store is unavailable; retry later' },
        { 'retry-after': '60' },
      );
    }
    logger.error('mailroom: webhook delivery failed with a server fault; answering 500 so the provider retries', error);
    return jsonResponse(500, { error: 'internal' });
  }
}

/** A check made before the body is read: its rejection closes the connection, so the body is never read at all. */
export async function beforeBody<T>(check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof IngressError) error.bodyUnread = true;
    throw error;
  }
}
