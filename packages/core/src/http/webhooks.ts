import { Hono } from 'hono';
import { isUnavailableError } from '../inbox/index.js';
import { IngressError, jsonResponse, rejectionResponse } from '../ingress/index.js';
import type { WebhookLogger, WebhookReceiver } from '../ingress/index.js';

/** How long a provider is asked to wait while the store is down (the SendGrid endpoint's value). */
const RETRY_AFTER_SECONDS = 60;

/**
 * A provider's receiver (`createPostmarkReceiver`, …) as a Hono sub-app answering `POST path`; any other method
 * there is a 405 naming the provider.
 */
export function webhookApp(path: string, provider: string, receive: WebhookReceiver, logger: WebhookLogger): Hono {
  const app = new Hono();
  app.post(path, (c) => answerWebhook(receive, c.req.raw, logger));
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
 * Runs one request through a receiver and answers as the SendGrid endpoint does: 200 `{ id, duplicate }` once
 * committed (or the receiver's own answer); an IngressError as its status with `{ error, reason }` (the connection
 * closed when the body was left unread); 503 + Retry-After while the store is unavailable, so the provider retries
 * (dedupe makes the retry safe); any other fault a logged 500, which providers retry too.
 */
export async function answerWebhook(
  receive: WebhookReceiver,
  request: Request,
  logger: WebhookLogger,
): Promise<Response> {
  try {
    const receipt = await receive(request);
    return receipt instanceof Response ? receipt : jsonResponse(200, { id: receipt.id, duplicate: receipt.duplicate });
  } catch (error) {
    if (error instanceof IngressError) return rejectionResponse(error);
    if (isUnavailableError(error)) {
      logger.warn?.('mailroom: the inbox store is unavailable; answering 503 so the provider retries', error);
      return jsonResponse(
        503,
        { error: 'store_unavailable', reason: 'the inbox store is unavailable; retry later' },
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    }
    logger.error('mailroom: webhook delivery failed with a server fault; answering 500 so the provider retries', error);
    return jsonResponse(500, { error: 'internal' });
  }
}
