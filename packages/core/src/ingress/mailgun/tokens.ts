/**
 * Mailgun tokens already spent, each remembered until its timestamp has left the skew window (after that the
 * freshness check refuses it anyway), at most `capacity` of them (the oldest forgotten first), and the tokens of
 * posts in progress, so two posts cannot use one token at once.
 */
export class TokenLedger {
  readonly #spent = new Map<string, number>(); // token → when it may be forgotten (ms since the epoch)
  readonly #inUse = new Set<string>();

  constructor(readonly capacity: number) {}

  /** Reserves `token` for one post; false when a post spent it or is using it. */
  claim(token: string, now: number): boolean {
    const forgetAt = this.#spent.get(token);
    if (forgetAt !== undefined && forgetAt > now) return false;
    if (this.#inUse.has(token)) return false;
    this.#inUse.add(token);
    return true;
  }

  /** The post that claimed `token` was answered for good. */
  spend(token: string, forgetAt: number, now: number): void {
    this.#inUse.delete(token);
    this.#spent.delete(token);
    this.#forgetExpired(now);
    if (this.#spent.size >= this.capacity) this.#spent.delete(this.#spent.keys().next().value!);
    this.#spent.set(token, forgetAt);
  }

  /** The post that claimed `token` asked for a retry: the retry may use it. */
  release(token: string): void {
    this.#inUse.delete(token);
  }

  /** Oldest first, while expired: entries arrive in roughly the order they expire, so this is amortized O(1). */
  #forgetExpired(now: number): void {
    for (const [token, forgetAt] of this.#spent) {
      if (forgetAt > now) return;
      this.#spent.delete(token);
    }
  }
}
