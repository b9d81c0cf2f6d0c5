import {
  createSignatureCheck,
  parseSendGridPublicKey,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type SignatureCheck,
} from '../ingress/index.js';
import { describeError, isUnavailableError, silentLogger, type Logger, type Store } from '../inbox/index.js';
import { EventParseError, parseEventBody } from './parse.js';
import { storeEvents, type StoreEventsResult } from './store.js';

export interface EventsHandlerOptions {
  store: Store;
  /** Base64 DER SPKI keys of the Event Webhook(s) posting here; any may match (rotation, several webhooks). */
  publicKeys?: string[];
  /** Local development only: accept unsigned posts when no key is configured. */
  insecure?: boolean;
  /** Optional freshness window for the signed timestamp, seconds (SendGrid documents none; off by default). */
  maxTimestampAgeSeconds?: number;
  /** Largest body accepted; default 32 MiB (SendGrid posts at most ~768 KB). */
  maxBodyBytes?: number;
  logger?: Logger;
  /** After a batch committed (e.g. kick the event dispatcher). */
  onStored?: (result: StoreEventsResult) => void;
}

export class EventsConfigurationError extends Error {
  override name = 'EventsConfigurationError';
}

/**
 * The Event Webhook endpoint: verify the signature over the exact bytes, parse, store (deduplicated)
 * and answer 2xx only after commit. 401 without signature headers, 403 on a bad signature,
 * 400 for malformed JSON (with the reason), 413 too large, 503 when the database is unavailable.
 *
 * @example
 * ```ts
 * app.post('/sendgrid/events', (c) => handle(c.req.raw));
 * const handle = eventsHandler({ store, publicKeys: [process.env.SENDGRID_EVENTS_KEY!] });
 * ```
 */
export function eventsHandler(options: EventsHandlerOptions): (request: Request) => Promise<Response> {
  const publicKeys = options.publicKeys ?? [];
  if (publicKeys.length === 0 && !options.insecure) {
    throw new EventsConfigurationError('eventsHandler needs publicKeys (or insecure: true for local development)');
  }
  publicKeys.forEach(parseSendGridPublicKey); // bad keys fail at startup, not per request
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const logger = options.logger ?? options.store.logger ?? silentLogger;

  return async (request) => {
    if (request.method !== 'POST') return json(405, { error: 'use POST' }, { allow: 'POST' });
    let check: SignatureCheck | null = null;
    if (publicKeys.length > 0) {
      const signature = request.headers.get(SIGNATURE_HEADER);
      const timestamp = request.headers.get(TIMESTAMP_HEADER);
      if (!signature || !timestamp) return json(401, { error: `missing ${SIGNATURE_HEADER} or ${TIMESTAMP_HEADER}` });
      if (options.maxTimestampAgeSeconds !== undefined) {
        const seconds = Number(timestamp);
        if (!Number.isFinite(seconds) || Math.abs(Date.now() / 1000 - seconds) > options.maxTimestampAgeSeconds) {
          return json(403, { error: 'signature timestamp outside the accepted window' });
        }
      }
      check = createSignatureCheck(publicKeys, signature, timestamp);
    }

    let chunks: Uint8Array[] | null;
    try {
      chunks = request.body ? await readChunks(request.body, maxBodyBytes, (chunk) => check?.update(chunk)) : [];
    } catch (error) {
      return json(400, { error: `could not read the body: ${(error as Error).message}` });
    }
    if (!chunks) return json(413, { error: `body larger than ${maxBodyBytes} bytes` });
    const size = chunks.reduce((total, chunk) => total + chunk.byteLength, 0);
    if (check && !check.verify()) {
      logger.warn('events_bad_signature', { size });
      return json(403, { error: 'signature does not match the body' });
    }

    let parsed;
    try {
      parsed = parseEventBody(Buffer.concat(chunks, size));
    } catch (error) {
      if (error instanceof EventParseError) return json(400, { error: error.message });
      throw error;
    }

    let result: StoreEventsResult;
    try {
      result = await options.store.transaction((tx) => storeEvents(tx, parsed));
    } catch (error) {
      if (isUnavailableError(error)) {
        logger.error('events_store_unavailable', { error: describeError(error) });
        return json(503, { error: 'store unavailable, retry later' }, { 'retry-after': '30' });
      }
      logger.error('events_store_failed', { error: describeError(error) });
      return json(500, { error: 'could not store the events' });
    }
    logger.info('events_received', { ...result });
    try {
      options.onStored?.(result);
    } catch (error) {
      logger.error('events_on_stored_failed', { error: describeError(error) });
    }
    return json(200, result);
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** The body's chunks, each handed to `onChunk` as it arrives; null (and the rest cancelled, unread) past `maxBytes`. */
async function readChunks(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  onChunk: (chunk: Uint8Array) => void,
): Promise<Uint8Array[] | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size > maxBytes) {
        reader.cancel().catch(() => {}); // not awaited: a stalled sender may never settle it
        return null;
      }
      onChunk(read.value);
      chunks.push(read.value);
    }
    return chunks;
  } finally {
    reader.releaseLock();
  }
}
