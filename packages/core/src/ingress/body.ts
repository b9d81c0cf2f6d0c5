import { IngressError } from './errors.js';

export type BodySource = Uint8Array | AsyncIterable<Uint8Array>;

export interface CollectedBody {
  body: Buffer;
}

/**
 * Reads a body into one Buffer while counting bytes (Content-Length is not trusted) and
 * handing each chunk to `onChunk` (the signature check) as it arrives. Nothing is hashed
 * here: parsing does not need the body's digest (`ReceivedPost.sha256` computes it on first read).
 * With a declared length the buffer is allocated once, so the body exists in memory once.
 */
export async function collectBody(
  source: BodySource | ReadableStream<Uint8Array>,
  options: { maxBytes: number; declaredLength?: number | null; onChunk?: (chunk: Uint8Array) => void },
): Promise<CollectedBody> {
  const { maxBytes, onChunk } = options;
  if (source instanceof Uint8Array) {
    if (source.byteLength > maxBytes) throw bodyTooLarge(maxBytes);
    onChunk?.(source);
    return { body: asBuffer(source) };
  }

  const declared = options.declaredLength;
  const expected = declared && declared > 0 && declared <= maxBytes ? declared : 0;
  let preallocated: Buffer | null = null;
  let filled = 0;
  const chunks: Buffer[] = [];
  // Chunks are kept as handed out, without a copy: default-reader web streams and Node streams
  // hand out a fresh buffer per chunk (only BYOB readers reuse memory, and none is used here).
  for await (const chunk of source instanceof ReadableStream ? readStream(source) : source) {
    if (chunk.byteLength === 0) continue;
    if (filled + chunk.byteLength > maxBytes) throw bodyTooLarge(maxBytes);
    onChunk?.(chunk);
    if (filled === 0 && expected > chunk.byteLength) {
      // Several chunks are coming: one buffer of the declared size, so the body exists once.
      preallocated = Buffer.allocUnsafe(expected);
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
  const body = preallocated ? preallocated.subarray(0, filled) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, filled);
  return { body };
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function bodyTooLarge(maxBytes: number): IngressError {
  return new IngressError(413, 'body_too_large', `request body exceeds the ${maxBytes}-byte limit (maxBodyBytes)`);
}

/** Iterates a web stream; leaving early (limit exceeded, error) cancels it. */
async function* readStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
