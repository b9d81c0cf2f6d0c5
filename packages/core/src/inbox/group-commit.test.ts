import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.js';

/** A writer that records each statement's items and answers after a tick, like a database round trip. */
function recordingWriter(fail?: (items: number[]) => Error | null) {
  const statements: number[][] = [];
  const write = async (items: number[]) => {
    statements.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const error = fail?.(items);
    if (error) throw error;
    return items.map((n) => n * 10);
  };
  return { statements, write };
}

const options = { parallel: 1, maxItems: 8, maxBytes: 1_000, sizeOf: () => 1, isolate: () => true };

describe('groupCommit', () => {
  it('writes a lone item at once and batches the items that arrive while a statement is in flight', async () => {
    const { statements, write } = recordingWriter();
    const submit = groupCommit(write, options);
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => submit(n)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(statements).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('caps a statement by items and by bytes (never below one item)', async () => {
    const { statements, write } = recordingWriter();
    const submit = groupCommit(write, {
      ...options,
      maxItems: 3,
      maxBytes: 250,
      sizeOf: (n: number) => (n === 9 ? 1_000 : 100),
    });
    await Promise.all([1, 2, 3, 4, 5, 6, 9, 7].map((n) => submit(n)));
    expect(statements).toEqual([[1], [2, 3], [4, 5], [6], [9], [7]]);
  });

  it('runs up to `parallel` statements at once', async () => {
    const { statements, write } = recordingWriter();
    const submit = groupCommit(write, { ...options, parallel: 2 });
    await Promise.all([1, 2, 3, 4].map((n) => submit(n)));
    expect(statements).toEqual([[1], [2], [3, 4]]);
  });

  it('retries a failed batch item by item, so only the culprit fails', async () => {
    const { statements, write } = recordingWriter((items) => (items.includes(3) ? new Error('bad item 3') : null));
    const submit = groupCommit(write, options);
    const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => submit(n)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      10,
      20,
      'bad item 3',
      40,
    ]);
    expect(statements).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it("fails the whole batch at once when the error is not one item's fault (database down)", async () => {
    const down = new Error('connection refused');
    const { statements, write } = recordingWriter((items) => (items.length > 1 ? down : null));
    const submit = groupCommit(write, { ...options, isolate: (error) => error !== down });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => submit(n)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(statements).toEqual([[1], [2, 3]]);
  });
});
