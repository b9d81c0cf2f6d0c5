import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';

/**
 * Where an attachment's bytes live: in memory (one buffer, or the decoder's chunks — joined only when
 * asked, so a 20 MB attachment is never held twice while the email is parsed), still base64-encoded in the
 * message it came in (a view into those bytes, decoded block by block whenever it is read), or in a file.
 */
export type AttachmentSource =
  | { kind: 'buffer'; data: Uint8Array }
  | { kind: 'chunks'; chunks: readonly Uint8Array[] }
  | { kind: 'base64'; encoded: Uint8Array }
  | { kind: 'file'; path: string };

interface AttachmentFields {
  filename: string;
  contentType: string;
  contentId: string | null;
  inline: boolean;
}

/**
 * What an Attachment is made of. `sha256` (hex SHA-256 of the decoded content) may be left out for
 * in-memory sources: it is then computed from the bytes on first read and cached. A file source
 * must give it (reading it back would be blocking I/O). `size` (decoded bytes) may be left out only for a
 * base64 source, whose size is known once decoded: it is counted, with the digest, on first read of either.
 */
export type AttachmentInit = AttachmentFields &
  (
    | { size: number; sha256?: string; source: Exclude<AttachmentSource, { kind: 'file' }> }
    | { size: number; sha256: string; source: AttachmentSource }
    | { size?: number; sha256?: string; source: Extract<AttachmentSource, { kind: 'base64' }> }
  );

/** The JSON form of an attachment (no content). */
export interface AttachmentJSON {
  filename: string;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
  sha256: string;
}

const MAX_STORAGE_NAME = 100;

/**
 * A file that came with the email. `filename` is what the sender called it (untrusted);
 * `storageName` is safe to use as a file name: no separators, no control characters,
 * no leading dots, bounded length.
 */
export class Attachment {
  readonly filename: string;
  readonly contentType: string;
  /** Content-ID without angle brackets, or null. */
  readonly contentId: string | null;
  /** True for parts referenced from the HTML body (`cid:`) or marked inline. */
  readonly inline: boolean;
  readonly #source: AttachmentSource;
  #sha256: string | undefined;
  #size: number | undefined;
  #storageName: string | undefined;

  constructor(init: AttachmentInit) {
    this.filename = init.filename;
    this.contentType = init.contentType;
    this.#size = init.size;
    this.contentId = init.contentId;
    this.inline = init.inline;
    this.#source = init.source;
    this.#sha256 = init.sha256;
    if (this.#sha256 === undefined && init.source.kind === 'file') {
      throw new TypeError('Attachment: a file source needs its sha256');
    }
    if (this.#size === undefined && init.source.kind !== 'base64') {
      throw new TypeError('Attachment: only a base64 source may leave out its size');
    }
  }

  /** Decoded size in bytes (for a base64 source without a given size: counted on first read, with the digest). */
  get size(): number {
    if (this.#size === undefined) this.#digestNow();
    return this.#size!;
  }

  /**
   * Hex SHA-256 of the decoded content. Computed on first read (unless given at construction) and
   * cached: parsing never hashes, so the cost is paid by whoever needs the digest (the inbox's dedupe key).
   */
  get sha256(): string {
    if (this.#sha256 === undefined) this.#digestNow();
    return this.#sha256!;
  }

  /**
   * `sha256`, computed without holding the event loop for long: a base64 source is decoded and hashed one block per
   * turn (a 20 MB attachment is ≈ 100 ms of work). The inbox awaits it before it reads the digests at ingest.
   */
  async digest(): Promise<string> {
    if (this.#sha256 === undefined) {
      for (const steps = this.#hashing(); !steps.next().done;) await new Promise((resolve) => setImmediate(resolve));
    }
    return this.sha256;
  }

  #digestNow(): void {
    for (const steps = this.#hashing(); !steps.next().done;);
  }

  /**
   * One pass over the decoded bytes, a step per block (run straight through, or one step per event-loop turn):
   * the digest and, for a base64 source, the size.
   */
  *#hashing(): Generator<void, void> {
    const hash = createHash('sha256');
    const source = this.#source;
    let size = 0;
    const blocks: Iterable<Uint8Array> =
      source.kind === 'buffer'
        ? [source.data]
        : source.kind === 'chunks'
          ? source.chunks
          : source.kind === 'base64'
            ? decodeBase64Blocks(source.encoded)
            : [];
    for (const block of blocks) {
      hash.update(block);
      size += block.byteLength;
      yield;
    }
    this.#size ??= size;
    this.#sha256 ??= hash.digest('hex');
  }

  /** A safe file name (see the class comment); falls back to `attachment-<sha256 prefix>` when nothing is left of `filename`. */
  get storageName(): string {
    return (this.#storageName ??= sanitizedStorageName(this.filename) ?? fallbackStorageName(this.sha256));
  }

  /** The decoded bytes. */
  async content(): Promise<Buffer> {
    const source = this.#source;
    if (source.kind === 'buffer')
      return Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength);
    if (source.kind === 'chunks') return Buffer.concat(source.chunks);
    if (source.kind === 'base64') return Buffer.concat([...decodeBase64Blocks(source.encoded)]);
    return readFile(source.path);
  }

  /** The decoded bytes as a stream (no full copy in memory for spilled parts). */
  stream(): Readable {
    const source = this.#source;
    if (source.kind === 'buffer') return Readable.from([Buffer.from(source.data)]);
    if (source.kind === 'chunks') return Readable.from(source.chunks.map((chunk) => Buffer.from(chunk)));
    if (source.kind === 'base64') return Readable.from(decodeBase64Blocks(source.encoded));
    return createReadStream(source.path);
  }

  toJSON(): AttachmentJSON {
    return {
      filename: this.filename,
      contentType: this.contentType,
      size: this.size,
      contentId: this.contentId,
      inline: this.inline,
      sha256: this.sha256,
    };
  }
}

/** Encoded bytes per decoded block: the decoder never holds more than this much text at once. */
const BASE64_BLOCK_BYTES = 256 * 1024;
const NOT_BASE64 = /[^A-Za-z0-9+/=]+/g;

/**
 * Decodes base64 text (line breaks and anything else outside the alphabet skipped, as MIME decoders do) block by
 * block, each block a whole number of 4-character groups, so the decoded bytes are never held all at once.
 */
export function* decodeBase64Blocks(encoded: Uint8Array): Generator<Buffer> {
  const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  let carry = '';
  for (let at = 0; at < bytes.length; at += BASE64_BLOCK_BYTES) {
    const text =
      carry + bytes.toString('latin1', at, Math.min(at + BASE64_BLOCK_BYTES, bytes.length)).replace(NOT_BASE64, '');
    const whole = text.length - (text.length % 4);
    carry = text.slice(whole);
    if (whole > 0) yield Buffer.from(text.slice(0, whole), 'base64');
  }
  if (carry) {
    const tail = Buffer.from(carry, 'base64');
    if (tail.length > 0) yield tail;
  }
}

/**
 * A file name safe for any filesystem: keeps the last path segment's letters, digits,
 * dot, dash and underscore; never empty, never hidden, at most 100 characters.
 */
export function safeStorageName(filename: string, fallbackSeed = 'attachment'): string {
  return sanitizedStorageName(filename) ?? fallbackStorageName(fallbackSeed);
}

function fallbackStorageName(seed: string): string {
  return `attachment-${seed.slice(0, 12)}`;
}

/** The safe form of `filename`, or null when nothing usable is left of it. */
function sanitizedStorageName(filename: string): string | null {
  const lastSegment = filename.split(/[\\/]/).pop() ?? '';
  let name = lastSegment
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\w.-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/\.{2,}/g, '.');
  if (!name || name === '.' || /^_*$/.test(name)) return null;
  if (name.length > MAX_STORAGE_NAME) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = name.slice(0, MAX_STORAGE_NAME - ext.length) + ext;
  }
  return name;
}
