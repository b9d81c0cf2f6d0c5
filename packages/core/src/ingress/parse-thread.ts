/**
 * The body of a parse thread (see parse-pool.ts): runs the ingress's parse on a worker thread, so a large or
 * pathological message costs that thread's time and heap, never the event loop that answers webhooks.
 */
import { createHash } from 'node:crypto';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { detachedEmailData, type BodyView, type EmailData } from './email-data.js';
import { IngressError, type IngressErrorStatus } from './errors.js';
import type { ResolvedLimits } from './limits.js';
import { readJsonObject, type JsonReadOptions } from './json.js';
import { parseFormData } from './parse.js';
import { SpillError } from './raw-mode.js';
import { useSpillFolder } from './spill.js';

export interface ParseTask {
  body: Uint8Array;
  boundary: string;
  limits: ResolvedLimits;
  spillFolder: string | null;
}

/** Errors do not cross threads with their class and fields: they come back as data and are rebuilt. */
export type ParseOutcome =
  | { ok: true; data: EmailData; views: BodyView[]; bodySha256: string }
  | { ok: false; kind: 'ingress'; status: IngressErrorStatus; code: string; message: string }
  | { ok: false; kind: 'spill' | 'other'; message: string };

export interface JsonTask {
  body: Uint8Array;
  options: JsonReadOptions;
}

export type JsonOutcome = { ok: true; fields: Record<string, unknown> } | Exclude<ParseOutcome, { ok: true }>;

export default async function parseTask(task: ParseTask): Promise<ParseOutcome | object> {
  if (task.spillFolder) useSpillFolder(task.spillFolder);
  const body = Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength);
  try {
    const { data, views, transfer } = detachedEmailData(await parseFormData(body, task.boundary, task.limits), body);
    // The body's digest (the inbox's checksum) is one more pass over bytes this thread holds anyway.
    const outcome: ParseOutcome = {
      ok: true,
      data,
      views,
      bodySha256: createHash('sha256').update(body).digest('hex'),
    };
    // Moved, not copied: the thread hands its buffers over (transfer list), a copied body too, and keeps nothing
    // (an idle thread may not collect garbage for a long time). A shared body stays where it is.
    const ownBody = task.body.buffer instanceof ArrayBuffer ? [task.body.buffer] : [];
    return move({ [transferableSymbol]: [...transfer, ...ownBody], [valueSymbol]: outcome });
  } catch (error) {
    return failure(error);
  }
}

/**
 * A JSON payload read on this thread (`readJsonObject`, the token scan without yielding: nothing else runs here):
 * the kept fields come back, a raw message's bytes moved rather than copied.
 */
export async function jsonTask(task: JsonTask): Promise<JsonOutcome | object> {
  const body = Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength);
  try {
    const fields = await readJsonObject(body, task.options, false);
    // A large Buffer owns its memory and moves; a small one sits in Node's shared pool and is copied instead.
    const transfer = Object.values(fields).flatMap((value) =>
      Buffer.isBuffer(value) && value.byteOffset === 0 && value.buffer.byteLength === value.length
        ? [value.buffer]
        : [],
    );
    return move({ [transferableSymbol]: transfer, [valueSymbol]: { ok: true, fields } satisfies JsonOutcome });
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): Exclude<ParseOutcome, { ok: true }> {
  if (error instanceof IngressError)
    return { ok: false, kind: 'ingress', status: error.status, code: error.code, message: error.message };
  return {
    ok: false,
    kind: error instanceof SpillError ? 'spill' : 'other',
    message: (error as Error)?.message ?? String(error),
  };
}
