// Worker drain rate: N signed 10 KB posts stored through mailroom.app() with the worker off, then mailroom.start()
// and drain() timed — emails processed per second and CPU per email. Not part of npm run bench (no baseline).
//   node bench/drain.mjs [pg|pglite] [N]   (pg: a fresh database on postgres://postgres@127.0.0.1:5432, dropped after)
import postgres from 'postgres';
import { signedPostSource } from './ingest.mjs';
import { TEST_KEY_PAIR } from '@mailroom/core/testing';
import { createMailroom, openStore, silentLogger } from '@mailroom/core';
const usePg = process.argv[2] !== 'pglite';
const N = Number(process.argv[3] ?? 3000);
const db = `drain_${Date.now()}`;
const admin = usePg ? postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice() {} }) : null;
if (admin) await admin.unsafe(`create database ${db}`);
const store = await openStore(
  usePg
    ? { databaseUrl: `postgres://postgres@127.0.0.1:5432/${db}`, logger: silentLogger }
    : { memory: true, logger: silentLogger },
);
const mailroom = createMailroom({
  store,
  security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
  logger: silentLogger,
  worker: { autoStart: false },
});
let handled = 0;
mailroom.route('bench', '*@bench.example.com', () => {
  handled++;
});
const app = mailroom.app();
const src = signedPostSource();
let i = 0;
const posts = Array.from({ length: N }, () => src.next());
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (i < N) {
      const p = posts[i++];
      const r = await app.request('/parse', { method: 'POST', headers: p.headers, body: p.body });
      if (r.status !== 200) throw new Error(await r.text());
    }
  }),
);
const c0 = process.cpuUsage();
const t0 = performance.now();
mailroom.start();
await mailroom.drain();
const c = process.cpuUsage(c0);
const ms = performance.now() - t0;
console.log(
  usePg ? 'pg' : 'pglite',
  'processed/s',
  ((handled / ms) * 1000).toFixed(0),
  'cpu µs/email',
  ((c.user + c.system) / handled).toFixed(0),
  'handled',
  handled,
);
await mailroom.stop();
await store.close();
if (admin) {
  await admin.unsafe(`drop database ${db} with (force)`);
  await admin.end();
}
