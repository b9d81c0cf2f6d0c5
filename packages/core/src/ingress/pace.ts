import { IngressError } from './errors.js';
import type { ResolvedLimits } from './limits.js';

export type PaceLimits = Pick<ResolvedLimits, 'bodyTimeoutMs' | 'minBodyBytesPerSecond' | 'bodyRateGraceMs'>;

/**
 * Watches one body's arrival: it fails (`failed` rejects with a 408 IngressError) once the body is later than
 * `bodyTimeoutMs`, or — after `bodyRateGraceMs` — has arrived at less than `minBodyBytesPerSecond` on average.
 * One timer per body, set for the first moment a rule could be broken (no polling). When the reader cannot see
 * progress (a body read in one call), the rate rule becomes a deadline for the declared length.
 */
export class BodyWatch {
  readonly failed: Promise<never>;
  #received = 0;
  #timer: NodeJS.Timeout | undefined;
  #fail!: (error: IngressError) => void;
  readonly #started = performance.now();
  readonly #limits: PaceLimits;
  readonly #blindLength: number | null;

  constructor(limits: PaceLimits, options: { blindLength?: number } = {}) {
    this.#limits = limits;
    this.#blindLength = options.blindLength ?? null;
    this.failed = new Promise<never>((_, reject) => (this.#fail = reject));
    this.failed.catch(() => undefined); // nobody may be listening when it fires after the body completed
    this.#schedule();
  }

  /** Bytes that just arrived. */
  progress(bytes: number): void {
    this.#received += bytes;
  }

  /** The body is complete (or abandoned): no more checks. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Waits for `promise`, or fails first if the body is too slow. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failed]);
  }

  #schedule(): void {
    const { bodyTimeoutMs, minBodyBytesPerSecond, bodyRateGraceMs } = this.#limits;
    const elapsed = performance.now() - this.#started;
    let due = bodyTimeoutMs > 0 ? bodyTimeoutMs : Number.POSITIVE_INFINITY;
    if (minBodyBytesPerSecond > 0) {
      const counted = this.#blindLength ?? this.#received;
      // The moment the average rate drops below the minimum for what has arrived (or, blind, for the whole body).
      due = Math.min(due, Math.max(bodyRateGraceMs, (counted / minBodyBytesPerSecond) * 1000));
    }
    if (!Number.isFinite(due)) return;
    if (elapsed < due) {
      this.#timer = setTimeout(() => this.#schedule(), Math.ceil(due - elapsed));
      return;
    }
    this.stop();
    this.#fail(this.#error(elapsed));
  }

  #error(elapsed: number): IngressError {
    const { bodyTimeoutMs, minBodyBytesPerSecond } = this.#limits;
    const seconds = (elapsed / 1000).toFixed(1);
    if (bodyTimeoutMs > 0 && elapsed >= bodyTimeoutMs) {
      return new IngressError(
        408,
        'body_timeout',
        `request body not complete after ${seconds} s (bodyTimeoutMs ${bodyTimeoutMs})`,
        { bodyUnread: true },
      );
    }
    const arrived =
      this.#blindLength === null ? `${this.#received} bytes in ${seconds} s` : `not complete after ${seconds} s`;
    return new IngressError(
      408,
      'body_too_slow',
      `request body arrives too slowly: ${arrived}, below ${minBodyBytesPerSecond} bytes/s (minBodyBytesPerSecond)`,
      { bodyUnread: true },
    );
  }
}

/**
 * Body bytes being received over all posts of one ingress (`maxInFlightBytes`). Each post takes its bytes as they
 * arrive and gives them all back when it is done; past the cap the post is refused with 503 + Retry-After.
 */
export class InFlightBudget {
  #used = 0;
  constructor(readonly maxBytes: number) {}

  get used(): number {
    return this.#used;
  }

  /** One post's share; `release()` exactly once when its body is no longer being received or parsed. */
  lease(): { take(bytes: number): void; release(): void } {
    let held = 0;
    return {
      take: (bytes) => {
        if (this.maxBytes > 0 && this.#used + bytes > this.maxBytes) throw busy(this.maxBytes);
        this.#used += bytes;
        held += bytes;
      },
      release: () => {
        this.#used -= held;
        held = 0;
      },
    };
  }
}

export const BUSY_RETRY_AFTER_SECONDS = 30;

function busy(maxBytes: number): IngressError {
  return new IngressError(
    503,
    'receiver_busy',
    `too many request bytes in flight (maxInFlightBytes ${maxBytes}); retry later`,
    {
      retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
      bodyUnread: true,
    },
  );
}
