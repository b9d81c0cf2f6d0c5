/** Event types SendGrid documents; anything else arrives as `kind: 'unknown'`. */
export const KNOWN_EVENT_KINDS = [
  'processed',
  'dropped',
  'delivered',
  'deferred',
  'bounce',
  'open',
  'click',
  'spamreport',
  'unsubscribe',
  'group_unsubscribe',
  'group_resubscribe',
] as const;
export type KnownEventKind = (typeof KNOWN_EVENT_KINDS)[number];
export type EventKind = KnownEventKind | 'unknown';

/** Fields every event may carry; SendGrid treats all of them as optional, so do we. */
export interface EventBase {
  /** The event name as sent, lower-cased (`Processed` in old payloads → `processed`). */
  event: string;
  /** Recipient. */
  email: string | null;
  /** Normalized from seconds, milliseconds or numeric strings. */
  timestamp: Date | null;
  /** Dedupe key; synthesized (`mailroom:<sha256>`) if SendGrid left it out. */
  sgEventId: string;
  sgMessageId: string | null;
  /** `sg_message_id` before its first `.`: the X-Message-Id Mail Send answered with. */
  providerMessageId: string | null;
  smtpId: string | null;
  /** `category` as string or array → array. */
  categories: string[];
  asmGroupId: number | null;
  ip: string | null;
  /** Top-level keys that are not SendGrid's own: our custom args (incl. `mailroom_id`). */
  customArgs: Record<string, unknown>;
  /** The event exactly as received. */
  payload: Record<string, unknown>;
}

export interface ProcessedEvent extends EventBase {
  kind: 'processed';
  sendAt: Date | null;
  pool: { name: string | null; id: number | null } | null;
}
export interface DroppedEvent extends EventBase {
  kind: 'dropped';
  reason: string | null;
}
export interface DeliveredEvent extends EventBase {
  kind: 'delivered';
  response: string | null;
  tls: boolean | null;
}
export interface DeferredEvent extends EventBase {
  kind: 'deferred';
  response: string | null;
  reason: string | null;
  /** SendGrid sends a string (`"5"`). */
  attempt: number | null;
}
export interface BounceEvent extends EventBase {
  kind: 'bounce';
  /** `bounce` = hard bounce, `blocked` = block. */
  type: 'bounce' | 'blocked';
  reason: string | null;
  /** Enhanced status code, e.g. `5.2.2`. */
  status: string | null;
  bounceClassification: string | null;
  tls: boolean | null;
}
export interface OpenEvent extends EventBase {
  kind: 'open';
  useragent: string | null;
  /** Machine-triggered open (Apple Mail Privacy Protection); null when not reported. */
  machineOpen: boolean | null;
}
export interface ClickEvent extends EventBase {
  kind: 'click';
  url: string | null;
  urlOffset: { index: number; type: string } | null;
  useragent: string | null;
}
export interface SpamReportEvent extends EventBase {
  kind: 'spamreport';
}
export interface UnsubscribeEvent extends EventBase {
  kind: 'unsubscribe';
}
export interface GroupUnsubscribeEvent extends EventBase {
  kind: 'group_unsubscribe';
  useragent: string | null;
}
export interface GroupResubscribeEvent extends EventBase {
  kind: 'group_resubscribe';
  useragent: string | null;
}
/** An event type we do not know (account status changes, future types): passed through. */
export interface UnknownEvent extends EventBase {
  kind: 'unknown';
}

export type SendGridEvent =
  | ProcessedEvent
  | DroppedEvent
  | DeliveredEvent
  | DeferredEvent
  | BounceEvent
  | OpenEvent
  | ClickEvent
  | SpamReportEvent
  | UnsubscribeEvent
  | GroupUnsubscribeEvent
  | GroupResubscribeEvent
  | UnknownEvent;

export type EventOfKind<K extends EventKind> = Extract<SendGridEvent, { kind: K }>;
