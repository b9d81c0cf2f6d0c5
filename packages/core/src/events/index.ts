/**
 * SendGrid Event Webhook: verify the signature on the raw bytes, parse into typed events, store them
 * deduplicated on `sg_event_id` (linked to the outbox message that caused them), run handlers by type.
 *
 * @example
 * ```ts
 * import { eventsHandler, createEventDispatcher, lastDeliveryStatus } from '@mailroom/core/events';
 *
 * const dispatcher = createEventDispatcher({ store }).on('bounce', async (event, { tx }) => { … });
 * app.post('/sendgrid/events', (c) => handleEvents(c.req.raw));
 * const handleEvents = eventsHandler({ store, publicKeys: [process.env.SENDGRID_EVENTS_KEY!], onStored: () => dispatcher.kick() });
 * dispatcher.start();
 * const status = await lastDeliveryStatus(store.db, outboundId);   // "did my reply bounce?"
 * ```
 *
 * On a Mailroom, use `mailroom.events.on(…)` instead (it owns the dispatcher and the endpoint). Apps that
 * register handlers take an `EventHandlerRegistry` (either fits). Handlers run in the event's transaction;
 * `ctx.afterCommit(fn)` runs after it commits: `mailer.send(message, { tx, afterCommit })` sends promptly.
 */
export * from './public.js';
export { parseEvent } from './parse.js';
export { storeEvents } from './store.js';
