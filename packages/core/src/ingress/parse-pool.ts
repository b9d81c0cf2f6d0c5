import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { IngressError } from './errors.js';
import { withBodyViews, type EmailData } from './email-data.js';
import type { ResolvedLimits } from './limits.js';
import type { ParseOutcome, ParseTask } from './parse-thread.js';
import { SpillError } from './raw-mode.js';
import { spillFolder } from './spill.js';

const threadFile = new URL(
  import.meta.url.endsWith('.ts') ? './parse-thread.ts' : './parse-thread.js',
  import.meta.url,
);

let pool: Piscina<ParseTask, ParseOutcome> | null = null;

/**
 * One pool per process, created on the first large post: at most one thread per core less one (at least one),
 * started on demand and ended after a minute idle, each with a bounded heap (a parse that needs more fails,
 * instead of taking the process down). Under the TypeScript sources (the test suite) the thread runs them
 * through tsx.
 */
function parsePool(): Piscina<ParseTask, ParseOutcome> {
  pool ??= new Piscina<ParseTask, ParseOutcome>({
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
  // A body in shared memory (a streamed one, see body.ts) is read where it is; any other is copied and the copy
  // moved (the caller keeps its bytes: the inbox stores them).
  const shared = body.buffer instanceof SharedArrayBuffer;
  const bytes = shared ? body : new Uint8Array(body);
  const task: ParseTask = {
    body: bytes,
    boundary,
    limits,
    spillFolder: limits.spillAttachmentsAboveBytes > 0 ? spillFolder() : null,
  };
  const signal = limits.parseTimeoutMs > 0 ? AbortSignal.timeout(limits.parseTimeoutMs) : null;
  let outcome: ParseOutcome;
  try {
    outcome = await parsePool().run(task, { transferList: shared ? [] : [bytes.buffer as ArrayBuffer], signal });
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
  if (outcome.ok) return { data: withBodyViews(outcome.data, outcome.views, body), bodySha256: outcome.bodySha256 };
  if (outcome.kind === 'ingress') throw new IngressError(outcome.status, outcome.code, outcome.message);
  if (outcome.kind === 'spill') throw new SpillError(outcome.message);
  throw new Error(`parse thread: ${outcome.message}`);
}
