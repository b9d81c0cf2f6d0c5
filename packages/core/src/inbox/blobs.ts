import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { InvalidBlobKeyError } from './errors.js';
import { blobParts, blobs } from './schema.js';

export type BlobData = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Where stored bytes live. Keys are ids we generate (`inbound/<uuid>`), never user input, so no attachment
 * or file name ever reaches a path. Methods accept the caller's transaction: the database backend then
 * writes atomically with the row; the filesystem backend ignores it.
 */
export interface BlobStore {
  /** `database`: writes join the caller's transaction. Others are written before commit and removed if it fails. */
  readonly kind: 'database' | 'filesystem' | 'external';
  put(key: string, data: BlobData, tx?: Queryable): Promise<void>;
  get(key: string, tx?: Queryable): Promise<Buffer | null>;
  delete(key: string, tx?: Queryable): Promise<void>;
  has(key: string, tx?: Queryable): Promise<boolean>;
}

const KEY_PATTERN = /^[a-z0-9_-]+(?:\/[a-z0-9_-]+)*$/;

export function assertBlobKey(key: string): void {
  if (key.length > 200 || !KEY_PATTERN.test(key))
    throw new InvalidBlobKeyError(`invalid blob key: ${JSON.stringify(key)}`);
}

async function collect(data: BlobData): Promise<Buffer> {
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of data) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * A blob larger than this is stored in pieces of this size (`mailroom.blob_parts`), a statement per piece with a
 * turn of the event loop between: through postgres.js a 35 MB value cost one 150–600 ms stall (its base64 and the
 * driver's Bind message), through PGlite ≈ 14 ms per MB (WASM on this thread). A piece costs ≈ 5 ms (PostgreSQL)
 * or ≈ 15 ms (PGlite).
 */
export const BLOB_PART_BYTES = 1024 * 1024;

const turn = () => new Promise((resolve) => setImmediate(resolve));
const decoded = (bytes: Buffer) => sql`decode(${bytes.toString('base64')}, 'base64')`;

/**
 * Blobs in `mailroom.blobs` (bytea). Default backend: one database to back up, atomic with the rows.
 * Bytes cross the driver as base64 text decoded by PostgreSQL: PGlite's bytea parameter path is ~20× slower
 * (a 10 MB post took 40 s to store), and postgres.js would otherwise send hex, which is larger than base64.
 * Give `put` a transaction for a large blob: its pieces are then written atomically with the row.
 */
export function databaseBlobStore(db: Queryable): BlobStore {
  return {
    kind: 'database',
    async put(key, data, tx = db) {
      assertBlobKey(key);
      const bytes = await collect(data);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const parts = bytes.length > BLOB_PART_BYTES ? Math.ceil(bytes.length / BLOB_PART_BYTES) : 0;
      await tx
        .insert(blobs)
        .values({ key, bytes: parts ? sql`''::bytea` : decoded(bytes), size: bytes.length, sha256, parts })
        .onConflictDoUpdate({
          target: blobs.key,
          set: {
            bytes: sql`excluded.bytes`,
            size: sql`excluded.size`,
            sha256: sql`excluded.sha256`,
            parts: sql`excluded.parts`,
          },
        });
      await tx.delete(blobParts).where(eq(blobParts.key, key));
      for (let seq = 0; seq < parts; seq++) {
        await turn();
        const piece = bytes.subarray(seq * BLOB_PART_BYTES, (seq + 1) * BLOB_PART_BYTES);
        await tx.insert(blobParts).values({ key, seq, bytes: decoded(piece) });
      }
    },
    async get(key, tx = db) {
      assertBlobKey(key);
      const [row] = await tx
        .select({ base64: sql<string>`encode(${blobs.bytes}, 'base64')`, parts: blobs.parts, size: blobs.size })
        .from(blobs)
        .where(eq(blobs.key, key));
      if (!row) return null;
      // PostgreSQL wraps base64 output every 76 characters; Buffer.from ignores the line breaks.
      if (row.parts === 0) return Buffer.from(row.base64, 'base64');
      const whole = Buffer.allocUnsafe(row.size);
      let filled = 0;
      for (let seq = 0; seq < row.parts; seq++) {
        await turn();
        const [part] = await tx
          .select({ base64: sql<string>`encode(${blobParts.bytes}, 'base64')` })
          .from(blobParts)
          .where(and(eq(blobParts.key, key), eq(blobParts.seq, seq)));
        if (!part) throw new Error(`blob ${key}: piece ${seq} of ${row.parts} is missing`);
        filled += Buffer.from(part.base64, 'base64').copy(whole, filled);
      }
      if (filled !== row.size) throw new Error(`blob ${key}: its pieces hold ${filled} bytes, not ${row.size}`);
      return whole;
    },
    async delete(key, tx = db) {
      assertBlobKey(key);
      await tx.delete(blobs).where(eq(blobs.key, key)); // its pieces go with it (ON DELETE CASCADE)
    },
    async has(key, tx = db) {
      assertBlobKey(key);
      const [row] = await tx.select({ key: blobs.key }).from(blobs).where(eq(blobs.key, key));
      return row !== undefined;
    },
  };
}

/** Blobs as files under `dir` (`<dir>/<key>`). Writes go to a temporary name and are renamed into place. */
export function filesystemBlobStore(dir: string): BlobStore {
  const root = resolve(dir);
  const pathOf = (key: string) => {
    assertBlobKey(key);
    return join(root, key);
  };
  return {
    kind: 'filesystem',
    async put(key, data) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temporary, await collect(data));
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async has(key) {
      try {
        return (await stat(pathOf(key))).isFile();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
  };
}
