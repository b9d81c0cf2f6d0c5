// `@mailroom/core/runtime`: the generic worker and poll loop under the Mailroom, for processing of your own.
export { createWorker, HandlerTimeoutError, HandlerStallError } from './worker.js';
export { eventLoopSaturation } from './saturation.js';
export type { Reservation, Worker, WorkerOptions, Processor, ProcessContext, PrepareContext, ProcessOutcome, ProcessedOutcomeStatus } from './worker.js';
