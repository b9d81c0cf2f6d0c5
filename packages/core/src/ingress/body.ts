import { IngressError } from './errors.js';
import type { BodyWatch } from './pace.js';

export type BodySource = Uint8Array | AsyncIterable<Uint8Array>;

export interface CollectedBody {
  body: Buffer;
}

/** Where a body's arrival is watched and its bytes accounted (see pace.ts). */
export interface BodyGuards {
  watch?: BodyWatch;
  lease?: { take(bytes: number): void };
}

/** A body is copied into one buffer of its declared size only once this much of it has arrived. */
const PREALLOCATE_AFTER_BYTES = 1024 * 1024;

/**
 * Reads a body into one Buffer while counting bytes (Content-Length is not trusted) and
 * handing each chunk to `onChunk` (the signature check) as it arrives. Nothing is hashed
 * here: parsing does not need the body's digest (`ReceivedPost.sha256` computes it on first read).
 * With a declared length the body goes into one buffer of that size once 1 MiB of it has arrived (so the body
 * exists in memory once, and a sender who only declares a large length gets no large buffer). `guards.watch`
 * fails the read when the body is too slow (408), `guards.lease` accounts each chunk (503 past maxInFlightBytes).
 */
export async function collectBody(
  source: BodySource | ReadableStream<Uint8Array>,
  options: { maxBytes: number; declaredLength?: number | null; onChunk?: (chunk: Uint8Array) => void } & BodyGuards,
): Promise<CollectedBody> {
  const { maxBytes, onChunk, watch, lease } = options;
  if (source instanceof Uint8Array) {
    if (source.byteLength > maxBytes) throw bodyTooLarge(maxBytes);
    onChunk?.(source);
    return { body: asBuffer(source) };
  }

  const declared = options.declaredLength;
  const expected = declared && declared > 0 && declared <= maxBytes ? declared : 0;
  let preallocated: Buffer | null = null;
  let filled = 0;
  let chunks: Buffer[] = [];
  // Chunks are kept as handed out, without a copy: default-reader web streams and Node streams
  // hand out a fresh buffer per chunk (only BYOB readers reuse memory, and none is used here).
  const iterable = source instanceof ReadableStream ? readStream(source, watch) : source;
  for await (const chunk of iterable) {
    if (chunk.byteLength === 0) continue;
    if (filled + chunk.byteLength > maxBytes) throw bodyTooLarge(maxBytes);
    lease?.take(chunk.byteLength);
    watch?.progress(chunk.byteLength);
    onChunk?.(chunk);
    if (
      !preallocated &&
      expected > 0 &&
      filled + chunk.byteLength >= PREALLOCATE_AFTER_BYTES &&
      filled + chunk.byteLength < expected
    ) {
      // Several more chunks are coming: one buffer of the declared size, so the body exists once. Shared memory,
      // so a parse thread reads these very bytes (parse-pool.ts) instead of a copy.
      preallocated = Buffer.from(new SharedArrayBuffer(expected));
      let at = 0;
      for (const previous of chunks) at += previous.copy(preallocated, at);
      chunks = [];
    }
    if (preallocated && filled + chunk.byteLength <= preallocated.length) {
      preallocated.set(chunk, filled);
    } else {
      if (preallocated) {
        // More bytes than Content-Length promised: fall back to collecting chunks.
        chunks.push(preallocated.subarray(0, filled));
        preallocated = null;
      }
      chunks.push(asBuffer(chunk));
    }
    filled += chunk.byteLength;
  }
  const body = preallocated
    ? preallocated.subarray(0, filled)
    : chunks.length === 1
      ? chunks[0]!
      : Buffer.concat(chunks, filled);
  return { body };
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function bodyTooLarge(maxBytes: number): IngressError {
  return new IngressError(413, 'body_too_large', `request body exceeds the ${maxBytes}-byte limit (maxBodyBytes)`);
}

/** Iterates a web stream; leaving early (limit exceeded, too slow, error) cancels it. */
async function* readStream(
  stream: ReadableStream<Uint8Array>,
  watch: BodyWatch | undefined,
): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await (watch ? watch.race(reader.read()) : reader.read());
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    // Not awaited: a stalled source may never settle its cancel (the connection is closed after the answer).
    if (!finished) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
