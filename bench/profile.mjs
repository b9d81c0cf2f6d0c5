// Where a request's CPU goes: the P3 server (KIND=mailroom by default) under `node --cpu-prof`, loaded with
// signed posts of one shape (raw 10 KB by default) at 32 connections, then stopped (it drains its backlog first).
// Prints the summary of bench/profile-summary.mjs for the load (receiving, and with KIND=mailroom the worker's
// share) and for the drain after it (the worker alone, processing from storage). --kind=mailroom-receive keeps
// the two apart: the load is then the receiving path only, the drain the worker only.
//   node bench/profile.mjs [--shape=raw-10k|raw-100k|parsed-10k] [--kind=mailroom-receive|mailroom] [--seconds=10]
// Needs PostgreSQL (BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432); a fresh database, dropped after.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@mailroom/core/testing';
import { load, postSource, startServer } from './ingest.mjs';
import { summarizeProfile } from './profile-summary.mjs';

const arg = (name, fallback) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const shape = arg('shape', 'raw-10k');
const kind = arg('kind', 'mailroom-receive');
const seconds = Number(arg('seconds', '10'));
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const dir = mkdtempSync(join(tmpdir(), 'mailroom-profile-'));
const database = await createTestDatabase(serverUrl);
try {
  const spawnedAt = Date.now();
  const server = startServer(kind, { DATABASE_URL: database.url }, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const port = await server.port;
  const source = postSource({ shape });
  await load(port, source, { duration: 1 }); // warm-up
  await new Promise((resolve) => setTimeout(resolve, 3000)); // its backlog processed before the measured part
  const fromMs = Date.now() - spawnedAt;
  const ticks = () => readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const cpuOf = (fields) => (Number(fields[11]) + Number(fields[12])) * 10;
  const before = cpuOf(ticks());
  const result = await load(port, source, { duration: seconds });
  const toMs = Date.now() - spawnedAt;
  let after = cpuOf(ticks());
  const duringLoad = after - before;
  // The drain happens inside stop(); read the process's CPU just before it exits, as far as /proc lets us.
  const poll = setInterval(() => {
    try {
      after = cpuOf(ticks());
    } catch {
      // exited
    }
  }, 50);
  const stats = await server.stop();
  clearInterval(poll);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  console.log(
    `${kind}, ${shape}: ${result.requests.average} req/s for ${seconds} s, ${result['2xx']} stored, handled ${stats.handled}`,
  );
  console.log(
    `process CPU (all threads, /proc): during the load ${duringLoad} ms, drain ${after - before - duringLoad} ms`,
  );
  const summary = summarizeProfile(profile, { requests: result['2xx'], fromMs, toMs });
  console.log(`During the load: main-thread CPU in the profile ${summary.busyMs.toFixed(0)} ms`);
  console.table(summary.rows);
  console.log('Hottest functions (self time):');
  console.table(summary.hottest);
  const drain = summarizeProfile(profile, { requests: stats.handled ?? 0, fromMs: toMs });
  console.log(`The drain after it: main-thread CPU ${drain.busyMs.toFixed(0)} ms (per request: of ${stats.handled})`);
  console.table(drain.rows);
  console.log(`profile: ${join(dir, file)}`);
} finally {
  await database.drop();
}
