/** Message bytes being held at once by every DATA transaction of one receiver (0: no bound). */
export class InFlightBudget {
  #used = 0;
  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.limit > 0 && this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#used -= bytes;
  }
}

export type Collected =
  | { kind: 'message'; message: Buffer }
  | { kind: 'too-large' } // more than maxBytes
  | { kind: 'busy' }; // the budget is spent by other messages

/**
 * Reads a DATA stream to its end. Bytes are counted as they arrive and kept only while the message is within
 * `maxBytes` and the shared budget: past either, what was kept is dropped and the rest is read and discarded
 * (the client must finish DATA before it can read the refusal). A kept message stays in the budget until the
 * caller releases `message.length`. Throws when the client goes away before the end of DATA.
 */
export async function collectMessage(
  stream: AsyncIterable<Buffer> & { readonly sizeExceeded?: boolean },
  maxBytes: number,
  budget: InFlightBudget,
): Promise<Collected> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let outcome: Collected['kind'] = 'message';
  const drop = () => {
    budget.release(kept);
    chunks.length = 0;
    kept = 0;
  };
  try {
    for await (const chunk of stream) {
      if (outcome !== 'message') continue;
      if (kept + chunk.length > maxBytes) outcome = 'too-large';
      else if (!budget.take(chunk.length)) outcome = 'busy';
      if (outcome === 'message') {
        chunks.push(chunk);
        kept += chunk.length;
      } else drop();
    }
  } catch (error) {
    drop();
    throw error;
  }
  if (outcome === 'message' && stream.sizeExceeded) {
    drop();
    outcome = 'too-large';
  }
  return outcome === 'message' ? { kind: 'message', message: Buffer.concat(chunks, kept) } : { kind: outcome };
}
