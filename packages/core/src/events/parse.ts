import { createHash } from 'node:crypto';
import { SENDGRID_EVENT_KEYS } from './known-keys.js';
import { KNOWN_EVENT_KINDS, type EventBase, type KnownEventKind, type SendGridEvent } from './types.js';

/** The body is not an Event Webhook batch; `reason` says why (answered with HTTP 400). */
export class EventParseError extends Error {
  override name = 'EventParseError';
}

const KNOWN = new Set<string>(KNOWN_EVENT_KINDS);

/** Parses the raw body of an Event Webhook post (a JSON array of events). Verify the signature first. */
export function parseEventBody(body: Uint8Array | string): SendGridEvent[] {
  let text =
    typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EventParseError(`body is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new EventParseError(`expected a JSON array of events, got ${describe(value)}`);
  return value.map((item, index) => {
    if (!isObject(item)) throw new EventParseError(`event ${index} is ${describe(item)}, not an object`);
    return parseEvent(item);
  });
}

/** Types one event object; tolerant of SendGrid's documented shape variations. */
export function parseEvent(payload: Record<string, unknown>): SendGridEvent {
  const event = typeof payload.event === 'string' ? payload.event.trim().toLowerCase() : '';
  const sgMessageId = str(payload.sg_message_id);
  const base: EventBase = {
    event,
    email: str(payload.email),
    timestamp: toDate(payload.timestamp),
    sgEventId: str(payload.sg_event_id) ?? syntheticEventId(payload),
    sgMessageId,
    providerMessageId: sgMessageId ? sgMessageId.split('.')[0] || null : null,
    smtpId: str(payload['smtp-id']),
    categories: toStringList(payload.category),
    asmGroupId: toInt(payload.asm_group_id),
    ip: str(payload.ip),
    customArgs: customArgsOf(payload),
    payload,
  };
  const kind = KNOWN.has(event) ? (event as KnownEventKind) : 'unknown';
  switch (kind) {
    case 'processed': {
      const pool = isObject(payload.pool) ? { name: str(payload.pool.name), id: toInt(payload.pool.id) } : null;
      const sendAt = toDate(payload.send_at);
      return { ...base, kind, sendAt: sendAt && sendAt.getTime() > 0 ? sendAt : null, pool };
    }
    case 'dropped':
      return { ...base, kind, reason: str(payload.reason) };
    case 'delivered':
      return { ...base, kind, response: str(payload.response), tls: toBool(payload.tls) };
    case 'deferred':
      return {
        ...base,
        kind,
        response: str(payload.response),
        reason: str(payload.reason),
        attempt: toInt(payload.attempt),
      };
    case 'bounce':
      return {
        ...base,
        kind,
        type: str(payload.type)?.toLowerCase() === 'blocked' ? 'blocked' : 'bounce',
        reason: str(payload.reason),
        status: str(payload.status),
        bounceClassification: str(payload.bounce_classification),
        tls: toBool(payload.tls),
      };
    case 'open':
      return { ...base, kind, useragent: str(payload.useragent), machineOpen: toBool(payload.sg_machine_open) };
    case 'click': {
      const offset = isObject(payload.url_offset) ? payload.url_offset : null;
      return {
        ...base,
        kind,
        url: str(payload.url),
        urlOffset: offset ? { index: toInt(offset.index) ?? 0, type: str(offset.type) ?? '' } : null,
        useragent: str(payload.useragent),
      };
    }
    case 'group_unsubscribe':
    case 'group_resubscribe':
      return { ...base, kind, useragent: str(payload.useragent) };
    case 'spamreport':
    case 'unsubscribe':
    case 'unknown':
      return { ...base, kind };
  }
}

/** Custom args: top-level keys SendGrid does not own, plus a nested legacy `unique_args` object. */
export function customArgsOf(payload: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (isObject(payload.unique_args)) Object.assign(args, payload.unique_args);
  for (const [key, value] of Object.entries(payload)) if (!SENDGRID_EVENT_KEYS.has(key)) args[key] = value;
  return args;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function toInt(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  return null;
}

function toStringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * Unix time in seconds (usual), milliseconds (Single Send examples) or a numeric string.
 * Values above 10^11 cannot be seconds before the year 5138, so they are milliseconds.
 */
export function toDate(value: unknown): Date | null {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n) || n < 0) return null;
  const ms = n > 1e11 ? n : n * 1000;
  const date = new Date(Math.round(ms));
  return Number.isNaN(date.getTime()) ? null : date;
}

function syntheticEventId(payload: Record<string, unknown>): string {
  return `mailroom:${createHash('sha256').update(canonicalJson(payload)).digest('base64url')}`;
}

/** JSON with object keys sorted at every level, so a re-sent event hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
