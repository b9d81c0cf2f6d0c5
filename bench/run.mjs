#!/usr/bin/env node
// npm run bench — Mailroom's benchmarks. Prints a table, writes bench/results/<time>.json and a chart (SVG).
// Every figure is a ratio against a baseline measured in the same run on the same bytes; see bench/README.md.
//   --quick      fewer runs, shorter load passes (a smoke run, not figures to quote)
//   --only=X     only sections/cases whose id contains X: parse, memory, parsed-10k, attachments-2m, raw-30m,
//                ingest, avatars, lists, replies, classify (comma-separated for several)
//   --worst      instead: the adversarial bench (bench/worst.mjs; takes --only=family and --cap=seconds)
//   --peers      instead: Mailroom beside Rails Action Mailbox and Django anymail (bench/peers.mjs; --setup first
//                installs them from Debian's archive with bench/peers/setup.sh; --quick for 3-second passes)
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from './posts.mjs';
import { MEMORY_PARSERS, PARSERS } from './parsers.mjs';
import { renderChart } from './chart.mjs';

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv.includes('--worst')) {
  await (await import('./worst.mjs')).runWorst(process.argv.slice(2));
  process.exit(0);
}
const quick = process.argv.includes('--quick');
if (process.argv.includes('--peers')) {
  await (await import('./peers-run.mjs')).runPeers({ quick, setup: process.argv.includes('--setup') });
  process.exit(0);
}
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',')
  .filter(Boolean);
const progress = (message) => process.stderr.write(`… ${message}\n`);
/** True when the section (and case) is selected by --only. */
const selected = (...ids) => !only || only.some((o) => ids.some((id) => id.includes(o)));

const results = { startedAt: new Date().toISOString(), node: process.version, quick, parse: [], memory: [], extra: [] };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// P1 — parse time: median of N runs per parser, interleaved so drift hits every parser alike.
for (const [caseId, spec] of Object.entries(CASES)) {
  if (!selected('parse', caseId)) continue;
  progress(`P1 building ${spec.label}`);
  const post = spec.build();
  const size = post.body.length;
  const runs = quick ? 3 : size > 10_000_000 ? 7 : size > 1_000_000 ? 25 : 300;
  const times = Object.fromEntries(Object.keys(PARSERS).map((k) => [k, []]));
  for (const parse of Object.values(PARSERS)) await parse(post); // warm-up (JIT, lazy requires)
  for (let i = 0; i < runs; i++) {
    for (const [name, parse] of Object.entries(PARSERS)) {
      const t0 = process.hrtime.bigint();
      await parse(post);
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    if (i % Math.max(1, Math.ceil(runs / 5)) === 0) progress(`P1 ${spec.label}: run ${i + 1}/${runs}`);
  }
  const row = { case: caseId, label: spec.label, bytes: size, runs };
  for (const name of Object.keys(PARSERS)) row[`${name}Ms`] = median(times[name]);
  row.vsBare = row.mailroomMs / row.bareMs;
  row.naiveSpeedup = row.naiveMs / row.mailroomMs;
  // For reference (no target): the same ratios with the digests the inbox reads at ingest included.
  row.withDigestsVsBare = row['mailroom+sha256Ms'] / row.bareMs;
  row.naiveSpeedupWithDigests = row.naiveMs / row['mailroom+sha256Ms'];
  results.parse.push(row);
}

// P2 — peak RSS: one child process per (case, parser); peak minus the child's peak without parsing.
for (const [caseId, spec] of Object.entries(CASES)) {
  if (!selected('memory', caseId)) continue;
  if (quick && caseId !== 'raw-30m') continue;
  const row = { case: caseId, label: spec.label };
  const post = spec.build();
  const file = join(tmpdir(), `mailroom-bench-${process.pid}-${caseId}.bin`);
  writeFileSync(file, post.body);
  const peakOf = (name, warm = 'cold') => {
    const child = spawnSync(process.execPath, [join(here, 'memory-child.mjs'), file, post.contentType, name, warm], {
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`memory child failed: ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split('\n').pop());
  };
  // Median of three children per parser: RSS high-water marks vary a little from run to run.
  const medianPeak = (name, warm) => median([0, 1, 2].map(() => peakOf(name, warm).peakRss));
  try {
    progress(`P2 peak memory: ${spec.label}, baseline (no parse)`);
    const baseline = medianPeak('none');
    // Mailroom parses large posts on a thread started once per process: its fixed cost is reported on its own, and
    // the post's cost is measured against a baseline with the thread already up.
    const warmBaseline = medianPeak('none', 'warm');
    row.bytes = post.body.length;
    row.baselineMB = baseline / 1e6;
    row.parseThreadMB = Math.max(0, warmBaseline - baseline) / 1e6;
    for (const name of MEMORY_PARSERS) {
      progress(`P2 peak memory: ${spec.label} with ${name}`);
      const [warm, base] = name === 'mailroom' ? ['warm', warmBaseline] : ['cold', baseline];
      row[`${name}PeakMB`] = Math.max(0, medianPeak(name, warm) - base) / 1e6;
    }
  } finally {
    rmSync(file, { force: true });
  }
  row.mailroomPerPostSize = (row.mailroomPeakMB * 1e6) / row.bytes;
  // Below the high-water mark's resolution (small posts) a ratio means nothing.
  row.vsNaive = row.naivePeakMB > 0.5 ? row.mailroomPeakMB / row.naivePeakMB : undefined;
  results.memory.push(row);
}

// P3 (HTTP ingest), the reply-extraction accuracy bench, P4 (apps' benchmarks as child processes).
if (selected('ingest')) results.extra.push(await (await import('./ingest.mjs')).benchmark({ quick, progress }));
if (selected('replies')) results.extra.push(await (await import('./replies.mjs')).benchmark({ quick, progress }));
if (selected('classify')) results.extra.push(await (await import('./classify.mjs')).benchmark({ quick, progress }));
if (selected('avatars', 'lists')) {
  const sections = await (await import('./external.mjs')).benchmarks({ quick, progress });
  results.extra.push(...sections.filter((s) => selected(s.id)));
}

// Output: table, JSON, chart.
const fmt = (n, d = 2) => (n === undefined ? '—' : Number(n).toFixed(d));
if (results.parse.length > 0) {
  console.log(
    '\nP1 parse time (median ms; lower is better). bare = busboy + mailparser doing the same work; framing = busboy alone;',
  );
  console.log(
    'mailroom+sha256 = mailroom, then reading the body and attachment digests it hashes on first read (the inbox does at ingest)',
  );
  console.table(
    results.parse.map((r) => ({
      case: r.label,
      size: `${fmt(r.bytes / 1e6, 2)} MB`,
      runs: r.runs,
      mailroom: fmt(r.mailroomMs),
      'mailroom+sha256': fmt(r['mailroom+sha256Ms']),
      bare: fmt(r.bareMs),
      naive: fmt(r.naiveMs),
      framing: fmt(r.framingMs),
      'mailroom/bare (≤1.25)': fmt(r.vsBare),
      'naive/mailroom (≥1.5)': fmt(r.naiveSpeedup),
      'naive/(mailroom+sha256)': fmt(r.naiveSpeedupWithDigests),
    })),
  );
}
if (results.memory.length > 0) {
  console.log(
    'P2 peak RSS above the no-parse baseline (MB; lower is better); mailroom against a baseline whose parse thread',
  );
  console.log('is already up (a server after its first large post); that thread, once per process, is "parse thread"');
  console.table(
    results.memory.map((r) => ({
      case: r.label,
      mailroom: fmt(r.mailroomPeakMB, 1),
      bare: fmt(r.barePeakMB, 1),
      naive: fmt(r.naivePeakMB, 1),
      'parse thread (once)': fmt(r.parseThreadMB, 1),
      'mailroom / post size (≤2.5)': fmt(r.mailroomPerPostSize),
      'mailroom/naive (≤0.5)': fmt(r.vsNaive),
    })),
  );
}
for (const extra of results.extra) {
  console.log(extra.title);
  if (extra.error) console.log(`  failed: ${extra.error}`);
  if (extra.rows?.length) console.table(extra.rows);
  for (const [title, table] of extra.tables ?? []) {
    console.log(title);
    console.table(table);
  }
  for (const note of extra.notes ?? []) console.log(`  ${note}`);
}
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const stamp = results.startedAt.replace(/[:.]/g, '-');
writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify(results, null, 2));
writeFileSync(join(outDir, 'latest.json'), JSON.stringify(results, null, 2));
writeFileSync(join(outDir, 'latest.svg'), renderChart(results));
console.log(`results: ${join('bench', 'results', 'latest.json')}, chart: ${join('bench', 'results', 'latest.svg')}`);
