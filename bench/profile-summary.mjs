// Sums a V8 .cpuprofile (node --cpu-prof) by what the time was spent on, for bench/profile.mjs.
// Each sample is charged to the innermost frame of its stack that belongs to a known part (verify, multipart,
// MIME parse, digest, inbox + SQL, HTTP), skipping generic frames (Node internals, natives) so that, say, a
// Buffer.concat inside the multipart splitter counts as multipart. A sample with the worker anywhere on its stack
// (claim, route, handler, outcome) is the worker's, split the same way — but a stack after an `await` starts at the
// continuation, so worker work past its first await counts under its part: bench/profile.mjs separates receiving
// from processing by time instead (the receiver's load, then its drain with the worker alone).
//   node bench/profile-summary.mjs file.cpuprofile [requests] [from-ms]  (samples from that many ms after start)
import { readFileSync } from 'node:fs';

/** [part, test on a frame's url and function name], most specific first. */
const PARTS = [
  [
    'digest',
    (url, fn) =>
      url.includes('crypto/hash') || /\/message\/attachment\.js|\/inbox\/dedupe\.js/.test(url) || fn === 'Hash',
  ],
  ['verify', (url) => /\/ingress\/verify\/|node:internal\/crypto\/(sig|keys)|crypto\/timingSafeEqual/.test(url)],
  ['multipart', (url) => /\/ingress\/(multipart|form|form-fields|body|spill)\.js|node_modules\/busboy\//.test(url)],
  [
    'MIME parse',
    (url) =>
      /node_modules\/(mailparser|@zone-eu\/mailsplit|mailsplit|libmime|libqp|libbase64|iconv-lite|encoding-japanese|punycode|nodemailer\/dist\/esm\/addressparser)\//.test(
        url,
      ) ||
      /\/ingress\/(raw-mode|raw-message|parse|parse-pool|parse-thread|parsed-mode|mime-structure|charsets|headers|undeclared-charset|email-data)\.js|\/message\//.test(
        url,
      ),
  ],
  ['ingress (other)', (url) => /\/ingress\//.test(url)],
  ['inbox + SQL (postgres.js)', (url) => /\/inbox\/|node_modules\/postgres\//.test(url)],
  ['HTTP (node-server, Hono)', (url) => /@hono\/node-server|node_modules\/hono\/|\/http\/|node:_http/.test(url)],
  ['mailroom (other)', (url) => /packages\/core\/dist\//.test(url)],
];
const WORKER = /\/runtime\/worker\.js|\/inbox\/work\.js|\/mailroom\/processing\.js|\/queue\/|\/routing\//;
const SPECIAL = { '(garbage collector)': 'GC', '(program)': 'native (unattributed)', '(idle)': 'idle' };

function partOf(stack) {
  for (const { url, functionName } of stack) {
    for (const [part, test] of PARTS) if (test(url, functionName)) return part;
  }
  const leaf = stack[0];
  if (Object.hasOwn(SPECIAL, leaf.functionName)) return SPECIAL[leaf.functionName];
  if (/^node:(net|internal\/stream|internal\/net|internal\/streams|internal\/process\/task)/.test(leaf.url))
    return 'sockets, streams, event loop';
  return 'other (Node internals: stream callbacks, timers, microtasks)';
}

/** Rows of `{ part, ms, '%' }` (share of busy main-thread time), µs per request, and the hottest functions. */
export function summarizeProfile(profile, { requests = 0, fromMs = 0, toMs = Infinity } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = new Map();
  const stack = (id) => {
    if (!stackOf.has(id)) {
      const frames = [];
      for (let at = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at).callFrame);
      stackOf.set(id, frames);
    }
    return stackOf.get(id);
  };
  const parts = new Map();
  const self = new Map();
  let busy = 0;
  let at = 0; // µs since the profile started (≈ the process's start)
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < fromMs * 1000 || at > toMs * 1000) return; // outside the window (start-up, warm-up: module loading, JIT)
    const frames = stack(id);
    let part = partOf(frames);
    if (part === 'idle') return;
    if (frames.some((f) => WORKER.test(f.url))) part = `worker: ${part}`;
    busy += us;
    parts.set(part, (parts.get(part) ?? 0) + us);
    const leaf = frames[0];
    const key = `${leaf.functionName || '(anonymous)'} ${leaf.url.replace(/^.*\/(node_modules|dist)\//, '')}:${leaf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  const rows = [...parts]
    .sort((a, b) => b[1] - a[1])
    .map(([part, us]) => ({
      part,
      ms: Number((us / 1000).toFixed(0)),
      '%': Number(((100 * us) / busy).toFixed(1)),
      ...(requests ? { 'µs/request': Number((us / requests).toFixed(0)) } : {}),
    }));
  const workerUs = [...parts].filter(([p]) => p.startsWith('worker:')).reduce((n, [, us]) => n + us, 0);
  rows.push({
    part: '(worker, all parts)',
    ms: Number((workerUs / 1000).toFixed(0)),
    '%': Number(((100 * workerUs) / busy).toFixed(1)),
    ...(requests ? { 'µs/request': Number((workerUs / requests).toFixed(0)) } : {}),
  });
  const hottest = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([fn, us]) => ({ function: fn, '%': Number(((100 * us) / busy).toFixed(1)) }));
  return { busyMs: busy / 1000, rows, hottest };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const summary = summarizeProfile(profile, {
    requests: Number(process.argv[3] ?? 0),
    fromMs: Number(process.argv[4] ?? 0),
  });
  console.log(`busy main-thread CPU: ${summary.busyMs.toFixed(0)} ms`);
  console.table(summary.rows);
  console.table(summary.hottest);
}
