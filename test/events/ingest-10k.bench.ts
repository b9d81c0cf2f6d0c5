// Benchmark: one signed Event Webhook post of 10,000 events through eventsHandler (verify, parse, store).
// Run: npx esbuild test/events/ingest-10k.bench.ts --bundle --platform=node --format=esm --packages=external \
//        --conditions=@mailroom/source --outfile=/tmp/ingest-10k.mjs && node --expose-gc /tmp/ingest-10k.mjs
// (with DATABASE_URL set it runs on PostgreSQL in a fresh database).
import { eventsHandler } from '../../packages/core/src/events/handler.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../packages/core/src/ingress/verify/signature.js';
import { generateTestKeyPair, signBody } from '../../packages/core/src/testing/keys.js';
import { createTestStore } from '../../packages/core/src/testing/store.js';

const store = await createTestStore();
const keys = generateTestKeyPair();
const handle = eventsHandler({ store, publicKeys: [keys.publicKey] });
const kinds = ['processed', 'delivered', 'open', 'click', 'bounce', 'deferred'];

function batch(offset: number): Request {
  const items = Array.from({ length: 10_000 }, (_, i) =>
    JSON.stringify({
      email: `user${i % 997}@example.com`,
      event: kinds[i % kinds.length],
      sg_event_id: `bench-${offset + i}`,
      sg_message_id: `msg${i % 500}.filterdrecv-1-2-3.0`,
      'smtp-id': `<msg${i % 500}@ismtpd.sendgrid.net>`,
      timestamp: 1764100000 + i,
      category: ['newsletter'],
      mailroom_id: '00000000-0000-4000-8000-000000000000',
      list: 'weekly',
    }),
  );
  const body = Buffer.from(`[${items.join(',\r\n')}]\r\n`);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return new Request('http://localhost/events', {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { [SIGNATURE_HEADER]: signBody(keys.privateKey, timestamp, body), [TIMESTAMP_HEADER]: timestamp },
  });
}

for (const [label, offset] of [
  ['fresh', 0],
  ['fresh', 10_000],
  ['all duplicates', 10_000],
] as const) {
  const request = batch(offset);
  const size = Number((await request.clone().arrayBuffer()).byteLength);
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
  const started = performance.now();
  const response = await handle(request);
  const ms = performance.now() - started;
  clearInterval(sampler);
  const after = process.memoryUsage();
  console.log(
    JSON.stringify({
      dialect: store.dialect,
      batch: label,
      status: response.status,
      result: await response.json(),
      bodyMB: +(size / 1e6).toFixed(2),
      ms: Math.round(ms),
      eventsPerSecond: Math.round(10_000 / (ms / 1000)),
      heapDeltaMB: +((after.heapUsed - before.heapUsed) / 1e6).toFixed(1),
      peakRssDeltaMB: +((peakRss - before.rss) / 1e6).toFixed(1),
    }),
  );
}
await store.close();
