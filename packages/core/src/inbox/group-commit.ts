/**
 * Group commit for the webhook's hot statement: posts that arrive while an insert is in flight wait and go
 * together in the next statement, so 32 concurrent posts cost a handful of round trips and commits instead of 32.
 * Nothing waits on a timer: a lone post is written at once; batching only happens under concurrency, and every
 * caller still resolves only after the statement holding its row has committed.
 */
export interface GroupCommitOptions<I> {
  /** Statements in flight at once (each takes a pool connection). */
  parallel: number;
  /** Most items per statement. */
  maxItems: number;
  /** Most bytes per statement (a statement is never split below one item). */
  maxBytes: number;
  sizeOf(item: I): number;
  /**
   * True when a failed batch should be retried item by item, so that one bad item cannot fail the others.
   * False for errors that would fail every item alike (the database is unreachable).
   */
  isolate(error: unknown): boolean;
}

export type GroupCommit<I, O> = (item: I) => Promise<O>;

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/** Wraps `write` (one statement for many items, results in input order) into a per-item function. */
export function groupCommit<I, O>(
  write: (items: I[]) => Promise<O[]>,
  options: GroupCommitOptions<I>,
): GroupCommit<I, O> {
  const queue: Array<Waiting<I, O>> = [];
  let running = 0;

  const run = async (batch: Array<Waiting<I, O>>): Promise<void> => {
    try {
      const results = await write(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1 || !options.isolate(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      // One statement per item: the items that are fine get stored, the culprit gets its own error.
      await Promise.all(
        batch.map(async (w) => {
          try {
            w.resolve((await write([w.item]))[0]!);
          } catch (itemError) {
            w.reject(itemError);
          }
        }),
      );
    }
  };

  const pump = () => {
    while (running < options.parallel && queue.length > 0) {
      let bytes = 0;
      let count = 0;
      while (count < queue.length && count < options.maxItems) {
        const size = options.sizeOf(queue[count]!.item);
        if (count > 0 && bytes + size > options.maxBytes) break;
        bytes += size;
        count++;
      }
      const batch = queue.splice(0, count);
      running++;
      void run(batch).finally(() => {
        running--;
        pump();
      });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      pump();
    });
}
