import { createHash, randomUUID, type Hash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, unlink, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Attachments spilled to disk (raw mode, `limits.spillAttachmentsAboveBytes`): decoded bytes go to a file with a
 * random name in one folder per process — never a path derived from the sender's file name. A file is deleted
 * when its Attachment is garbage-collected, and the folder when the process exits.
 */
let folder: string | null = null;

/** The folder spilled attachments go to (created on first use, removed when the process exits). */
export function spillFolder(): string {
  if (folder) return folder;
  const created = mkdtempSync(join(tmpdir(), 'mailroom-spill-'));
  folder = created;
  process.once('exit', () => rmSync(created, { recursive: true, force: true }));
  return created;
}

/**
 * A parse thread spills into the main thread's folder: the files outlive the thread (the Attachments that read
 * them live on the main thread), so the thread must not create, or remove at its exit, a folder of its own.
 */
export function useSpillFolder(path: string): void {
  folder = path;
}

const released = new FinalizationRegistry<string>((path) => unlink(path, () => undefined));

/** Deletes `path` once `owner` (the Attachment reading it) is unreachable. */
export function deleteWhenReleased(owner: object, path: string): void {
  released.register(owner, path);
}

/** A file being written chunk by chunk, hashed on the way (a file source carries its digest). */
export interface SpillFile {
  readonly path: string;
  write(chunk: Uint8Array): void;
  /** Closes the file; returns its hex SHA-256. */
  finish(): string;
  /** Closes and deletes it (the parse failed). */
  discard(): void;
}

export function openSpillFile(): SpillFile {
  const path = join(spillFolder(), randomUUID());
  const fd = openSync(path, 'wx', 0o600);
  const hash: Hash = createHash('sha256');
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    path,
    write(chunk) {
      hash.update(chunk);
      // Synchronous: the parser hands over 64 KiB at a time, and ordering stays trivially right.
      for (let offset = 0; offset < chunk.byteLength;) offset += writeSync(fd, chunk, offset);
    },
    finish() {
      close();
      return hash.digest('hex');
    },
    discard() {
      close();
      rmSync(path, { force: true });
    },
  };
}
