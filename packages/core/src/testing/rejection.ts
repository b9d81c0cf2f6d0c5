/**
 * The error `promise` rejects with, when it is a `type`; otherwise throws (the test fails), naming what came instead.
 *
 * @example
 * ```ts
 * const error = await rejectionOf(ingress(request), IngressError);
 * expect(error.status).toBe(413);
 * ```
 */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const settled = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (settled.resolved) throw new Error(`expected a rejection with ${type.name}; the promise resolved`);
  if (!(settled.error instanceof type))
    throw new Error(`expected a rejection with ${type.name}, not ${String(settled.error)}`, { cause: settled.error });
  return settled.error;
}
