/**
 * Runtime: the generic worker that processes stored inbound emails (the Mailroom adds routing on top).
 *
 * @example
 * ```ts
 * import { openStore } from '@mailroom/core';
 * import { createWorker } from '@mailroom/core/runtime';
 * const store = await openStore();
 * const worker = createWorker({ store, processor: async ({ email }) => ({ status: 'delivered', route: 'log' }) });
 * worker.start();
 * ```
 */
export { createWorker, HandlerTimeoutError, HandlerStallError } from './worker.js';
export { eventLoopSaturation } from './saturation.js';
export type { Worker, WorkerOptions, Processor, ProcessContext, PrepareContext, ProcessOutcome } from './worker.js';
