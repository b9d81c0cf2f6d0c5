#!/usr/bin/env node
/**
 * Redistribution benchmark: one post to a 5,000-member list, through the inbound webhook, the
 * fan-out into the outbox and the outbox deliverer, to a local fake SendGrid v3 Mail Send server.
 * Reports requests made, personalizations per request, time per stage and peak memory.
 *
 *   npm run build && node apps/lists/bench/redistribute.mjs            # built packages
 *   node --conditions=@mailroom/source --import tsx apps/lists/bench/redistribute.mjs   # from sources
 *
 * MEMBERS=20000 changes the list size; DATABASE_URL runs it on PostgreSQL (a fresh database).
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createMailroom, sendgridTransport } from '@mailroom/core';
import { createTestStore, inboundRequest, TEST_KEY_PAIR } from '@mailroom/core/testing';
import { createListsApp, createList, listsSchema } from '@mailroom/app-lists';

const MEMBERS = Number(process.env.MEMBERS ?? 5000);
const DOMAIN = 'lists.example.com';

// ---- fake SendGrid ----
const requests = [];
const sendgrid = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const json = JSON.parse(body.toString('utf8'));
    requests.push({ bytes: body.length, personalizations: json.personalizations.length, at: performance.now() });
    res.writeHead(202, { 'x-message-id': `fake-${requests.length}` }).end();
  });
});
sendgrid.listen(0, '127.0.0.1');
await once(sendgrid, 'listening');
const baseUrl = `http://127.0.0.1:${sendgrid.address().port}`;

// ---- memory sampling ----
let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
};
const sampler = setInterval(sample, 10);

const KEYS = [{ id: 'k1', secret: 'benchmark secret, not for production' }];
const SIGNERS = { keys: KEYS, domain: DOMAIN };
const store = await createTestStore();
const mailroom = createMailroom({
  store,
  security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
  worker: { autoStart: false },
  // The Mailroom owns the outbox deliverer; 1,000 rows a round fill one SendGrid request.
  // The lists sign reply addresses, links and Message-IDs with the Mailroom's signers.
  mail: {
    from: `lists@${DOMAIN}`,
    domain: DOMAIN,
    transport: sendgridTransport({ apiKey: 'bench-key', baseUrl }),
    deliverer: { claimLimit: 1000 },
    replyAddresses: SIGNERS,
    messageIds: SIGNERS,
  },
});
const lists = await createListsApp({
  mailroom,
  store,
  config: { domain: DOMAIN, publicUrl: 'https://example.com/lists', keys: KEYS },
  // Fires when the handler finished (before its commit): how long the inbound side itself took.
  onInbound: () => {
    handlerDoneAt = performance.now();
  },
});
let handlerDoneAt = 0;

// Warm-up: the same path on a 3-member list, so one-time costs (module loading, JIT) are not measured.
const warm = await createList(store.db, { slug: 'warm', name: 'Warm-up' });
await store.db
  .insert(listsSchema.members)
  .values(['a', 'b', 'c'].map((x) => ({ id: `w${x}`, listId: warm.id, address: `${x}@members.test` })));
await mailroom.fetch(
  inboundRequest(
    { from: 'a@members.test', to: `warm@${DOMAIN}`, subject: 'warm', text: 'warm-up' },
    { sign: TEST_KEY_PAIR },
  ),
);
await mailroom.drain();
await lists.drain();
requests.length = 0;
const list = await createList(store.db, { slug: 'big', name: 'Big list' });
for (let i = 0; i < MEMBERS; i += 1000) {
  const rows = [];
  for (let j = i; j < Math.min(MEMBERS, i + 1000); j++) {
    rows.push({
      id: `m${String(j).padStart(7, '0')}`,
      listId: list.id,
      address: `member${j}@members.test`,
      name: `Member ${j}`,
    });
  }
  await store.db.insert(listsSchema.members).values(rows);
}
// The poster is a member too.
await store.db
  .insert(listsSchema.members)
  .values({ id: 'poster', listId: list.id, address: 'poster@members.test', name: 'Poster' });
sample();
const baseline = process.memoryUsage();
peakRss = baseline.rss;
peakHeap = baseline.heapUsed;

const text = 'Hello everyone,\n\nthis is a post of typical length for a discussion list. '.repeat(20);
const t0 = performance.now();
const response = await mailroom.fetch(
  inboundRequest(
    { from: 'Poster <poster@members.test>', to: `big@${DOMAIN}`, subject: 'Benchmark post', text },
    { sign: TEST_KEY_PAIR },
  ),
);
const tAck = performance.now();
if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
await mailroom.drain(); // the inbound handler: archive + fan-out job, no per-member work
await lists.fanout.drain(); // member copies into the outbox, 1,000 per transaction
const tQueued = performance.now();
await mailroom.drain(); // the outbox deliverer: batched requests to SendGrid
const tSent = performance.now();
sample();
clearInterval(sampler);

const queuedRows = (await store.db.select().from(listsSchema.distributions)).filter((d) => d.listId === list.id);
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const ms = (n) => `${n.toFixed(0)} ms`;
const report = {
  members: MEMBERS + 1,
  database: process.env.DATABASE_URL ? 'postgresql' : 'pglite (memory)',
  requests: requests.length,
  personalizationsPerRequest: requests.map((r) => r.personalizations),
  requestBytes: requests.map((r) => r.bytes),
  copiesQueued: queuedRows[0]?.queued,
  webhookAckMs: Math.round(tAck - t0),
  inboundHandlerMs: Math.round(handlerDoneAt - tAck),
  fanoutMs: Math.round(tQueued - handlerDoneAt),
  deliveryMs: Math.round(tSent - tQueued),
  totalMs: Math.round(tSent - t0),
  peakRss: mb(peakRss),
  peakRssAboveBaseline: mb(peakRss - baseline.rss),
  peakHeapUsed: mb(peakHeap),
  heapAboveBaseline: mb(peakHeap - baseline.heapUsed),
};
console.log(JSON.stringify(report, null, 2));
console.log(
  `${report.members} members: ${report.requests} SendGrid requests (${report.personalizationsPerRequest.join(', ')} personalizations); ` +
    `ack ${ms(tAck - t0)}, handler ${ms(handlerDoneAt - tAck)}, fan-out ${ms(tQueued - handlerDoneAt)}, delivery ${ms(tSent - tQueued)}; ` +
    `peak RSS ${report.peakRss} (+${report.peakRssAboveBaseline})`,
);

await lists.stop();
await mailroom.stop();
await store.close();
sendgrid.close();
