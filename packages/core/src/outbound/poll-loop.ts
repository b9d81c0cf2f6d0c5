import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * The loop shared by the background workers that drain a table (outbox deliverer, event dispatcher):
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
