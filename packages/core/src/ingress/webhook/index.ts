/**
 * What the providers' webhooks (`postmark/`, `mailgun/`, `ses/`, `relay/`) share: the one method of a Mailroom they
 * hand messages to (`DeliveryTarget`, i.e. `mailroom.deliver`), the receiver's shape (a Web-standard function from
 * a request to the committed delivery; `@mailroom/core/http` answers and mounts it), and the envelope address rules.
 *
 * @example
 * ```ts
 * const receive: WebhookReceiver = async (request) => {
 *   await beforeBody(() => authenticate(request)); // refused: 401 with the body unread
 *   return readBody(request, async (body) => mailroom.deliver(deliveryOf(body)));
 * };
 * ```
 */
export { beforeBody } from './receipt.js';
export type { DeliveryTarget, WebhookLogger, WebhookReceipt, WebhookReceiver } from './receipt.js';
export { envelopeAddress, envelopeAddresses } from './envelope.js';
