// `@mailroom/core/runtime`: the generic worker under the Mailroom, for processing of your own (lease queues: `@mailroom/core/queue`).
export { createWorker, HandlerTimeoutError, HandlerStallError } from './worker.js';
export { eventLoopSaturation } from './saturation.js';
export type {
  Reservation,
  Worker,
  WorkerOptions,
  Processor,
  ProcessContext,
  PrepareContext,
  ProcessOutcome,
  ProcessedOutcomeStatus,
} from './worker.js';
