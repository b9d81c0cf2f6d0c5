/**
 * Child process for the crash test: opens the store named by the environment, claims one email and
 * blocks inside the processor until the parent kills it (SIGKILL), leaving the email leased.
 *
 * Run with `node --import tsx` (sources, no build). Environment: CHILD_DATABASE_URL or CHILD_DATA_DIR,
 * EMAIL_ID, LEASE_MS.
 */
import { openStore } from '../../inbox/index.js';
import { createWorker } from '../worker.js';

const store = await openStore({
  databaseUrl: process.env.CHILD_DATABASE_URL ?? '',
  dataDir: process.env.CHILD_DATA_DIR,
});
const worker = createWorker({
  store,
  workerId: 'doomed-child',
  leaseMs: Number(process.env.LEASE_MS ?? 1000),
  processor: async (ctx) => {
    process.stdout.write(`processing ${ctx.record.id} attempt ${ctx.attempt}\n`);
    // Block forever (a timer keeps the event loop alive on PGlite, which holds no sockets).
    await new Promise(() => setInterval(() => undefined, 60_000));
    return { status: 'delivered' };
  },
});
worker.kick(process.env.EMAIL_ID);
