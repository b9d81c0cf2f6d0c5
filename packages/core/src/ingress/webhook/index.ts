/**
 * What the providers' raw-MIME webhooks (`postmark/`, `mailgun/`) share: the one method of a Mailroom they hand
 * messages to (`DeliveryTarget`, i.e. `mailroom.deliver`), a Hono sub-app answering POST on one path, the answer
 * (the SendGrid endpoint's JSON shapes), and the envelope address rules.
 *
 * @example
 * ```ts
 * const app = webhookApp('/inbound', 'Postmark', (request) =>
 *   answerDelivery(async () => mailroom.deliver(await deliveryOf(request)), console),
 * );
 * ```
 */
export { answerDelivery, beforeBody, webhookApp } from './answer.js';
export type { DeliveryTarget, WebhookLogger } from './answer.js';
export { envelopeAddress, envelopeAddresses } from './envelope.js';
