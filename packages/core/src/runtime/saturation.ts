/**
 * A cheap "is this process saturated?" gauge for `yieldWhile`: true while the event loop was busy at least
 * `threshold` of the time over the last window (`performance.eventLoopUtilization`, sampled at most once per
 * `windowMs` when asked). Always false where the runtime does not measure it.
 *
 * @example
 * ```ts
 * const saturated = eventLoopSaturation();
 * createWorker({ store, processor, yieldWhile: () => receiving > 0 && saturated() });
 * ```
 */
export function eventLoopSaturation(options: { threshold?: number; windowMs?: number } = {}): () => boolean {
  const threshold = options.threshold ?? 0.9;
  const windowMs = options.windowMs ?? 100;
  const measure = (globalThis.performance as Performance & { eventLoopUtilization?: NodeEventLoopUtilization })
    .eventLoopUtilization;
  if (typeof measure !== 'function') return () => false;
  let mark = measure.call(performance);
  let sampledAt = performance.now();
  let saturated = false;
  return () => {
    const now = performance.now();
    if (now - sampledAt >= windowMs) {
      saturated = measure.call(performance, mark).utilization >= threshold;
      mark = measure.call(performance);
      sampledAt = now;
    }
    return saturated;
  };
}

interface Utilization {
  idle: number;
  active: number;
  utilization: number;
}
type NodeEventLoopUtilization = (since?: Utilization) => Utilization;
