/**
 * The harness of the provider scenarios (providers-hostile, providers-crash, providers-forged .test.ts): the child
 * server (support/providers-child.ts) with its store, its self-watching figures (Watcher), and the contract one
 * answer at a time (judgeHttp, judgeSmtp) with its report in the summary table (recordFigures).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { createTestDatabase } from '@mailroom/core/testing';
import { startServerChild, type ServerChild } from './child.js';
import type { StoreCounts } from './effects.js';
import { send, type Answer } from './posts.js';
import {
  DOMAIN,
  PATHS,
  SNS_CERT_FILE,
  genuineMessage,
  smtpSend,
  wrapFor,
  type HttpProvider,
  type ProviderRequest,
  type RawAnswer,
  type SesCalls,
  type SmtpOutcome,
} from './providers.js';
import { recordFigures } from './summary.js';

const CHILD = fileURLToPath(new URL('./providers-child.ts', import.meta.url));
export const SEED = Number(process.env.RELIABILITY_SEED ?? 20261207);
/**
 * The guarantee: no message stalls the server's event loop for 100 ms. Measured in the server (the client's work is
 * not in it) the way bombs.test.ts does, one message (or malformed post, or SMTP session) at a time, by a 10 ms
 * timer probe: the stall is the time the loop's thread spent on a CPU between two ticks (schedstat), because on
 * this shared 2-core machine other sessions' builds stretch the wall-clock figure (reported as stallMs; 150-350 ms
 * under their load, ~30 ms without it) and are not the server's doing. During the concurrent storm the work of
 * several requests stacks up in one turn of the loop: reported (stormStallMs, stormBusyMs), bounded only as a hang.
 */
export const STALL_BOUND_MS = 100;
/** No turn of the loop, storm included, takes a second (wall clock, whatever the machine's load). */
export const WALL_STALL_BOUND_MS = 1500;
/** As hostile.test.ts: generous; PGlite in memory holds every stored message, so this includes the data. */
export const RSS_BOUND_MB = 400;
export const CONCURRENCY = 4;
export const PG_URL = process.env.DATABASE_URL || undefined;
export const STORE = PG_URL ? 'PostgreSQL' : 'PGlite';

export interface Providers {
  child: ServerChild;
  base: string;
  smtpPort: number;
  httpPort: number;
}

export async function startProviders(env: Record<string, string>): Promise<Providers> {
  // The SES ingress' certificate: a file the child reads (it is another process; no closure of ours reaches it).
  const child = await startServerChild({ SNS_CERT_FILE, ...env }, CHILD);
  const smtpPort = Number(/smtp (\d+)/.exec(child.output())?.[1]);
  return { child, base: child.url, httpPort: child.port, smtpPort };
}

/** A store for one child: a fresh PostgreSQL database when DATABASE_URL is set, else PGlite (`dataDir`: on disk). */
export async function childStore(dataDir: boolean): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (PG_URL) {
    const database = await createTestDatabase(PG_URL);
    return { env: { DATABASE_URL: database.url }, drop: () => database.drop() };
  }
  if (!dataDir) return { env: {}, drop: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'mailroom-reliability-providers-'));
  return { env: { DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
}

export interface ChildStats {
  loopMaxMs: number;
  ownMaxMs: number;
  busyMaxMs: number;
  gcMaxMs: number;
  stalls: Array<{ ms: number; ownMs: number; busyMs: number }>;
  loopP99Ms: number;
  probeMaxMs: number;
  rssStartMB: number;
  rssPeakMB: number;
  faults: string[];
}

export const getJson = async <T>(url: string, init?: RequestInit): Promise<T> =>
  (await (await fetch(url, init)).json()) as T;
export const stats = (p: Providers) => getJson<ChildStats>(`${p.base}/stats`);
export const resetStats = (p: Providers) => fetch(`${p.base}/stats/reset`, { method: 'POST' }).then((r) => r.text());
export const counts = (p: Providers) => getJson<StoreCounts>(`${p.base}/counts`);
/** The child's SES ingress: the certificate URLs it fetched, the subscriptions it confirmed. */
export const sesCalls = (p: Providers) => getJson<SesCalls>(`${p.base}/ses-calls`);

/**
 * The server's figures over several phases (the hostile load, then each malformed shape or abuse session on its
 * own): the worst stall and which phase had it, the peak RSS over the first phase's start.
 */
export class Watcher {
  /** Wall-clock and busy maxima over the phases that are held to the bound (one message or session at a time). */
  loopMaxMs = 0;
  busyMaxMs = 0;
  /** The same over the concurrent storm: requests' work stacks up in one turn of the loop; reported, not bounded. */
  loadLoopMaxMs = 0;
  loadBusyMaxMs = 0;
  gcMaxMs = 0;
  rssStartMB = Infinity;
  rssPeakMB = 0;
  worst = '';
  stalls: ChildStats['stalls'] = [];
  faults: string[] = [];
  constructor(private readonly p: Providers) {}

  async start(): Promise<void> {
    await resetStats(this.p);
  }

  /** Records the phase that just ended (`load`: the concurrent storm), then starts the next one. */
  async phase(label: string, load = false): Promise<void> {
    await sleep(20); // let a stall at the very end be seen by the probe
    const s = await stats(this.p);
    if (load) {
      this.loadLoopMaxMs = Math.max(this.loadLoopMaxMs, s.loopMaxMs);
      this.loadBusyMaxMs = Math.max(this.loadBusyMaxMs, s.busyMaxMs);
    } else {
      if (s.busyMaxMs > this.busyMaxMs) {
        this.worst = `${label} (${Math.round(s.busyMaxMs)} ms)`;
        this.stalls = s.stalls;
      }
      this.loopMaxMs = Math.max(this.loopMaxMs, s.loopMaxMs);
      this.busyMaxMs = Math.max(this.busyMaxMs, s.busyMaxMs);
    }
    this.gcMaxMs = Math.max(this.gcMaxMs, s.gcMaxMs);
    this.rssStartMB = Math.min(this.rssStartMB, s.rssStartMB);
    this.rssPeakMB = Math.max(this.rssPeakMB, s.rssPeakMB);
    this.faults = s.faults;
    await resetStats(this.p);
  }
}
export const auditIds = (p: Providers, ids: string[], check: boolean) =>
  getJson<{ statuses: Record<string, number>; invalid: string[]; unsettled: number }>(`${p.base}/audit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [...new Set(ids)], check, waitMs: 90_000 }),
  });

// ——— the contract, one answer at a time ———

export interface Tally {
  sent: number;
  stored: number;
  rejected: number;
  /** 4xx answered by Node's HTTP parser itself (431, 400 for a header it cannot read): a status line, no JSON. */
  rejectedByHttpParser: number;
  server5xx: number;
  noAnswer: number;
  ids: string[];
  failures: string[];
  kinds: Map<string, { sent: number; stored: number; rejected: number }>;
  slowestMs: number;
}

export const newTally = (): Tally => ({
  sent: 0,
  stored: 0,
  rejected: 0,
  rejectedByHttpParser: 0,
  server5xx: 0,
  noAnswer: 0,
  ids: [],
  failures: [],
  kinds: new Map(),
  slowestMs: 0,
});

export function kindStats(tally: Tally, kind: string) {
  const stats = tally.kinds.get(kind) ?? { sent: 0, stored: 0, rejected: 0 };
  tally.kinds.set(kind, stats);
  return stats;
}

/** A 2xx with the stored id, or a 4xx with `{ error, reason }`; anything else is a failure. */
export function judgeHttp(tally: Tally, kind: string, answer: Answer | RawAnswer, expected?: number[]): void {
  const stats = kindStats(tally, kind);
  stats.sent++;
  tally.sent++;
  tally.slowestMs = Math.max(tally.slowestMs, answer.ms);
  const body = 'body' in answer ? answer.body : '';
  const fail = (what: string): void =>
    void tally.failures.push(`${kind}: ${what} ${answer.status} ${body.slice(0, 300)}`);
  if (answer.status === 0) {
    tally.noAnswer++;
    return fail(`no answer (${'error' in answer ? answer.error : ''})`);
  }
  if (answer.status >= 500) {
    tally.server5xx++;
    return fail('server error');
  }
  if (expected && !expected.includes(answer.status)) fail(`expected ${expected.join('/')}, got`);
  let json: { id?: string; error?: string; reason?: string } = {};
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    // not JSON: only Node's own parser answers like that, see below
  }
  if (answer.status >= 200 && answer.status < 300 && json.id) {
    stats.stored++;
    tally.stored++;
    tally.ids.push(json.id);
  } else if (answer.status >= 400 && answer.status < 500 && json.error && json.reason?.trim()) {
    stats.rejected++;
    tally.rejected++;
  } else if (
    answer.status >= 400 &&
    answer.status < 500 &&
    'statusText' in answer &&
    answer.statusText.trim() &&
    !body.trim().startsWith('{')
  ) {
    stats.rejected++;
    tally.rejectedByHttpParser++;
  } else fail('unexpected answer');
}

export async function post(p: Providers, provider: HttpProvider, request: ProviderRequest, timeoutMs = 30_000) {
  return send(`${p.base}${PATHS[provider]}`, request.headers, request.body, timeoutMs);
}

/** 250 with the stored id, or a refusal with a text: 5xx (never taken), 452 (busy, retried). 451 is a fault. */
export function judgeSmtp(tally: Tally, kind: string, outcome: SmtpOutcome): void {
  const stats = kindStats(tally, kind);
  stats.sent++;
  tally.sent++;
  tally.slowestMs = Math.max(tally.slowestMs, outcome.ms);
  const fail = (what: string): void =>
    void tally.failures.push(`${kind}: ${what} ${outcome.code} ${outcome.text.slice(0, 300)}`);
  if (outcome.code === 250) {
    const id = /stored as (\S+)/.exec(outcome.text)?.[1];
    if (!id) return fail('250 without an id');
    stats.stored++;
    tally.stored++;
    tally.ids.push(id);
  } else if (outcome.code === 0) {
    tally.noAnswer++;
    fail('no reply');
  } else if (outcome.code === 451 || outcome.code === 421) {
    tally.server5xx++; // SMTP's "server fault, retry": what a 5xx is over HTTP
    fail('server fault');
  } else if (outcome.code >= 450 && outcome.text.replace(/^\d{3}[ -]?/, '').trim().length > 0) {
    stats.rejected++;
    tally.rejected++;
  } else fail('unexpected reply');
}

/** A well-formed message with a unique Message-ID. */
export const message = (tag: string) => genuineMessage(`${tag}.${randomBytes(6).toString('hex')}@${DOMAIN}`);
export const MESSAGE_END = '\r\n.\r\n';

// ——— the hostile scenario's report ———

export function report(
  name: string,
  tally: Tally,
  server: Watcher,
  auditResult: { invalid: string[]; statuses: Record<string, number> },
  seconds: number,
  extra: Record<string, string | number> = {},
) {
  recordFigures({
    scenario: `${name} hostile input (${STORE}, seed ${SEED})`,
    sent: tally.sent,
    ok2xx: tally.stored,
    stored: tally.stored,
    processed: Object.entries(auditResult.statuses)
      .filter(([status]) => status !== 'failed')
      .reduce((sum, [, n]) => sum + n, 0),
    lost: 0,
    duplicates: 0,
    server5xx: tally.server5xx,
    rejected4xx: tally.rejected,
    ...(tally.rejectedByHttpParser ? { rejectedByNodeHttp: tally.rejectedByHttpParser } : {}),
    noAnswer: tally.noAnswer,
    failed: auditResult.statuses.failed ?? 0,
    invalidStored: auditResult.invalid.length,
    kinds: tally.kinds.size,
    stallMs: Math.round(server.loopMaxMs),
    busyStallMs: Math.round(server.busyMaxMs),
    stormStallMs: Math.round(server.loadLoopMaxMs),
    stormBusyMs: Math.round(server.loadBusyMaxMs),
    gcMaxMs: Math.round(server.gcMaxMs),
    slowestMs: Math.round(tally.slowestMs),
    rssGrowthMB: Math.round(server.rssPeakMB - server.rssStartMB),
    worstPhase: server.worst,
    faults: server.faults.length,
    seconds: Math.round(seconds),
    ...extra,
  });
}

export async function expectContract(
  p: Providers,
  name: string,
  tally: Tally,
  server: Watcher,
  started: number,
  extra?: Record<string, string | number>,
) {
  // The worker delivers (or fails) what was stored while the server is still watched, then the stored emails are checked.
  const settled = await auditIds(p, tally.ids, false);
  await server.phase('the worker finishing');
  const checked = await auditIds(p, tally.ids, true);
  console.table([...tally.kinds].map(([kind, s]) => ({ kind, ...s })).sort((a, b) => a.kind.localeCompare(b.kind)));
  report(name, tally, server, checked, (performance.now() - started) / 1000, extra);
  expect(tally.failures.slice(0, 20)).toEqual([]);
  expect(server.faults).toEqual([]);
  expect(tally.server5xx).toBe(0);
  expect(tally.noAnswer).toBe(0);
  expect(tally.stored + tally.rejected + tally.rejectedByHttpParser).toBe(tally.sent);
  expect(settled.unsettled).toBe(0);
  expect(checked.invalid.slice(0, 20)).toEqual([]);
  const where = `worst: ${server.worst}, its stalls ${JSON.stringify(server.stalls)}`;
  expect(server.busyMaxMs, where).toBeLessThan(STALL_BOUND_MS);
  expect(Math.max(server.loopMaxMs, server.loadLoopMaxMs), where).toBeLessThan(WALL_STALL_BOUND_MS);
  expect(server.rssPeakMB - server.rssStartMB).toBeLessThan(RSS_BOUND_MB);
}

/** The server is still alive and still correct: a genuine message stored after the storm. */
export async function control(p: Providers, provider: HttpProvider | 'smtp'): Promise<void> {
  const msg = message(`control-${provider}`);
  if (provider === 'smtp') expect((await smtpSend(p.smtpPort, msg)).code).toBe(250);
  else expect((await post(p, provider, wrapFor(provider, msg))).status).toBe(200);
}
