export class HandlerTimeoutError extends Error {
  override readonly name: string = 'HandlerTimeoutError';
}

/**
 * The handler kept the event loop blocked past its timeout (the timer fired that late, or its synchronous part
 * alone ran that long). `certain`: nothing else ran beside it, so the stall was this email's.
 */
export class HandlerStallError extends HandlerTimeoutError {
  override readonly name = 'HandlerStallError';
  constructor(
    readonly blockedMs: number,
    timeoutMs: number,
    readonly certain: boolean,
  ) {
    super(`handler blocked the event loop for ${blockedMs} ms (past its ${timeoutMs} ms timeout)`);
  }
  /** Only a stall pinned on this email is permanent; a shared one is retried alone. */
  get permanent(): boolean {
    return this.certain;
  }
}

/**
 * The attempts parsing or running a processor right now, and when the last one ended: what tells a stall that
 * was one email's from one that several shared. Retries of a shared stall run `alone`, one at a time; while one
 * waits or runs, `soloWanted` tells the worker to start nothing else.
 */
export class AttemptTracker {
  #active = 0;
  #lastEnd = Number.NEGATIVE_INFINITY;
  #idleWaiters: Array<() => void> = [];
  #soloWanted = 0;
  #soloTurn: Promise<void> = Promise.resolve();
  readonly #timeoutMs: number;
  /** A timeout firing this late means the event loop was blocked past it (not merely busy). */
  readonly #toleranceMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#toleranceMs = Math.min(1_000, Math.max(100, timeoutMs / 2));
  }

  get soloWanted(): boolean {
    return this.#soloWanted > 0;
  }

  /** Runs `fn` as one active attempt. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      this.#lastEnd = performance.now();
      if (this.#active === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  /** Runs `fn` once no other attempt is active, after the solo attempts queued before it. */
  async alone<T>(fn: () => Promise<T>): Promise<T> {
    this.#soloWanted++;
    const previous = this.#soloTurn;
    let done!: () => void;
    this.#soloTurn = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      while (this.#active > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      return await fn();
    } finally {
      this.#soloWanted--;
      done();
    }
  }

  /**
   * `work` under the handler timeout (called inside `track`). The timer starts before `work` is called, so a
   * synchronous part that outlasts it counts; a timer that fires late means the event loop was blocked
   * (HandlerStallError, `certain` when nothing else ran meanwhile).
   */
  async timed<T>(work: () => Promise<T>): Promise<T> {
    const timeoutMs = this.#timeoutMs;
    const begin = performance.now();
    const deadline = begin + timeoutMs;
    const othersAtStart = this.#active > 1;
    let syncMs = 0;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const lateMs = performance.now() - deadline;
        if (lateMs < this.#toleranceMs)
          return reject(new HandlerTimeoutError(`handler did not finish within ${timeoutMs} ms`));
        // Ours for certain when the synchronous part alone ran past the timeout, or nothing else ran meanwhile.
        const certain = syncMs >= timeoutMs || (!othersAtStart && this.#active <= 1 && this.#lastEnd < deadline);
        reject(new HandlerStallError(Math.round(Math.max(syncMs, timeoutMs + lateMs)), timeoutMs, certain));
      }, timeoutMs);
    });
    timeout.catch(() => undefined);
    try {
      let running: Promise<T>;
      try {
        running = Promise.resolve(work());
      } catch (error) {
        running = Promise.reject(error);
      }
      syncMs = performance.now() - begin;
      running.catch(() => undefined); // the losing side's rejection (its transaction is gone)
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
