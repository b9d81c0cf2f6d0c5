import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isPermanentFailure } from '../message/index.js';

/**
 * The loop shared by the background queues that drain a table (outbox deliverer, event dispatcher, lists fan-out):
 * one round at a time, repeated while rounds find work; woken by `kick()` and by a poll timer once
 * started. A kick during a round schedules one more run rather than a concurrent one.
 */
export interface PollLoop {
  start(): void;
  /** Stops polling and waits for the round in progress. */
  stop(): Promise<void>;
  /** Run now (after a commit); a no-op until started. */
  kick(): void;
  /** Run rounds until one finds nothing (tests, CLI); works whether started or not. */
  drain(): Promise<void>;
}

export interface PollLoopOptions {
  /** One claim-and-process round; resolves to how many rows it claimed (0 = nothing due). */
  round: () => Promise<number>;
  pollMs: number;
  /** A round that threw while running in the background (a drain() caller gets the error instead). */
  onError: (error: unknown) => void;
}

export function createPollLoop(options: PollLoopOptions): PollLoop {
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> | null = null;
  let again = false;

  async function drain(): Promise<void> {
    while ((await options.round()) > 0) {
      // keep going until nothing is due
    }
  }

  function tick(): void {
    if (!running) return;
    if (current) {
      again = true;
      return;
    }
    current = drain()
      .catch(options.onError)
      .finally(() => {
        current = null;
        if (again && running) {
          again = false;
          tick();
        }
      });
  }

  return {
    start() {
      if (running) return;
      running = true;
      timer = setInterval(tick, options.pollMs);
      timer.unref?.();
      tick();
    },
    async stop() {
      running = false;
      if (timer) clearInterval(timer);
      timer = null;
      await current;
    },
    kick: tick,
    async drain() {
      if (current) await current;
      await drain();
    },
  };
}

/** `host:pid:random`: who holds a lease, in logs and in the lease column. */
export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Delay before attempt n+1: min(maxMs, baseMs·2^(n-1)), jittered to 50–100 % so retries spread out. */
export function retryDelayMs(attempt: number, backoff: { baseMs: number; maxMs: number }): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}

/** How many attempts a queued job gets and how long it waits between them. */
export interface RetryPolicy {
  /** Attempts before the job is set aside (`failed`, with its reason). */
  maxAttempts: number;
  backoff: { baseMs: number; maxMs: number };
}

/** Try again after `delayMs`, or set the job aside for good (`failed`, keeping `error` as its reason). */
export type RetryDecision = { final: false; delayMs: number } | { final: true };

/**
 * What a queue does with a job whose attempt `attempt` (1-based) failed with `error`: set it aside when the
 * error is permanent (`isPermanentFailure`: retrying would hit the same wall) or its attempts are used up, else
 * retry after the backoff. The backoff moves the job's due time behind the jobs waiting, so a job that keeps
 * failing never starves the others. Every background loop of the Mailroom (and the lists fan-out) uses it.
 *
 * @example
 * ```ts
 * const decision = decideRetry(job.attempts, error, { maxAttempts: 8, backoff: { baseMs: 30_000, maxMs: 3_600_000 } });
 * await tx.update(jobs).set(decision.final ? { status: 'failed', lastError: describeError(error) }
 *   : { lastError: describeError(error), nextAttemptAt: new Date(Date.now() + decision.delayMs) });
 * ```
 */
export function decideRetry(attempt: number, error: unknown, policy: RetryPolicy, minDelayMs = 0): RetryDecision {
  if (isPermanentFailure(error) || attempt >= policy.maxAttempts) return { final: true };
  return { final: false, delayMs: Math.round(Math.max(minDelayMs, retryDelayMs(attempt, policy.backoff))) };
}

/**
 * A job claimed for attempt `attempt` after its earlier attempts were all used, because the workers running them
 * stopped (crash, freeze, lease expired) before recording an outcome: the reason to set it aside rather than
 * take it over once more, or null while it has attempts left.
 */
export function attemptsUsedUp(attempt: number, maxAttempts: number): string | null {
  if (attempt <= maxAttempts) return null;
  return `gave up: the worker running attempt ${attempt - 1} of ${maxAttempts} stopped before finishing (lease expired)`;
}

/** Thrown by `withTimeout` when the work did not settle in time. */
export class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError';
}

/** Rejects with JobTimeoutError when `ms` pass first; the losing work's later rejection is swallowed. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new JobTimeoutError(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
