/**
 * Child process for providers-hostile/-crash/-forged.test.ts: one Mailroom behind every new ingress (Postmark,
 * Mailgun, relay and Amazon SES through SNS over @hono/node-server, the SMTP receiver on its own port), its worker running in the same process, a route that
 * records a handler effect (crash scenario: "processed once" counted in the database), and the process watching
 * itself: event-loop delay (monitorEventLoopDelay and a 10 ms timer probe), RSS, and every unhandled rejection or
 * uncaught exception (recorded, not fatal, so the parent can report them).
 *
 * Run with `node --conditions=@mailroom/source --import tsx`. Environment: DATABASE_URL (PostgreSQL) or DATA_DIR
 * (PGlite data directory) or neither (PGlite in memory); LEASE_MS, HANDLER_DELAY_MS, MAX_ATTEMPTS, SMTP_PORT, PORT;
 * SNS_CERT_FILE (the PEM served for the test SigningCertURL; default the test-only fixture).
 * Prints `smtp <port>` then `listening <port>`. GET /counts, GET /stats, POST /stats/reset, POST /audit, GET
 * /ses-calls (the SES ingress' certificate fetches and subscription confirmations).
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Hono } from 'hono';
import { createMailroom, openStore, silentLogger, startServer, type InboundRecord } from '@mailroom/core';
import { createSmtpReceiver } from '@mailroom/core/ingress';
import { TEST_KEY_PAIR } from '@mailroom/core/testing';
import { ensureEffectsTable, recordEffect, storeCounts } from './effects.js';
import { DOMAIN, LIMITS, providersApp, SNS_CERT_FILE, type SesCalls } from './providers.js';

const faults: string[] = [];
process.on('unhandledRejection', (reason) => faults.push(`unhandledRejection: ${describe(reason)}`));
process.on('uncaughtException', (error) => faults.push(`uncaughtException: ${describe(error)}`));

const store = await openStore({
  databaseUrl: process.env.DATABASE_URL ?? '',
  ...(process.env.DATA_DIR ? { dataDir: process.env.DATA_DIR } : process.env.DATABASE_URL ? {} : { memory: true }),
  logger: silentLogger,
  timeouts: { connectMs: 2000, ingestMs: 10_000 },
});
await ensureEffectsTable(store.db);

const delayMs = Number(process.env.HANDLER_DELAY_MS ?? 0);
const mailroom = createMailroom({
  store,
  security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
  limits: LIMITS,
  logger: silentLogger,
  // As in server-child.ts: SIGKILLs are not the mail's fault, so the crash scenario's budgets are generous.
  worker: {
    leaseMs: Number(process.env.LEASE_MS ?? 5000),
    pollMs: 100,
    concurrency: 4,
    backoff: { baseMs: 50, maxMs: 300 },
    maxAttempts: Number(process.env.MAX_ATTEMPTS ?? 3),
    maxTakeovers: 100,
  },
});
mailroom.route('reliability', `*@${DOMAIN}`, async (ctx) => {
  await recordEffect(ctx.tx, ctx.record.id, ctx.email.messageId);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * delayMs));
});
mailroom.fallback((ctx) => ctx.ignore('not for the reliability domain'));
mailroom.start();

const receiver = createSmtpReceiver(mailroom, {
  hostname: `mx.${DOMAIN}`,
  domains: [DOMAIN],
  port: Number(process.env.SMTP_PORT ?? 0),
  host: '127.0.0.1',
  maxMessageBytes: LIMITS.maxBodyBytes,
  idleTimeoutMs: 20_000,
  logger: silentLogger,
});
const { port: smtpPort } = await receiver.listen();

// The process watching itself. Reset by the parent once warm (module loading and JIT are one-time costs).
// A 10 ms timer probe gives three figures per stall: its wall-clock lateness (as monitorEventLoopDelay's), that
// lateness less the time the kernel kept this thread waiting for a CPU ("own"), and the time this thread actually
// ran on a CPU meanwhile ("busy"), both from /proc/thread-self/schedstat. On a shared 2-core machine other
// processes stretch the first (and the second: a GC pause waits for its helper threads), only the server's own
// work makes the third.
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const schedstat = (): [runMs: number, waitMs: number] => {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(run) / 1e6, Number(wait) / 1e6];
  } catch {
    return [performance.now(), 0]; // not Linux: every figure is the wall-clock one
  }
};
let probeMaxMs = 0;
let ownMaxMs = 0;
let busyMaxMs = 0;
let probeLast = performance.now();
let [runLast, waitLast] = schedstat();
const stalls: Array<{ ms: number; ownMs: number; busyMs: number }> = [];
const probe = setInterval(() => {
  const now = performance.now();
  const [run, wait] = schedstat();
  const late = now - probeLast - 10;
  const own = late - (wait - waitLast);
  const busy = run - runLast;
  probeMaxMs = Math.max(probeMaxMs, late);
  ownMaxMs = Math.max(ownMaxMs, own);
  busyMaxMs = Math.max(busyMaxMs, busy);
  if (late > 50 && stalls.length < 50) {
    stalls.push({ ms: Math.round(late), ownMs: Math.round(own), busyMs: Math.round(busy) });
  }
  probeLast = now;
  runLast = run;
  waitLast = wait;
}, 10);
probe.unref();
// Garbage-collection pauses, to tell a collector's pause from the mail's work.
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration);
}).observe({ entryTypes: ['gc'] });
let rssStart = process.memoryUsage().rss;
let rssPeak = rssStart;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
sampler.unref();

const app = new Hono();
app.get('/counts', async (c) => c.json(await storeCounts(store.db)));
app.get('/stats', (c) =>
  c.json({
    loopMaxMs: delay.max / 1e6,
    loopP99Ms: delay.percentile(99) / 1e6,
    probeMaxMs,
    ownMaxMs,
    busyMaxMs,
    gcMaxMs,
    stalls,
    rssStartMB: rssStart / 1e6,
    rssPeakMB: rssPeak / 1e6,
    rssMB: process.memoryUsage().rss / 1e6,
    faults,
  }),
);
app.post('/stats/reset', (c) => {
  delay.reset();
  probeMaxMs = 0;
  ownMaxMs = 0;
  busyMaxMs = 0;
  probeLast = performance.now();
  [runLast, waitLast] = schedstat();
  gcMaxMs = 0;
  stalls.length = 0;
  rssStart = process.memoryUsage().rss;
  rssPeak = rssStart;
  return c.json({ ok: true });
});
// Waits (up to `waitMs`) until each id reached a final status, then (`check`) checks it: a processed email loads
// again as a valid email with storage-safe attachment names; a failed one says why.
app.post('/audit', async (c) => {
  const {
    ids,
    waitMs = 60_000,
    check = true,
  } = (await c.req.json()) as { ids: string[]; waitMs?: number; check?: boolean };
  const records = new Map<string, InboundRecord>();
  const deadline = Date.now() + waitMs;
  for (;;) {
    for (const id of ids) {
      if (records.has(id)) continue;
      const record = await store.inbox.get(id);
      if (record && record.status !== 'pending' && record.status !== 'processing') records.set(id, record);
    }
    if (records.size === ids.length || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const statuses: Record<string, number> = {};
  const invalid: string[] = [];
  for (const record of records.values()) {
    statuses[record.status] = (statuses[record.status] ?? 0) + 1;
    if (!check) continue;
    if (record.status === 'failed') {
      if (!(record.lastError ?? record.note)?.trim()) invalid.push(`${record.id}: failed without a reason`);
      continue;
    }
    try {
      const email = await store.inbox.loadEmail(record.id);
      const json = email.toJSON();
      if (typeof json.subject !== 'string' || !Array.isArray(json.to) || !Array.isArray(json.headers))
        throw new Error('incomplete JSON form');
      for (const attachment of email.attachments) {
        const name = attachment.storageName;
        if (/[\\/\u0000-\u001f\u007f]/.test(name) || name === '..' || name.length > 255)
          throw new Error(`unsafe storage name ${JSON.stringify(name)}`);
      }
    } catch (error) {
      invalid.push(`${record.id} (${record.status}): ${describe(error)}`);
    }
  }
  return c.json({ statuses, invalid, unsettled: ids.length - records.size });
});
const sesCalls: SesCalls = { certificateFetches: [], confirmations: [] };
app.get('/ses-calls', (c) => c.json(sesCalls));
app.route(
  '/',
  providersApp(mailroom, {
    certificate: readFileSync(process.env.SNS_CERT_FILE || SNS_CERT_FILE, 'utf8'),
    calls: sesCalls,
  }),
);

const server = await startServer(app.fetch, { port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' });
process.stdout.write(`smtp ${smtpPort}\nlistening ${server.port}\n`);

process.on('SIGTERM', async () => {
  await server.close().catch(() => {});
  await receiver.close().catch(() => {});
  await mailroom.stop().catch(() => {});
  await store.close().catch(() => {});
  process.exit(0);
});

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : String(error).slice(0, 300);
}
