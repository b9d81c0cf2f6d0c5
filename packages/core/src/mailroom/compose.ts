/**
 * Onion composition: middleware run in order, each around the rest of the chain, the handler innermost.
 * A middleware that returns without calling `next()` stops the chain (the handler does not run).
 */
export function compose<C>(
  middleware: ReadonlyArray<(ctx: C, next: () => Promise<void>) => unknown>,
  handler: (ctx: C) => unknown,
): (ctx: C) => Promise<void> {
  return async (ctx) => {
    const dispatch = async (index: number): Promise<void> => {
      if (index === middleware.length) {
        await handler(ctx);
        return;
      }
      let called = false;
      await middleware[index]!(ctx, async () => {
        if (called) throw new Error('next() called more than once in one middleware');
        called = true;
        await dispatch(index + 1);
      });
    };
    await dispatch(0);
  };
}
