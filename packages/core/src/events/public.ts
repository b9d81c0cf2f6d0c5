// What the package root offers of events/ (index.ts adds what only other folders use).
export { eventsHandler, EventsConfigurationError } from './handler.js';
export type { EventsHandlerOptions } from './handler.js';
export { parseEventBody, EventParseError } from './parse.js';
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
export { findEventsForMessage, lastDeliveryStatus, listEvents } from './store.js';
export type { StoreEventsResult, StoredEvent, DeliveryStatus, DeliveryStatusResult } from './store.js';
export { createEventDispatcher, requeueEvent } from './dispatcher.js';
export type {
  EventDispatcher,
  EventDispatcherOptions,
  EventHandler,
  EventHandlerContext,
  EventHandlerRegistry,
} from './dispatcher.js';
export { events as eventsTable, EVENT_STATUSES } from './schema.js';
export type { EventStatus } from './schema.js';
