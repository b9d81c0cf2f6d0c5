import { signatureHeaders } from './request.js';
import type { TestKeyPair } from './keys.js';

export const DEFAULT_EVENTS_URL = 'http://localhost/webhooks/sendgrid/events';

export interface EventWebhookRequestOptions {
  /** Default `http://localhost/webhooks/sendgrid/events`. */
  url?: string;
  /** Sign like the Event Webhook's signed-webhook setting does (its key differs from Inbound Parse's). */
  sign?: TestKeyPair;
  /** Unix seconds for the signature; default now. */
  timestamp?: number;
}

/**
 * A `Request` like SendGrid's Event Webhook sends: a JSON array of events, optionally signed.
 *
 * @example
 * ```ts
 * const response = await app.fetch(eventWebhookRequest(
 *   [{ event: 'bounce', email: 'ann@example.com', sg_event_id: 'e1', sg_message_id: 'abc.filter1', mailroom_id: outboxId }],
 *   { sign: EVENTS_KEY_PAIR },
 * ));
 * ```
 */
export function eventWebhookRequest(
  events: ReadonlyArray<Record<string, unknown>>,
  options: EventWebhookRequestOptions = {},
): Request {
  const body = Buffer.from(JSON.stringify(events), 'utf8');
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'SendGrid Event API' };
  if (options.sign) Object.assign(headers, signatureHeaders(options.sign, body, options.timestamp));
  return new Request(options.url ?? DEFAULT_EVENTS_URL, { method: 'POST', headers, body: new Uint8Array(body) });
}
