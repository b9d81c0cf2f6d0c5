// `npm run bench -- --peers`: Mailroom side by side with what adopters would pick instead, on the same PostgreSQL:
// Rails 6.1 Action Mailbox (SendGrid ingress, Puma, Active Job :async) and Django + anymail (SendGrid inbound
// webhook, gunicorn), plus P3's bare per-request INSERT endpoint. Same basic auth, same posts, 32 connections,
// three interleaved rounds (medians). After each pass: rows stored vs 2xx, CPU of server + database per email
// (from /proc ticks, processing included), RSS. Then a fidelity set posted to each, read back from its database.
// The peers come from Debian's archive (bench/peers/setup.sh); without them this section is skipped with a message.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createTestDatabase } from '@mailroom/core/testing';
import { load, postSource, POST_SHAPES, startServer, summarize } from './ingest.mjs';
import { FIDELITY_CASES, checkFidelity } from './peers/fidelity.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PEERS = join(here, 'peers');
const CONNECTIONS = 32;
const USER = 'actionmailbox'; // Action Mailbox's fixed basic-auth user; every system gets the same credential
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Which peers are installed (Debian's packages), and why not when they are not. */
export function peersInstalled() {
  const missing = [];
  const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  if (!ok('ruby', ['-e', 'require "rails"; require "action_mailbox/engine"; require "pg"; require "puma"']))
    missing.push('ruby-rails, ruby-pg, puma');
  if (!ok('/usr/bin/python3', ['-c', 'import django, anymail, psycopg2, gunicorn']))
    missing.push('python3-django-anymail, python3-psycopg2, gunicorn');
  return missing;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** Every process in the tree under `root` (Puma's and gunicorn's forked workers, a cluster's children). */
function processTree(root) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) parent.set(Number(name), stat.ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null; // gone
  }
}

function memoryOf(pids) {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return { rssMB: rss / 1024, pssMB: pss / 1024 };
}

/** A child process with a port, answering HTTP once it is up. */
async function startPeer(name, command, args, env, cwd) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output = (output + c).slice(-4000)));
  child.stderr.on('data', (c) => (output = (output + c).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start: ${output}`);
    try {
      await fetch(`http://127.0.0.1:${env.PORT}/`);
      break;
    } catch {
      await sleep(250);
    }
  }
  return {
    pid: child.pid,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One system under test: its server, its database, how to count what it stored and processed. */
async function openSystem(kind, serverUrl, basic) {
  const database = await createTestDatabase(serverUrl);
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  const [{ pid: ownPid }] = await sql`select pg_backend_pid() as pid`;
  const password = basic.slice(USER.length + 1);
  const port = await freePort();
  let server;
  let path;
  let counts;
  if (kind === 'mailroom' || kind === 'bare') {
    const child = startServer(kind, { DATABASE_URL: database.url, ...(kind === 'mailroom' ? { BASIC: basic } : {}) });
    const childPort = await child.port;
    server = { pid: child.pid, stop: () => child.stop(), port: childPort };
    path = '/webhooks/sendgrid/parse';
    counts =
      kind === 'mailroom'
        ? async () =>
            (
              await sql`select count(*)::int as stored, count(*) filter (where status not in ('pending', 'processing'))::int as done
                from mailroom.inbound_emails`
            )[0]
        : async () => (await sql`select count(*)::int as stored, count(*)::int as done from bench_bare_posts`)[0];
  } else if (kind === 'action-mailbox') {
    const cwd = join(PEERS, 'rails');
    const storage = mkdtempSync(join(tmpdir(), 'mailroom-bench-rails-'));
    const env = {
      DATABASE_URL: `${database.url}?pool=16`,
      RAILS_ENV: 'production',
      RAILS_INBOUND_EMAIL_PASSWORD: password,
      SECRET_KEY_BASE: randomBytes(32).toString('hex'),
      STORAGE_DIR: storage,
      PORT: String(port),
    };
    const schema = spawnSync('ruby', ['db/schema.rb'], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (schema.status !== 0) throw new Error(`Rails schema failed: ${schema.stderr}`);
    const peer = await startPeer('Puma', 'puma', ['-C', 'config/puma.rb', 'config.ru'], env, cwd);
    server = { pid: peer.pid, port, stop: async () => (await peer.stop(), rmSync(storage, { recursive: true })) };
    path = '/rails/action_mailbox/sendgrid/inbound_emails';
    // Action Mailbox's statuses: 0 pending, 1 processing, 2 delivered, 3 failed, 4 bounced.
    counts = async () =>
      (
        await sql`select count(*)::int as stored, count(*) filter (where status >= 2)::int as done,
          count(*) filter (where status = 3)::int as failed from action_mailbox_inbound_emails`
      )[0];
  } else if (kind === 'anymail') {
    const cwd = join(PEERS, 'django');
    await sql.unsafe(readFileSync(join(cwd, 'schema.sql'), 'utf8'));
    const workers = process.env.PEERS_GUNICORN_WORKERS ?? '4';
    const env = {
      DATABASE_URL: database.url,
      ANYMAIL_WEBHOOK_SECRET: basic,
      DJANGO_SETTINGS_MODULE: 'benchpeer.settings',
      PYTHONDONTWRITEBYTECODE: '1',
      PORT: String(port),
    };
    const args = ['-w', workers, '-b', `127.0.0.1:${port}`, '--chdir', cwd, 'benchpeer.wsgi'];
    const peer = await startPeer('gunicorn', '/usr/bin/gunicorn', args, env, cwd);
    server = { pid: peer.pid, port, stop: () => peer.stop() };
    path = '/anymail/sendgrid/inbound/';
    counts = async () => (await sql`select count(*)::int as stored, count(*)::int as done from bench_messages`)[0];
  } else {
    throw new Error(`unknown system ${kind}`);
  }
  const backends = async () =>
    (await sql`select pid from pg_stat_activity where datname = current_database() and pid <> ${ownPid}`).map(
      (r) => r.pid,
    );
  return {
    kind,
    port: server.port,
    path,
    sql,
    counts,
    /** CPU ticks of the server's process tree and of its database's backends, by pid. */
    async ticks() {
      const pids = [...processTree(server.pid), ...(await backends())];
      return new Map(pids.map((pid) => [pid, readStat(pid)?.ticks ?? 0]));
    },
    memory: () => memoryOf(processTree(server.pid)),
    async close() {
      await server.stop();
      await sql.end({ timeout: 5 });
      await database.drop();
    },
  };
}

const cpuMs = (before, after) => {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks * TICK_MS;
};

/** Waits until everything stored was processed; returns how long it took (ms), or null after two minutes. */
async function drained(system) {
  const start = Date.now();
  for (;;) {
    const { stored, done } = await system.counts();
    if (done >= stored) return Date.now() - start;
    if (Date.now() - start > 120_000) return null;
    await sleep(100);
  }
}

/** One load pass on one system: throughput, latency, stored vs acknowledged, CPU per email, memory. */
async function pass(system, shape, { duration, basic }) {
  const before = await system.counts();
  const ticksBefore = await system.ticks();
  const raw = await load(system.port, postSource({ shape, basic }), { duration, path: system.path });
  const result = summarize(raw);
  const atEnd = await system.counts();
  const drainMs = await drained(system);
  const ticksAfter = await system.ticks();
  const after = await system.counts();
  const stored = after.stored - before.stored;
  // When the pass ends, up to one request per connection is still unanswered: the server may store it anyway.
  return {
    ...result,
    socketErrors: raw.errors, // connection errors (gunicorn's sync workers close every connection), apart from
    timeouts: raw.timeouts,
    statusCodes: Object.fromEntries(Object.entries(raw.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
    stored,
    mismatch: stored < result.ok || stored > result.ok + CONNECTIONS,
    backlog: atEnd.stored - atEnd.done,
    drainMs,
    failed: after.failed ?? 0,
    cpuMsPerEmail: stored > 0 ? cpuMs(ticksBefore, ticksAfter) / stored : null,
    memory: system.memory(),
  };
}

const SYSTEMS = ['mailroom', 'bare', 'action-mailbox', 'anymail'];

/** Runs the peers section; returns a section for bench/run.mjs. */
export async function benchmark({
  quick = false,
  seconds = undefined,
  rounds = 3,
  progress = () => {},
  serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
} = {}) {
  const title = 'Peers: Mailroom, the bare INSERT endpoint, Rails Action Mailbox, Django anymail (same PostgreSQL)';
  const missing = peersInstalled();
  if (missing.length)
    return {
      id: 'peers',
      title,
      notes: [
        `peers skipped: not installed (${missing.join('; ')}). Install them from Debian's archive with`,
        '`npm run bench -- --peers --setup` or `sh bench/peers/setup.sh` (as root), then run `npm run bench -- --peers`.',
      ],
    };
  const duration = seconds ?? (quick ? 3 : 10);
  const basic = `${USER}:${randomBytes(12).toString('hex')}`;
  const systems = {};
  const loads = [];
  const results = { duration, rounds, connections: CONNECTIONS, passes: [], fidelity: {} };
  try {
    for (const kind of SYSTEMS) {
      progress(`peers: starting ${kind}`);
      systems[kind] = await openSystem(kind, serverUrl, basic);
    }
    for (const shape of ['raw-10k', 'parsed-10k']) {
      const kinds = SYSTEMS.filter((kind) => shape.startsWith('raw') || kind !== 'action-mailbox');
      const idle = {};
      for (const kind of kinds) {
        await load(systems[kind].port, postSource({ shape, basic }), { duration: 1, path: systems[kind].path });
        await drained(systems[kind]);
        idle[kind] = systems[kind].memory();
      }
      for (let round = 1; round <= rounds; round++) {
        // Interleaved, and each round starts with the next system, so the machine's drift hits all alike.
        const order = kinds.map((_, i) => kinds[(i + round - 1) % kinds.length]);
        for (const kind of order) {
          const loadavg = loadAverage();
          loads.push({ shape: POST_SHAPES[shape].label, round, system: kind, 'load average before': loadavg });
          progress(`peers ${POST_SHAPES[shape].label} round ${round}/${rounds}: ${kind} (load average ${loadavg})`);
          const row = await pass(systems[kind], shape, { duration, basic });
          if (row.mismatch)
            console.error(
              `!!! MISMATCH ${kind} ${shape} round ${round}: stored ${row.stored} rows for ${row.ok} 2xx answers`,
            );
          results.passes.push({ shape, round, system: kind, loadavg, idle: idle[kind], ...row });
        }
      }
    }
    progress('peers: fidelity set');
    results.fidelity = await fidelity(systems, serverUrl, basic);
  } finally {
    for (const system of Object.values(systems)) await system.close().catch(() => {});
  }
  return {
    id: 'peers',
    title: `${title}, ${CONNECTIONS} connections, ${duration} s per pass`,
    results,
    ...tables(results, loads),
  };
}

/** Posts the fidelity set to every peer and to a Mailroom whose route stores the same row; reads it all back. */
async function fidelity(systems, serverUrl, basic) {
  const database = await createTestDatabase(serverUrl);
  const child = startServer('mailroom', { DATABASE_URL: database.url, BASIC: basic, FIDELITY: '1' });
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  const targets = {
    mailroom: { port: await child.port, path: '/webhooks/sendgrid/parse', sql },
    'action-mailbox': systems['action-mailbox'],
    anymail: systems.anymail,
  };
  const table = {};
  try {
    for (const testCase of FIDELITY_CASES) {
      table[testCase.id] = { case: testCase.label };
      for (const [kind, target] of Object.entries(targets))
        table[testCase.id][kind] = await checkFidelity(target, testCase, basic);
    }
  } finally {
    await child.stop();
    await sql.end({ timeout: 5 });
    await database.drop();
  }
  return table;
}

function tables(results, loads) {
  const fmt = (n, d = 1) => (n === undefined || n === null ? '—' : Number(n).toFixed(d));
  const out = [];
  const notes = [];
  for (const shape of ['raw-10k', 'parsed-10k']) {
    const passes = results.passes.filter((p) => p.shape === shape);
    if (!passes.length) continue;
    const kinds = [...new Set(passes.map((p) => p.system))];
    const of = (kind) => passes.filter((p) => p.system === kind);
    const med = (kind, pick) =>
      median(
        of(kind)
          .map(pick)
          .filter((v) => v !== null && v !== undefined),
      );
    out.push([
      `${POST_SHAPES[shape].label} posts, basic auth (medians of ${results.rounds} interleaved rounds)`,
      kinds.map((kind) => ({
        system: kind,
        'req/s': fmt(med(kind, (p) => p.rps)),
        'p50 ms': fmt(med(kind, (p) => p.p50)),
        'p99 ms': fmt(med(kind, (p) => p.p99)),
        'stored / 2xx': of(kind)
          .map((p) => `${p.stored}/${p.ok}${p.mismatch ? ' MISMATCH' : ''}`)
          .join(' '),
        'non-2xx': of(kind).reduce((n, p) => n + p.non2xx, 0),
        'errors / timeouts': `${of(kind).reduce((n, p) => n + p.socketErrors, 0)} / ${of(kind).reduce((n, p) => n + p.timeouts, 0)}`,
        'CPU ms/email': fmt(
          med(kind, (p) => p.cpuMsPerEmail),
          2,
        ),
        'backlog at end': fmt(
          med(kind, (p) => p.backlog),
          0,
        ),
        'drain s': fmt(med(kind, (p) => (p.drainMs === null ? null : p.drainMs / 1000))),
        'RSS idle MB': fmt(of(kind)[0].idle.rssMB),
        'RSS after MB': fmt(Math.max(...of(kind).map((p) => p.memory.rssMB))),
        'PSS after MB': fmt(Math.max(...of(kind).map((p) => p.memory.pssMB))),
      })),
    ]);
    const ratioRows = [];
    for (const other of kinds.filter((k) => k !== 'mailroom')) {
      const perRound = [1, 2, 3]
        .slice(0, results.rounds)
        .map((round) => {
          const m = passes.find((p) => p.system === 'mailroom' && p.round === round);
          const o = passes.find((p) => p.system === other && p.round === round);
          return m && o && o.rps > 0 ? m.rps / o.rps : null;
        })
        .filter((r) => r !== null);
      ratioRows.push({
        ratio: `mailroom / ${other}`,
        'per round': perRound.map((r) => fmt(r, 2)).join(', '),
        median: fmt(median(perRound), 2),
      });
    }
    out.push([`${POST_SHAPES[shape].label}: throughput ratios (per round, and their median)`, ratioRows]);
    const mismatches = passes.filter((p) => p.mismatch);
    if (mismatches.length)
      notes.push(`!!! ${mismatches.length} pass(es) stored a different number of rows than they answered 2xx`);
    const failed = passes.reduce((n, p) => n + p.failed, 0);
    if (failed) notes.push(`Action Mailbox marked ${failed} emails failed during ${POST_SHAPES[shape].label}`);
  }
  out.push(['Load average before each pass', loads]);
  if (Object.keys(results.fidelity).length)
    out.push(['Fidelity: what each stored, read back from its database', Object.values(results.fidelity)]);
  notes.push(
    'Action Mailbox is not run on parsed-mode posts: its SendGrid ingress requires the raw `email` field (see the fidelity table).',
    'CPU ms/email: /proc ticks of the server process tree and of its database backends, from the start of the pass until',
    'everything it stored was processed, divided by the rows stored. RSS is summed over the process tree (forked workers',
    'share pages, so Puma and gunicorn are overcounted there); PSS splits shared pages. stored may exceed 2xx by the',
    `requests still in flight when autocannon stopped (≤ ${CONNECTIONS}); a MISMATCH is stored < 2xx or more than that.`,
  );
  return { tables: out, notes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await benchmark({
    quick: process.argv.includes('--quick'),
    progress: (m) => process.stderr.write(`… ${m}\n`),
  });
  console.log(section.title);
  for (const [title, table] of section.tables ?? []) {
    console.log(title);
    console.table(table);
  }
  for (const note of section.notes ?? []) console.log(`  ${note}`);
}
