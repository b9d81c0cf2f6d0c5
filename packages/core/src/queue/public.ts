// `@mailroom/core/queue`: lease queues for jobs of your own (the lists fan-out), the claim/lease/backoff machinery of every Mailroom loop.
export { createLeaseQueue, leaseTuning, msFromNow, requeueFailed } from './lease.js';
export type {
  LeaseQueue,
  LeaseQueueOptions,
  LeaseQueueTuning,
  LeaseSpec,
  LeaseTable,
  LeaseColumns,
  RecordedFailure,
} from './lease.js';
export { JobTimeoutError, decideRetry, attemptsUsedUp, createPollLoop, withTimeout } from './poll-loop.js';
export type { RetryPolicy, RetryDecision, PollLoop, PollLoopOptions } from './poll-loop.js';
