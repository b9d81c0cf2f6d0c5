import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { IngressError } from './errors.js';
import { withBodyViews, type EmailData } from './email-data.js';
import type { ResolvedLimits } from './limits.js';
import { readJsonObject, type JsonFields, type JsonReadOptions } from './json.js';
import type { JsonOutcome, JsonTask, ParseOutcome, ParseTask } from './parse-thread.js';
import { SpillError } from './raw-mode.js';
import { spillFolder } from './spill.js';

const threadFile = new URL(
  import.meta.url.endsWith('.ts') ? './parse-thread.ts' : './parse-thread.js',
  import.meta.url,
);

let pool: Piscina<ParseTask | JsonTask, ParseOutcome | JsonOutcome> | null = null;

/**
 * One pool per process, created on the first large post: at most one thread per core less one (at least one),
 * started on demand and ended after a minute idle, each with a bounded heap (a parse that needs more fails,
 * instead of taking the process down). Under the TypeScript sources (the test suite) the thread runs them
 * through tsx.
 */
function parsePool(): Piscina<ParseTask | JsonTask, ParseOutcome | JsonOutcome> {
  pool ??= new Piscina<ParseTask | JsonTask, ParseOutcome | JsonOutcome>({
    filename: fileURLToPath(threadFile),
    minThreads: 0,
    maxThreads: Math.max(1, availableParallelism() - 1),
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: 1024 },
    execArgv: threadFile.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [],
  });
  return pool;
}

/**
 * Parses a body on a parse thread within `limits.parseTimeoutMs`: past it the thread is stopped and the post
 * refused (422 `parse_timeout`), so no message can hold a thread, or be retried into the same wall, for longer.
 */
export async function parseOffThread(
  body: Buffer,
  boundary: string,
  limits: ResolvedLimits,
): Promise<{ data: EmailData; bodySha256: string }> {
  const { bytes, transfer } = threadBytes(body);
  const task: ParseTask = {
    body: bytes,
    boundary,
    limits,
    spillFolder: limits.spillAttachmentsAboveBytes > 0 ? spillFolder() : null,
  };
  const outcome = (await runOnThread(task, 'default', transfer, limits)) as ParseOutcome;
  if (outcome.ok) return { data: withBodyViews(outcome.data, outcome.views, body), bodySha256: outcome.bodySha256 };
  throw failureOf(outcome);
}

/**
 * A provider's JSON body read into the fields the caller keeps (`readJsonObject`): on this thread up to
 * `limits.parseOffThreadAboveBytes`, else on a parse thread within `limits.parseTimeoutMs`, because JSON.parse and
 * the UTF-8 decode of a large payload are one uninterruptible stall (a 90 MB Postmark post: ~1 s). It takes the
 * body: past the threshold, a body that owns its memory is moved to the thread and empty here afterwards.
 */
export async function readJsonBody(
  body: Buffer,
  options: JsonReadOptions,
  limits: ResolvedLimits,
): Promise<JsonFields> {
  if (limits.parseOffThreadAboveBytes === 0 || body.length <= limits.parseOffThreadAboveBytes) {
    return readJsonObject(body, options);
  }
  // The body is the caller's no more: one that owns its memory (a streamed body without Content-Length) is moved.
  const owned = body.buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.buffer.byteLength === body.length;
  const { bytes, transfer } = owned ? { bytes: body, transfer: [body.buffer as ArrayBuffer] } : threadBytes(body);
  const task: JsonTask = { body: bytes, options: { ...options } };
  const outcome = (await runOnThread(task, 'jsonTask', transfer, limits)) as JsonOutcome;
  if (!outcome.ok) throw failureOf(outcome);
  const fields: JsonFields = {};
  for (const [name, value] of Object.entries(outcome.fields)) {
    fields[name] = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  return fields;
}

/**
 * A body in shared memory (a streamed one, see body.ts) is read where it is; any other is copied (`set`: one
 * memcpy; `new Uint8Array(body)` copies element by element, ~0.5 s for 90 MB) and the copy moved, since the caller
 * keeps its bytes (the inbox stores them).
 */
function threadBytes(body: Buffer): { bytes: Uint8Array; transfer: ArrayBuffer[] } {
  if (body.buffer instanceof SharedArrayBuffer) return { bytes: body, transfer: [] };
  const bytes = new Uint8Array(body.length);
  bytes.set(body);
  return { bytes, transfer: [bytes.buffer] };
}

async function runOnThread(
  task: ParseTask | JsonTask,
  name: 'default' | 'jsonTask',
  transferList: ArrayBuffer[],
  limits: ResolvedLimits,
): Promise<ParseOutcome | JsonOutcome> {
  const signal = limits.parseTimeoutMs > 0 ? AbortSignal.timeout(limits.parseTimeoutMs) : null;
  try {
    return await parsePool().run(task, { name, transferList, signal });
  } catch (error) {
    if (signal?.aborted) {
      throw new IngressError(
        422,
        'parse_timeout',
        `the message could not be parsed within ${limits.parseTimeoutMs} ms (limits.parseTimeoutMs)`,
      );
    }
    if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      throw new IngressError(
        422,
        'parse_out_of_memory',
        'parsing the message needed more memory than a parse thread may use',
      );
    }
    throw error;
  }
}

function failureOf(outcome: Exclude<ParseOutcome, { ok: true }>): Error {
  if (outcome.kind === 'ingress') return new IngressError(outcome.status, outcome.code, outcome.message);
  if (outcome.kind === 'spill') return new SpillError(outcome.message);
  return new Error(`parse thread: ${outcome.message}`);
}
