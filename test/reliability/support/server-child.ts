/**
 * Child process for the crash scenario: a Mailroom on @hono/node-server whose route records a handler effect
 * (one row in `reliability_effects`) inside the processing transaction, so "processed exactly once" is counted
 * in the database. The parent SIGKILLs and restarts it.
 *
 * Run with `node --conditions=@mailroom/source --import tsx` (sources, no build). Environment: DATABASE_URL
 * (PostgreSQL) or DATA_DIR (PGlite data directory), PUBLIC_KEY, LEASE_MS, HANDLER_DELAY_MS, PORT.
 * Prints `listening <port>`. GET /counts answers what the store holds.
 */
import { Hono } from 'hono';
import { createMailroom, openStore, silentLogger, startServer } from '@mailroom/core';
import { ensureEffectsTable, recordEffect, storeCounts } from './effects.js';

const store = await openStore({
  databaseUrl: process.env.DATABASE_URL ?? '',
  dataDir: process.env.DATA_DIR,
  logger: silentLogger,
  timeouts: { connectMs: 2000, ingestMs: 5000 },
});
await ensureEffectsTable(store.db);

const delayMs = Number(process.env.HANDLER_DELAY_MS ?? 0);
const mailroom = createMailroom({
  store,
  security: { publicKeys: [process.env.PUBLIC_KEY!] },
  logger: silentLogger,
  // Every SIGKILL mid-handler costs the email an attempt and a takeover (a mail that crashes the process must not
  // crash-loop it forever); random kills are not the mail's fault, so both budgets are generous here: with rows
  // born leased, one email caught by two of the 12 kills ended `failed` after its one default takeover.
  worker: {
    leaseMs: Number(process.env.LEASE_MS ?? 2000),
    pollMs: 200,
    concurrency: 4,
    backoff: { baseMs: 100, maxMs: 500 },
    maxAttempts: 100,
    maxTakeovers: 100,
  },
});
mailroom.route('reliability', '*@reliability.example.com', async (ctx) => {
  await recordEffect(ctx.tx, ctx.record.id, ctx.email.messageId);
  // A pause inside the transaction widens the window in which a SIGKILL lands mid-handler.
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * delayMs));
});
mailroom.start();

const app = new Hono();
app.get('/counts', async (c) => c.json(await storeCounts(store.db)));
app.route('/webhooks/sendgrid', mailroom.app());

const server = await startServer(app.fetch, { port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' });
process.stdout.write(`listening ${server.port}\n`);

// The orderly stop a deployment's SIGTERM gets: no new connections, the posts in flight answered (each 2xx only
// after its commit), then the worker drained and the store closed.
process.on('SIGTERM', async () => {
  await server.close().catch(() => {});
  await mailroom.stop().catch(() => {});
  await store.close().catch(() => {});
  process.exit(0);
});
