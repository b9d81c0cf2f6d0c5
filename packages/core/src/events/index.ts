/**
 * SendGrid Event Webhook: verify the signature on the raw bytes, parse into typed events, store them
 * deduplicated on `sg_event_id` (linked to the outbox message that caused them), run handlers by type.
 *
 * @example
 * ```ts
 * import { eventsHandler, createEventDispatcher, lastDeliveryStatus } from '@mailroom/core';
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
export { eventsHandler, EventsConfigurationError } from './handler.js';
export type { EventsHandlerOptions } from './handler.js';
export { parseEventBody, parseEvent, customArgsOf, EventParseError } from './parse.js';
export { SENDGRID_EVENT_KEYS } from './known-keys.js';
export { KNOWN_EVENT_KINDS } from './types.js';
export type {
  SendGridEvent,
  EventKind,
  KnownEventKind,
  EventOfKind,
  EventBase,
  ProcessedEvent,
  DroppedEvent,
  DeliveredEvent,
  DeferredEvent,
  BounceEvent,
  OpenEvent,
  ClickEvent,
  SpamReportEvent,
  UnsubscribeEvent,
  GroupUnsubscribeEvent,
  GroupResubscribeEvent,
  UnknownEvent,
} from './types.js';
export { storeEvents, findEventsForMessage, lastDeliveryStatus, listEvents } from './store.js';
export type { StoreEventsResult, StoredEvent, DeliveryStatus, DeliveryStatusResult } from './store.js';
export { createEventDispatcher, requeueEvent } from './dispatcher.js';
export type { EventDispatcher, EventDispatcherOptions, EventHandler, EventHandlerContext, EventHandlerRegistry } from './dispatcher.js';
export { events as eventsTable, EVENT_STATUSES } from './schema.js';
export type { EventStatus } from './schema.js';
export { eventsMigrationSet } from './migrations.js';
