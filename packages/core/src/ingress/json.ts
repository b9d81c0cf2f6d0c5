import { IngressError } from './errors.js';

/**
 * Structural tokens (`{ [ : ,` outside strings) a JSON payload may hold. JSON.parse's time grows with the values it
 * builds, not the bytes: 4 MB of nested or tiny objects took ~110 ms; long strings (a raw message, base64) parse
 * fast. A provider's payload has a few hundred.
 */
export const MAX_JSON_TOKENS = 100_000;
/** The scan gives the event loop a turn after each MiB, so a 100 MiB post is no stall either. */
const SCAN_SLICE_BYTES = 1024 * 1024;

export interface JsonReadOptions {
  /** Top-level string fields handed back as their UTF-8 bytes (a raw message): no second copy as a JS string. */
  bytesFields: readonly string[];
  /** The other top-level fields the caller reads; the rest (parsed bodies, attachments) never leave the parse. */
  keepFields: readonly string[];
  /** Who posts this JSON, for the reasons (`a Postmark post has a few hundred`). */
  provider: string;
}

/** A JSON object's kept fields, with `bytesFields` as Buffers. */
export type JsonFields = Record<string, unknown>;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON object body into the fields the caller keeps: refuses a payload of more than MAX_JSON_TOKENS values
 * before parsing it (400 `invalid_payload`), then UTF-8 (fatal) and JSON (400 `invalid_json`), one object
 * (400 `invalid_payload`). `yieldEvery` set, the token scan yields between slices (the event loop's caller).
 */
export async function readJsonObject(body: Buffer, options: JsonReadOptions, yieldEvery = true): Promise<JsonFields> {
  await checkJsonShape(body, options.provider, yieldEvery);
  let payload: unknown;
  try {
    payload = JSON.parse(UTF8.decode(body));
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message.slice(0, 200) : 'the body is not UTF-8';
    throw new IngressError(400, 'invalid_json', `the body is not JSON: ${detail}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new IngressError(400, 'invalid_payload', `the body is not a JSON object (${options.provider} posts one)`);
  }
  return keptFields(payload as Record<string, unknown>, options);
}

function keptFields(payload: Record<string, unknown>, options: JsonReadOptions): JsonFields {
  const fields: JsonFields = {};
  for (const name of options.keepFields) if (Object.hasOwn(payload, name)) fields[name] = payload[name];
  for (const name of options.bytesFields) {
    if (!Object.hasOwn(payload, name)) continue;
    const value = payload[name];
    fields[name] = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  }
  return fields;
}

/** Where a scan for structural tokens stands: the next byte, the tokens counted, inside a string or not. */
interface TokenScan {
  at: number;
  tokens: number;
  inString: boolean;
}

/**
 * Counts the structural tokens (`{ [ : ,` outside strings) of `body` from `scan.at` up to `end`, stopping as soon as
 * there are more than `max`: true then. Linear, one pass, no allocation.
 */
function scanJsonTokens(body: Buffer, scan: TokenScan, end: number, max: number): boolean {
  let { at: i, tokens, inString } = scan;
  for (; i < end; i++) {
    const byte = body[i]!;
    if (inString) {
      if (byte === 0x5c)
        i++; // a backslash escapes the next byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if ((byte === 0x7b || byte === 0x5b || byte === 0x3a || byte === 0x2c) && ++tokens > max) return true;
  }
  Object.assign(scan, { at: i, tokens, inString });
  return false;
}

/** Whether a JSON body holds more than `max` structural tokens, in one pass (a small body: SNS's, ≤ 1 MiB). */
export function jsonTokensExceed(body: Buffer, max: number): boolean {
  return scanJsonTokens(body, { at: 0, tokens: 0, inString: false }, body.length, max);
}

async function checkJsonShape(body: Buffer, provider: string, yieldEvery: boolean): Promise<void> {
  const scan: TokenScan = { at: 0, tokens: 0, inString: false };
  while (scan.at < body.length) {
    if (scanJsonTokens(body, scan, Math.min(body.length, scan.at + SCAN_SLICE_BYTES), MAX_JSON_TOKENS)) {
      throw new IngressError(
        400,
        'invalid_payload',
        `the JSON holds more than ${MAX_JSON_TOKENS} objects, arrays and values; a ${provider} post has a few hundred`,
      );
    }
    if (yieldEvery && scan.at < body.length) await new Promise((resolve) => setImmediate(resolve));
  }
}
