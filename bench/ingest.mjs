// P3 — durable ingest over HTTP. autocannon (32 connections) sends signed 10 KB posts, each with its own
// Message-ID (so dedupe never turns the work into a no-op), to mailroom.app() on @hono/node-server in a child
// process, and to a bare Hono endpoint that reads the body and INSERTs it into the same database, in the same run.
// Pass 1 finds the maximum throughput; pass 2 is rate-limited to half of it and gives the latency spread.
// PostgreSQL (a fresh database mailroom_bench_<random>, dropped at the end) and PGlite, reported separately.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { buildInboundPost, createTestDatabase, signBody, TEST_KEY_PAIR } from '@mailroom/core/testing';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER = join(here, 'ingest-server.mjs');
const CONNECTIONS = 32;
const PATH = '/webhooks/sendgrid/parse';
const PARAGRAPH = 'Thanks for the quick answer. The attached report covers the last quarter; see section 3.\n';

/** The post shapes P3 and the peers bench send: each a description for buildInboundPost, minus the Message-ID. */
export const POST_SHAPES = {
  'parsed-10k': {
    label: '10 KB parsed',
    mode: 'parsed',
    text: PARAGRAPH.repeat(60),
    html: `<div>${PARAGRAPH.repeat(45)}</div>`,
  },
  // Raw mode (the mode the production guide recommends), with a small attachment.
  'raw-10k': {
    label: '10 KB raw',
    mode: 'raw',
    text: PARAGRAPH.repeat(40),
    html: `<div>${PARAGRAPH.repeat(25)}</div>`,
    attachments: [{ filename: 'note.txt', contentType: 'text/plain', content: PARAGRAPH.repeat(20) }],
  },
  'raw-100k': {
    label: '100 KB raw',
    mode: 'raw',
    text: PARAGRAPH.repeat(600),
    html: `<div>${PARAGRAPH.repeat(450)}</div>`,
    attachments: [{ filename: 'note.txt', contentType: 'text/plain', content: PARAGRAPH.repeat(20) }],
  },
};

/**
 * Posts of one shape that differ only in their Message-ID: one template, a fixed-width counter patched into it,
 * and signed afresh each time (the signature covers the body, so every post is a distinct, valid SendGrid post) —
 * or, with `basic` ("user:password"), sent with that Authorization header instead of a signature.
 */
export function postSource({
  shape = 'parsed-10k',
  keyPair = TEST_KEY_PAIR,
  basic = null,
  runId = randomBytes(4).toString('hex'),
} = {}) {
  const placeholder = '0000000000';
  const { label: _label, ...description } = POST_SHAPES[shape];
  const template = buildInboundPost({
    ...description,
    to: 'inbox@bench.example.com',
    subject: 'Re: quarterly numbers',
    messageId: `<bench-${runId}-${placeholder}@bench.example.com>`,
  });
  const offsets = [];
  for (let at = template.body.indexOf(placeholder); at >= 0; at = template.body.indexOf(placeholder, at + 1))
    offsets.push(at);
  if (offsets.length === 0) throw new Error('Message-ID placeholder not found in the template post');
  const authorization = basic ? `Basic ${Buffer.from(basic).toString('base64')}` : null;
  let counter = 0;
  return {
    size: template.body.length,
    next() {
      const body = Buffer.from(template.body);
      const digits = String(++counter).padStart(placeholder.length, '0');
      for (const at of offsets) body.write(digits, at, 'latin1');
      if (authorization) return { body, headers: { 'content-type': template.contentType, authorization } };
      const timestamp = String(Math.floor(Date.now() / 1000));
      return {
        body,
        headers: {
          'content-type': template.contentType,
          'x-twilio-email-event-webhook-signature': signBody(keyPair.privateKey, timestamp, body),
          'x-twilio-email-event-webhook-timestamp': timestamp,
        },
      };
    },
  };
}

/** Signed 10 KB parsed-mode posts (P3's original shape). */
export const signedPostSource = (keyPair = TEST_KEY_PAIR, runId = undefined) => postSource({ keyPair, runId });

export function startServer(kind, env, nodeArgs = []) {
  const name = env.PROCESSES > 1 ? `${kind} ×${env.PROCESSES}` : kind;
  const child = spawn(process.execPath, [...nodeArgs, SERVER], {
    env: { ...process.env, ...env, KIND: kind, PUBLIC_KEY: TEST_KEY_PAIR.publicKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server did not start: ${stderr}`)), 60_000);
    child.stdout.on('data', () => {
      const match = /listening (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`${name} server exited (${code}): ${stderr}`)));
  });
  return {
    port,
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      await exited;
      clearTimeout(timer);
      const stats = /stats (\{.*\})/.exec(stdout);
      return stats ? JSON.parse(stats[1]) : { handled: null, stderr: stderr.slice(-500) };
    },
  };
}

export function load(port, source, { duration, overallRate, connections = CONNECTIONS, path = PATH }) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration,
        ...(overallRate ? { overallRate } : {}),
        requests: [
          {
            method: 'POST',
            path,
            setupRequest: (request) => ({ ...request, method: 'POST', path, ...source.next() }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('error', reject);
  });
}

export const summarize = (result) => ({
  rps: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  ok: result['2xx'],
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
});

async function measure(kind, env, { duration, progress, label, processed = null, shape = 'parsed-10k' }) {
  const name = env.PROCESSES > 1 ? `${kind} ×${env.PROCESSES}` : kind;
  const server = startServer(kind, env);
  const port = await server.port;
  const source = postSource({ shape });
  try {
    await load(port, source, { duration: 1 }); // warm-up: JIT, connection pools
    progress(`P3 ${label}: ${name} at full speed (${duration} s)`);
    const before = processed && kind.startsWith('mailroom') ? await processed() : null;
    const max = summarize(await load(port, source, { duration }));
    // How much of the load the worker processed while it lasted (the rest is processed after it, from storage).
    if (before !== null) max.processedDuringLoad = (await processed()) - before;
    const half = Math.max(1, Math.floor(max.rps / 2));
    progress(`P3 ${label}: ${name} at half speed, ${half} req/s (${duration} s)`);
    const atHalf = summarize(await load(port, source, { duration, overallRate: half }));
    return { kind: name, max, atHalf, postBytes: source.size };
  } finally {
    const stats = await server.stop();
    progress(`P3 ${label}: ${name} stopped (handled ${stats.handled})`);
  }
}

/** The resident set of a process and its children (node:cluster workers), in MB, from /proc. */
function rssMB(pid) {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  let kb = 0;
  for (const each of pids) {
    try {
      kb += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${each}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

/**
 * Memory under load: each server held at half of its own maximum rate for `seconds`, its RSS read before and
 * after (the "RSS after 60 s at half load, against the bare endpoint").
 */
async function soak(kind, env, { rate, seconds, shape, progress, label }) {
  const server = startServer(kind, env);
  const port = await server.port;
  const source = postSource({ shape });
  try {
    await load(port, source, { duration: 1 });
    const idle = rssMB(server.pid);
    progress(`P3 memory ${label}: ${kind} at ${rate} req/s for ${seconds} s`);
    const result = summarize(await load(port, source, { duration: seconds, overallRate: rate }));
    return { kind, rate, idleMB: idle, afterMB: rssMB(server.pid), ...result };
  } finally {
    await server.stop();
  }
}

/** Bare, Mailroom parsing on receipt and Mailroom parsing in the worker, each soaked at half its own maximum. */
async function memoryUnderLoad(env, maxima, options) {
  const at = (measured) => Math.max(1, Math.floor(measured.max.rps / 2));
  const onReceipt = { ...env, PARSE_RAW: 'on-receipt' };
  const inWorker = { ...env, PARSE_RAW: 'in-worker' };
  return [
    await soak('bare', env, { ...options, rate: at(maxima.bare) }),
    {
      ...(await soak('mailroom', onReceipt, { ...options, rate: at(maxima.onReceipt) })),
      kind: 'mailroom (on receipt)',
    },
    { ...(await soak('mailroom', inWorker, { ...options, rate: at(maxima.inWorker) })), kind: 'mailroom (in worker)' },
  ];
}

/** `--memory`: the memory-under-load pass alone (10 KB raw on PostgreSQL), maxima measured first in the same run. */
async function memoryOnly({ seconds = 60, progress }) {
  const database = await createBenchDatabase(
    process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  try {
    const env = { DATABASE_URL: database.url };
    const options = { duration: 10, progress, label: 'PostgreSQL, 10 KB raw', shape: 'raw-10k' };
    const maxima = {
      bare: await measure('bare', env, options),
      onReceipt: await measure('mailroom', { ...env, PARSE_RAW: 'on-receipt' }, options),
      inWorker: await measure('mailroom', { ...env, PARSE_RAW: 'in-worker' }, options),
    };
    return await memoryUnderLoad(env, maxima, { seconds, shape: 'raw-10k', progress, label: options.label });
  } finally {
    await database.drop();
  }
}

/** The testing kit's fresh database (dropped afterwards), with the counts the bench reads from it. */
async function createBenchDatabase(serverUrl) {
  const database = await createTestDatabase(serverUrl);
  const query = async (read) => {
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      return await read(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
  return {
    url: database.url,
    counts: () =>
      query(async (sql) => {
        const [stored] =
          await sql`select count(*)::int as n, count(distinct message_id)::int as distinct_ids from mailroom.inbound_emails`;
        const statuses = await sql`select status, count(*)::int as n from mailroom.inbound_emails group by status`;
        const [bare] = await sql`select count(*)::int as n from bench_bare_posts`;
        return {
          stored: stored.n,
          distinctMessageIds: stored.distinct_ids,
          statuses: Object.fromEntries(statuses.map((r) => [r.status, r.n])),
          bareRows: bare.n,
        };
      }),
    processed: () =>
      query(async (sql) => {
        const [row] =
          await sql`select count(*)::int as n from mailroom.inbound_emails where status not in ('pending', 'processing')`;
        return row.n;
      }),
    drop: () => database.drop(),
  };
}

function row(database, bare, mailroom, receiveOnly, scaled = null) {
  return {
    database,
    bare,
    mailroom,
    'mailroom-receive': receiveOnly,
    throughputRatio: mailroom.max.rps / bare.max.rps,
    receiveOnlyRatio: receiveOnly.max.rps / bare.max.rps,
    p99OverP50AtHalf: mailroom.atHalf.p99 / Math.max(mailroom.atHalf.p50, 1e-9),
    ...(scaled
      ? {
          'bare ×2': scaled.bare,
          'mailroom-receive ×2': scaled.receive,
          // Each side at its better process count: a second bare process only adds contention on two cores.
          scaledReceiveRatio: scaled.receive.max.rps / Math.max(bare.max.rps, scaled.bare.max.rps),
        }
      : {}),
  };
}

/** Runs P3 on PostgreSQL (when reachable) and PGlite; returns a section for bench/run.mjs. */
export async function benchmark({
  quick = false,
  seconds = undefined, // overrides the pass length (a smoke run of the code: `seconds: 1`)
  progress = () => {},
  serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
} = {}) {
  const duration = seconds ?? (quick ? 3 : 10);
  const soakSeconds = seconds ?? (quick ? 5 : Number(process.env.BENCH_SOAK_SECONDS ?? 60));
  const rows = [];
  const memory = [];
  const notes = [];

  let database = null;
  try {
    database = await createBenchDatabase(serverUrl);
  } catch (error) {
    notes.push(`PostgreSQL skipped: ${serverUrl} unreachable (${error.message})`);
  }
  if (database) {
    try {
      const env = { DATABASE_URL: database.url };
      const bare = await measure('bare', env, { duration, progress, label: 'PostgreSQL' });
      const mailroom = await measure('mailroom', env, {
        duration,
        progress,
        label: 'PostgreSQL',
        processed: database.processed,
      });
      const receiveOnly = await measure('mailroom-receive', env, { duration, progress, label: 'PostgreSQL' });
      // The scale-out shape on this machine: two receiver processes on one port (node:cluster), against two bare ones.
      const scaled = {
        bare: await measure('bare', { ...env, PROCESSES: 2 }, { duration, progress, label: 'PostgreSQL' }),
        receive: await measure(
          'mailroom-receive',
          { ...env, PROCESSES: 2 },
          { duration, progress, label: 'PostgreSQL' },
        ),
      };
      rows.push(row('PostgreSQL', bare, mailroom, receiveOnly, scaled));
      // The raw-mode pass (the mode the production guide recommends): one process each, same database.
      for (const shape of ['raw-10k', 'raw-100k']) {
        const label = `PostgreSQL, ${POST_SHAPES[shape].label}`;
        const options = { duration, progress, label, shape };
        const rawBare = await measure('bare', env, options);
        const onReceipt = { ...env, PARSE_RAW: 'on-receipt' };
        const rawMailroom = await measure('mailroom', onReceipt, { ...options, processed: database.processed });
        const rawReceive = await measure('mailroom-receive', onReceipt, options);
        rows.push(row(`${label}, parsed on receipt`, rawBare, rawMailroom, rawReceive));
        // The same posts with parseRaw: 'in-worker' (stored on a header summary, MIME parsed by the worker).
        const deferred = { ...env, PARSE_RAW: 'in-worker' };
        const deferredMailroom = await measure('mailroom', deferred, { ...options, processed: database.processed });
        const deferredReceive = await measure('mailroom-receive', deferred, options);
        rows.push(row(`${label}, parsed in the worker`, rawBare, deferredMailroom, deferredReceive));
        if (shape === 'raw-10k' && soakSeconds > 0) {
          const at = (measured) => Math.max(1, Math.floor(measured.max.rps / 2));
          const soakOptions = { seconds: soakSeconds, shape, progress, label };
          memory.push(await soak('bare', env, { ...soakOptions, rate: at(rawBare) }));
          memory.push({
            ...(await soak('mailroom', env, { ...soakOptions, rate: at(rawMailroom) })),
            kind: 'mailroom (on receipt)',
          });
          memory.push({
            ...(await soak('mailroom', deferred, { ...soakOptions, rate: at(deferredMailroom) })),
            kind: 'mailroom (in worker)',
          });
        }
      }
      rows.at(-1).database_counts = await database.counts();
    } finally {
      await database.drop();
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-pglite-'));
  try {
    const bare = await measure('bare', { DATABASE_URL: '', PGLITE_DIR: dir }, { duration, progress, label: 'PGlite' });
    const mailroom = await measure(
      'mailroom',
      { DATABASE_URL: '', PGLITE_DIR: dir },
      { duration, progress, label: 'PGlite' },
    );
    const receiveOnly = await measure(
      'mailroom-receive',
      { DATABASE_URL: '', PGLITE_DIR: dir },
      { duration, progress, label: 'PGlite' },
    );
    rows.push(row('PGlite (data dir)', bare, mailroom, receiveOnly));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const fmt = (n, d = 1) => (n === undefined || n === null ? '—' : Number(n).toFixed(d));
  return {
    id: 'ingest',
    title: `P3 durable ingest over HTTP (${CONNECTIONS} connections, signed posts: 10 KB parsed; PostgreSQL also 10 KB and 100 KB raw with a small attachment; ${duration} s per pass)`,
    results: rows,
    memory,
    notes: [
      ...notes,
      ...memory.map(
        (m) =>
          `memory under load (PostgreSQL, 10 KB raw, ${soakSeconds} s at ${m.rate} req/s = half its max): ${m.kind} RSS ${fmt(m.idleMB)} → ${fmt(m.afterMB)} MB` +
          (memory[0] && m !== memory[0] ? ` (${fmt(m.afterMB / memory[0].afterMB, 2)}× bare)` : '') +
          `, p50 ${fmt(m.p50)} ms, p99 ${fmt(m.p99)} ms, non-2xx ${m.non2xx + m.errors}`,
      ),
    ],
    rows: rows.flatMap((r) => [
      ...['bare', 'mailroom', 'mailroom-receive', 'bare ×2', 'mailroom-receive ×2']
        .filter((kind) => r[kind])
        .map((kind) => ({
          database: r.database,
          server: kind,
          'max req/s': fmt(r[kind].max.rps),
          'p50 ms': fmt(r[kind].max.p50),
          'p99 ms': fmt(r[kind].max.p99),
          'half-rate req/s': fmt(r[kind].atHalf.rps),
          'p50 @half': fmt(r[kind].atHalf.p50),
          'p99 @half': fmt(r[kind].atHalf.p99),
          'processed during max': r[kind].max.processedDuringLoad ?? '',
          'non-2xx': r[kind].max.non2xx + r[kind].atHalf.non2xx + r[kind].max.errors + r[kind].atHalf.errors,
          'mailroom/bare (≥0.5)': kind.startsWith('bare')
            ? ''
            : fmt(
                kind === 'mailroom'
                  ? r.throughputRatio
                  : kind === 'mailroom-receive'
                    ? r.receiveOnlyRatio
                    : r.scaledReceiveRatio,
                2,
              ),
          'p99/p50 @half (≤5)': fmt(r[kind].atHalf.p99 / Math.max(r[kind].atHalf.p50, 1e-9), 2),
        })),
    ]),
  };
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--memory')) {
  const memory = await memoryOnly({ progress: (m) => process.stderr.write(`… ${m}\n`) });
  const bare = memory[0];
  console.table(
    memory.map((m) => ({
      server: m.kind,
      'req/s (half its max)': m.rate,
      'RSS idle MB': m.idleMB.toFixed(1),
      'RSS after MB': m.afterMB.toFixed(1),
      '× bare (≤1.5)': (m.afterMB / bare.afterMB).toFixed(2),
      'p50 ms': m.p50,
      'p99 ms': m.p99,
      'non-2xx': m.non2xx + m.errors,
    })),
  );
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await benchmark({
    quick: process.argv.includes('--quick'),
    progress: (m) => process.stderr.write(`… ${m}\n`),
  });
  console.log(section.title);
  console.table(section.rows);
  for (const note of section.notes) console.log(note);
  console.log(JSON.stringify(section.results, null, 2));
}
