// P4 — the apps' own benchmarks, each run as a child process (its memory and timings stay its own):
// the avatars pipeline (apps/avatars/bench/pipeline.mjs) and list redistribution (apps/lists/bench/redistribute.mjs).
// A benchmark that does not exist yet is skipped; one that fails is reported with its error, not hidden.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const APP_BENCHES = [
  {
    id: 'avatars',
    title: 'P4 avatars pipeline (apps/avatars/bench/pipeline.mjs)',
    script: 'apps/avatars/bench/pipeline.mjs',
    args: [],
    quickArgs: ['3'],
  },
  {
    id: 'lists',
    title: 'P4 list redistribution (apps/lists/bench/redistribute.mjs)',
    script: 'apps/lists/bench/redistribute.mjs',
    args: [],
    quickArgs: [],
    quickEnv: { MEMBERS: '1000' },
  },
];

function run(script, args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, script), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The first top-level JSON object in a program's output, if any. */
function firstJsonObject(text) {
  const start = text.indexOf('{\n');
  if (start < 0) return null;
  for (let end = text.indexOf('\n}', start); end >= 0; end = text.indexOf('\n}', end + 1)) {
    try {
      return JSON.parse(text.slice(start, end + 2));
    } catch {
      // best effort
    }
  }
  return null;
}

/** Markdown table rows (`| a | b |`) → objects keyed by the header row. */
function markdownRows(text) {
  const lines = text.split('\n').filter((line) => line.trim().startsWith('|') && !/^\|[-\s|]+\|$/.test(line.trim()));
  if (lines.length < 2) return [];
  const cells = (line) =>
    line
      .trim()
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
  const header = cells(lines[0]);
  return lines
    .slice(1)
    .map((line) => Object.fromEntries(cells(line).map((value, i) => [header[i] ?? `col${i}`, value])));
}

export async function benchmarks({ quick = false, progress = () => {} } = {}) {
  const sections = [];
  for (const bench of APP_BENCHES) {
    if (!existsSync(join(root, bench.script))) continue;
    progress(`${bench.title}: running`);
    const result = await run(bench.script, quick ? bench.quickArgs : bench.args, quick ? bench.quickEnv : {});
    const ok = result.code === 0;
    const json = ok ? firstJsonObject(result.stdout) : null;
    const table = ok ? markdownRows(result.stdout) : [];
    const verdicts = result.stdout.split('\n').filter((line) => /target|×/.test(line) && !line.trim().startsWith('|'));
    sections.push({
      id: bench.id,
      title: bench.title,
      ok,
      error: ok ? undefined : `exit ${result.code ?? result.signal}: ${reason(result.stderr || result.stdout)}`,
      report: json ?? undefined,
      rows: table.length > 0 ? table : json ? flatten(json) : [],
      notes: ok ? verdicts.slice(-3) : [],
    });
  }
  return sections;
}

/** The line that says what went wrong (an Error line), else the last lines. */
function reason(output) {
  const lines = output
    .trim()
    .split('\n')
    .filter((line) => line.trim() && !/^\s+at /.test(line));
  return lines.find((line) => /\b\w*Error\b|Cannot|not found/i.test(line))?.trim() ?? lines.slice(-2).join(' / ');
}

function flatten(object, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(object)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) flatten(value, `${prefix}${key}.`, out);
    else out[`${prefix}${key}`] = Array.isArray(value) ? JSON.stringify(value).slice(0, 80) : value;
  }
  return Object.entries(out).map(([metric, value]) => ({ metric, value }));
}
