#!/usr/bin/env node
// npm run bench -- --worst (or node bench/worst.mjs): adversarial inputs against the guarantee "no input within
// the limits blocks the event loop for more than 100 ms". For each family of bench/worst-posts.mjs, the post at
// size n and 2n and an ordinary email of the 2n post's size each run in a child process (bench/worst-child.mjs)
// with a hard time cap: the ingress, then what an app calls on the email. The child reports wall time and the
// longest event-loop stall; the table shows the growth ratio time(2n)/time(n) (≈ 2 linear, ≈ 4 quadratic,
// ≈ 8 cubic) and the comparison with the ordinary email. See bench/README.md.
//   --only=a,b   only families whose id contains one of the words
//   --cap=S      seconds before a case is killed (default 20)
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FAMILIES, ordinaryPost } from './worst-posts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const STALL_BUDGET_MS = 100;
/** Below this, a time is mostly fixed cost (process warm-up, the ingress's constant work) and a ratio is noise. */
const RATIO_FLOOR_MS = 10;

/** Runs one post in a child process; resolves with its figures, or with `killed` and where it was. */
export function runCase(post, { capMs, limits } = {}) {
  const file = join(tmpdir(), `mailroom-worst-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(file, post.body);
  const args = [join(here, 'worst-child.mjs'), file, post.contentType, ...(limits ? [JSON.stringify(limits)] : [])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const started = performance.now();
    let lastSign = started;
    let phase = 'startup';
    let done = null;
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk) => {
      lastSign = performance.now();
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const event = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (event.e === 'phase') phase = event.name;
        if (event.e === 'done') done = event;
      }
    });
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    let killedAt = null;
    const timer = setTimeout(() => {
      killedAt = performance.now();
      child.kill('SIGKILL');
    }, capMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      rmSync(file, { force: true });
      if (done) return resolve(done);
      if (killedAt !== null) {
        // Nothing came out of the child since lastSign: its event loop was blocked at least that long.
        return resolve({
          killed: true,
          bytes: post.body.length,
          phase,
          stallAtLeastMs: killedAt - lastSign,
          outcome: `killed in ${phase}`,
        });
      }
      resolve({
        failed: true,
        bytes: post.body.length,
        phase,
        outcome: `child exited ${code} in ${phase}: ${lastLine(stderr)}`,
      });
    });
  });
}

const lastLine = (text) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.trim() && !/^\s+at /.test(l))
    .pop()
    ?.slice(0, 160) ?? '';

/** n, 2n and the ordinary email of the 2n post's size, for one family. */
async function measureFamily(family, { capMs, progress, ordinaryCache }) {
  const mode = family.mode ?? 'raw';
  const options = { capMs, limits: family.limits };
  progress(`worst ${family.id}: n = ${family.size(family.n)}`);
  const atN = await runCase(family.build(family.n), options);
  const post2n = family.build(2 * family.n);
  let at2n;
  if (atN.killed) {
    at2n = { skipped: true, bytes: post2n.body.length, outcome: 'not run (n was killed)' };
  } else {
    progress(`worst ${family.id}: 2n = ${family.size(2 * family.n)}`);
    at2n = await runCase(post2n, options);
  }
  const key = `${mode}:${Math.round(Math.log(post2n.body.length) / Math.log(1.1))}`; // ≈ 10 % size buckets
  if (!ordinaryCache.has(key)) {
    progress(`worst ordinary ${mode} post of ${post2n.body.length} bytes`);
    ordinaryCache.set(key, await runCase(ordinaryPost(post2n.body.length, mode), { capMs }));
  }
  return { family, mode, atN, at2n, ordinary: ordinaryCache.get(key) };
}

const ms = (r) =>
  r.killed ? `> ${(r.capMs / 1000).toFixed(0)} s (killed)` : r.skipped || r.failed ? '—' : fmtMs(r.totalMs);
const fmtMs = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const stall = (r) =>
  r.killed
    ? `≥ ${fmtMs(r.stallAtLeastMs)} (${r.phase})`
    : r.skipped || r.failed
      ? '—'
      : `${fmtMs(r.maxStallMs)} (${r.stallPhase})`;
/** How much of the longest stall was this process's own CPU (the rest: not scheduled, on a loaded machine). */
const cpuShare = (r) =>
  r.killed || r.skipped || r.failed || !(r.maxStallMs > 0)
    ? '—'
    : `${Math.round((100 * r.stallCpuMs) / r.maxStallMs)} %`;
const mb = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} KB`);

function row({ family, mode, atN, at2n, ordinary }) {
  const measured = (r) => !r.killed && !r.skipped && !r.failed;
  const growth =
    measured(atN) && measured(at2n) && at2n.totalMs >= RATIO_FLOOR_MS ? (at2n.totalMs / atN.totalMs).toFixed(1) : '—';
  const worst = at2n.killed || atN.killed ? Infinity : Math.max(atN.maxStallMs ?? 0, at2n.maxStallMs ?? 0);
  const vsOrdinary =
    measured(at2n) && measured(ordinary)
      ? (at2n.totalMs / ordinary.totalMs).toFixed(1)
      : atN.killed || at2n.killed
        ? '∞'
        : '—';
  const failed = [atN, at2n].some((r) => r.failed);
  return {
    family: family.id,
    mode,
    n: family.size(family.n),
    'post (2n)': mb(at2n.bytes),
    'time n': ms(atN),
    'time 2n': ms(at2n),
    'growth 2n/n': growth,
    'longest stall (where)': atN.killed ? stall(atN) : stall(at2n),
    'CPU in it': atN.killed ? '—' : cpuShare(at2n),
    'ordinary time': ms(ordinary),
    'ordinary stall': stall(ordinary),
    '2n / ordinary': vsOrdinary,
    'outcome (2n)': at2n.skipped ? atN.outcome : at2n.outcome,
    [`stall ≤ ${STALL_BUDGET_MS} ms`]: failed ? 'ERROR' : worst <= STALL_BUDGET_MS ? 'ok' : 'NO',
  };
}

function markdown(rows) {
  const keys = Object.keys(rows[0]);
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [
    line(keys),
    line(keys.map(() => '---')),
    ...rows.map((r) => line(keys.map((k) => String(r[k]).replaceAll('|', '\\|')))),
  ].join('\n');
}

const legend = (families) =>
  families.map((f) => `- ${f.id}: ${f.label}${f.limits ? ` (limits: ${JSON.stringify(f.limits)})` : ''}`).join('\n');

export async function runWorst(
  argv = process.argv.slice(2),
  { progress = (m) => process.stderr.write(`… ${m}\n`) } = {},
) {
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',')
    .filter(Boolean);
  const capMs = 1000 * Number(argv.find((a) => a.startsWith('--cap='))?.slice(6) ?? 20);
  const families = FAMILIES.filter((f) => !only || only.some((o) => f.id.includes(o)));
  const startedAt = new Date();
  const ordinaryCache = new Map();
  const results = [];
  for (const family of families) {
    const result = await measureFamily(family, { capMs, progress, ordinaryCache });
    for (const r of [result.atN, result.at2n, result.ordinary]) r.capMs = capMs;
    results.push(result);
  }
  const rows = results.map(row);
  const elapsed = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0);
  console.log(
    `\nW --worst: adversarial families at n and 2n vs an ordinary email of the 2n post's size (cap ${capMs / 1000} s per case, ${elapsed} s in all)`,
  );
  console.log(markdown(rows));
  console.log(`\n${legend(families)}`);
  const failing = rows.filter((r) => r[`stall ≤ ${STALL_BUDGET_MS} ms`] !== 'ok').map((r) => r.family);
  console.log(
    `\n${rows.length - failing.length}/${rows.length} families keep every stall ≤ ${STALL_BUDGET_MS} ms${failing.length ? `; not: ${failing.join(', ')}` : ''}`,
  );
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const report = {
    startedAt: startedAt.toISOString(),
    node: process.version,
    capMs,
    stallBudgetMs: STALL_BUDGET_MS,
    rows,
    cases: results.map(({ family, mode, atN, at2n, ordinary }) => ({
      id: family.id,
      label: family.label,
      mode,
      n: family.n,
      limits: family.limits ?? null,
      atN,
      at2n,
      ordinary,
    })),
  };
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `worst-${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(outDir, 'worst-latest.json'), JSON.stringify(report, null, 2));
  writeFileSync(join(outDir, 'worst-latest.md'), `${markdown(rows)}\n\n${legend(families)}\n`);
  console.log(`results: ${join('bench', 'results', 'worst-latest.json')} (table: worst-latest.md)`);
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runWorst();
