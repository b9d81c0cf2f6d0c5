/**
 * Queues of leased jobs: one claim/lease/backoff/bounded-attempts machinery for every background loop (the
 * inbound worker's statements, the outbox deliverer, the event dispatcher, the lists fan-out), and the poll loop
 * that drives them. Sits below `inbox/` (it imports `message` only, and `inbox` for types): the inbox's status
 * owner (`inbox/status.ts`) builds its claim from these pieces.
 *
 * - `createLeaseQueue(spec)`: claim due rows (`FOR UPDATE SKIP LOCKED`, expired leases first), lease them,
 *   `finish` them while still leased, `fail` them (backoff + retry, or set aside `failed`), `attempt` one job
 *   poison-pill safe, and `loop` it (start/stop/kick/drain).
 * - The pieces, for a queue with its own claim statement: `claimCandidates`, `leaseFields`, `failureFields`,
 *   `stillLeased`, `msFromNow` (the one interval syntax).
 * - The rule: `decideRetry`, `attemptsUsedUp`; `withTimeout`; `createPollLoop`; `defaultWorkerId`.
 *
 * @example
 * ```ts
 * import { createLeaseQueue } from '@mailroom/core/queue';
 * import { describeError, isUnavailableError } from '@mailroom/core/inbox';
 * const queue = createLeaseQueue({ db: store.db, table: jobs, key: jobs.id, waiting: 'pending', leased: 'running',
 *   failed: 'failed', describeError, isOutage: isUnavailableError });
 * const loop = queue.loop({ pollMs: 1000, claimLimit: 50, onError: console.error, handle: async (rows) => {
 *   for (const row of rows) await queue.attempt(row, () => work(row).then(() => queue.finish([row], { status: 'done' })));
 * } });
 * loop.start();
 * ```
 */
export * from './public.js';
export { claimCandidates, leaseFields, failureFields, stillLeased } from './lease.js';
export { defaultWorkerId } from './poll-loop.js';
