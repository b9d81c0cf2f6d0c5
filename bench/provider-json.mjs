#!/usr/bin/env node
// node bench/provider-json.mjs [MB]: the longest event-loop stall while Postmark's endpoint (`postmarkInbound`)
// reads one large genuine post (RawEmail, Postmark's parsed TextBody, a base64 attachment; default ≈ 90 MB), with
// the JSON parsed on the event loop (`limits.parseOffThreadAboveBytes: 0`, the baseline) and on a parse thread (the
// default), interleaved, 3 rounds each after a warm-up. Posted over real HTTP by curl (another process, so the
// client's work is not on this loop). The endpoint hands the delivery to a target that resolves at once, so this is
// the webhook's own work: body, token scan, UTF-8 decode, JSON.parse, RawEmail's bytes.
// Reads the built packages: `npm run build` first.
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Hono } from 'hono';
import { postmarkInbound, startServer } from '@mailroom/core/http';
import { postmarkInboundRequest } from '@mailroom/core/testing';

const megabytes = Number(process.argv[2] ?? 90);
const BASIC = { username: 'postmark', password: 'bench password' };
const text = 'Grüße aus Köln. '.repeat(Math.floor((megabytes * 1024 * 1024) / 4 / 17));
const raw = `Return-Path: <ann@example.org>\r\nFrom: ann@example.org\r\nTo: help@example.com\r\nSubject: big\r\n\r\n${text}`;
const attachment = { Name: 'a.bin', ContentType: 'application/octet-stream', Content: 'QUJD'.repeat(text.length / 3) };
const request = postmarkInboundRequest(raw, { basic: BASIC, fields: { TextBody: text, Attachments: [attachment] } });
const body = Buffer.from(await request.arrayBuffer());
const target = { deliver: async () => ({ id: '1', duplicate: false }) };
const root = new Hono();
root.route('/loop', postmarkInbound(target, { basic: [BASIC], limits: { parseOffThreadAboveBytes: 0 } }));
root.route('/thread', postmarkInbound(target, { basic: [BASIC] }));
const server = await startServer(root.fetch, { hostname: '127.0.0.1' });
const file = join(tmpdir(), `mailroom-provider-json-${process.pid}.json`);
await writeFile(file, body);
const apps = { 'event loop (baseline)': '/loop', 'parse thread (default)': '/thread' };
const curl = promisify(execFile);
const post = (path) =>
  curl('curl', [
    ...['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'content-type: application/json'],
    ...['-H', `authorization: ${request.headers.get('authorization')}`, '--data-binary', `@${file}`],
    `${server.url}${path}/inbound`,
  ]).then(({ stdout }) => Number(stdout));

async function stallOf(path) {
  let last = performance.now();
  let longest = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - 1);
    last = now;
  }, 1);
  const started = performance.now();
  const status = await post(path);
  const wall = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(probe);
  if (status !== 200) throw new Error(`answered ${status}`);
  return { longest, wall };
}

const results = Object.fromEntries(Object.keys(apps).map((name) => [name, []]));
for (const path of Object.values(apps)) await stallOf(path); // warm-up: the parse thread starts here
for (let round = 0; round < 3; round++) {
  for (const [name, path] of Object.entries(apps)) results[name].push(await stallOf(path));
}
await rm(file, { force: true });
await server.close();
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = Object.entries(results).map(([name, runs]) => ({
  reader: name,
  'longest stall ms (median)': median(runs.map((r) => r.longest)).toFixed(0),
  'per round': runs.map((r) => r.longest.toFixed(0)).join(', '),
  'wall ms (median)': median(runs.map((r) => r.wall)).toFixed(0),
}));
console.log(`Postmark post of ${(body.length / 1048576).toFixed(1)} MB over HTTP into postmarkInbound`);
console.table(rows);
const [loop, thread] = Object.values(results).map((runs) => median(runs.map((r) => r.longest)));
console.log(
  `stall ratio thread / event loop: ${(thread / loop).toFixed(3)} (target: the thread keeps it under 100 ms)`,
);
process.exit(0);
