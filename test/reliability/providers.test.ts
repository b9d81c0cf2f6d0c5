/**
 * The SendGrid endpoint's guarantees for every other ingress (Postmark, Mailgun, relay, SMTP receiver), through real
 * HTTP and real SMTP against a child server (support/providers-child.ts) that watches its own event loop and memory:
 *
 * 1. Hostile input: the SendGrid hostile generator's messages (seeded) in each provider's envelope with valid
 *    authentication, plus each provider's own malformed shapes. Every answer is a 2xx (stored; the worker then
 *    delivers it as a valid email or fails it with a reason) or a 4xx with a reason (SMTP: 250, or a refusal with
 *    its text and never the 451 of a server fault); never a 5xx, never a hang, no unhandled rejection, no event-loop
 *    stall of 100 ms, bounded RSS.
 * 2. Crash: Mailgun and the SMTP receiver SIGKILLed under load and restarted; the sender retries anything not
 *    acknowledged (200 / 250). No acknowledged message lost, none stored or processed twice.
 * 3. Forged authentication: wrong basic credentials (Postmark), forged, stale and replayed signatures (Mailgun),
 *    wrong secrets (relay), relay attempts to foreign domains (SMTP, 550). Nothing stored.
 *
 * Store: PostgreSQL when DATABASE_URL is set (a fresh database), else PGlite (in memory; a data directory for the
 * crash scenario, which must survive SIGKILL).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@mailroom/core/testing';
import { startServerChild, type ServerChild } from './support/child.js';
import { audit, total, type StoreCounts } from './support/effects.js';
import { BROKEN_JSON } from './support/hostile.js';
import { pool, prng, send, type Answer } from './support/posts.js';
import {
  DOMAIN,
  INBOX,
  INGRESS_LIMITS,
  LIMITS,
  MAILGUN_KEY,
  PATHS,
  POSTMARK_BASIC,
  RELAY_SECRET,
  basicAuthorization,
  codeOf,
  genuineMessage,
  hostileMessage,
  mailgunRequest,
  mailgunSigned,
  postmarkPayload,
  postmarkRequest,
  rawHttp,
  rawSmtpSession,
  relayRequest,
  smtpSend,
  wrapFor,
  type HttpProvider,
  type ProviderRequest,
  type RawAnswer,
  type RawSmtpSession,
  type SmtpOutcome,
} from './support/providers.js';
import { recordFigures, scaled } from './support/summary.js';

const CHILD = fileURLToPath(new URL('./support/providers-child.ts', import.meta.url));
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261207);
/**
 * The guarantee: no message stalls the server's event loop for 100 ms. Measured in the server (the client's work is
 * not in it) the way bombs.test.ts does, one message (or malformed post, or SMTP session) at a time, by a 10 ms
 * timer probe: the stall is the time the loop's thread spent on a CPU between two ticks (schedstat), because on
 * this shared 2-core machine other sessions' builds stretch the wall-clock figure (reported as stallMs; 150-350 ms
 * under their load, ~30 ms without it) and are not the server's doing. During the concurrent storm the work of
 * several requests stacks up in one turn of the loop: reported (stormStallMs, stormBusyMs), bounded only as a hang.
 */
const STALL_BOUND_MS = 100;
/** No turn of the loop, storm included, takes a second (wall clock, whatever the machine's load). */
const WALL_STALL_BOUND_MS = 1500;
/** As hostile.test.ts: generous; PGlite in memory holds every stored message, so this includes the data. */
const RSS_BOUND_MB = 400;
const CONCURRENCY = 4;
const PG_URL = process.env.DATABASE_URL || undefined;
const STORE = PG_URL ? 'PostgreSQL' : 'PGlite';

interface Providers {
  child: ServerChild;
  base: string;
  smtpPort: number;
  httpPort: number;
}

async function startProviders(env: Record<string, string>): Promise<Providers> {
  const child = await startServerChild(env, CHILD);
  const smtpPort = Number(/smtp (\d+)/.exec(child.output())?.[1]);
  return { child, base: child.url, httpPort: child.port, smtpPort };
}

/** A store for one child: a fresh PostgreSQL database when DATABASE_URL is set, else PGlite (`dataDir`: on disk). */
async function childStore(dataDir: boolean): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (PG_URL) {
    const database = await createTestDatabase(PG_URL);
    return { env: { DATABASE_URL: database.url }, drop: () => database.drop() };
  }
  if (!dataDir) return { env: {}, drop: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'mailroom-reliability-providers-'));
  return { env: { DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
}

interface ChildStats {
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

const getJson = async <T>(url: string, init?: RequestInit): Promise<T> => (await (await fetch(url, init)).json()) as T;
const stats = (p: Providers) => getJson<ChildStats>(`${p.base}/stats`);
const resetStats = (p: Providers) => fetch(`${p.base}/stats/reset`, { method: 'POST' }).then((r) => r.text());
const counts = (p: Providers) => getJson<StoreCounts>(`${p.base}/counts`);

/**
 * The server's figures over several phases (the hostile load, then each malformed shape or abuse session on its
 * own): the worst stall and which phase had it, the peak RSS over the first phase's start.
 */
class Watcher {
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
const auditIds = (p: Providers, ids: string[], check: boolean) =>
  getJson<{ statuses: Record<string, number>; invalid: string[]; unsettled: number }>(`${p.base}/audit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [...new Set(ids)], check, waitMs: 90_000 }),
  });

// ——— the contract, one answer at a time ———

interface Tally {
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

const newTally = (): Tally => ({
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

function kindStats(tally: Tally, kind: string) {
  const stats = tally.kinds.get(kind) ?? { sent: 0, stored: 0, rejected: 0 };
  tally.kinds.set(kind, stats);
  return stats;
}

/** A 2xx with the stored id, or a 4xx with `{ error, reason }`; anything else is a failure. */
function judgeHttp(tally: Tally, kind: string, answer: Answer | RawAnswer, expected?: number[]): void {
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

async function post(p: Providers, provider: HttpProvider, request: ProviderRequest, timeoutMs = 30_000) {
  return send(`${p.base}${PATHS[provider]}`, request.headers, request.body, timeoutMs);
}

/** 250 with the stored id, or a refusal with a text: 5xx (never taken), 452 (busy, retried). 451 is a fault. */
function judgeSmtp(tally: Tally, kind: string, outcome: SmtpOutcome): void {
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

// ——— provider-specific malformed shapes ———

interface MalformedCase {
  name: string;
  /** Statuses this case may get (besides the contract); default any 2xx or 4xx. */
  expect?: number[];
  send: (p: Providers) => Promise<Answer | RawAnswer>;
}

const message = (tag: string) => genuineMessage(`${tag}.${randomBytes(6).toString('hex')}@${DOMAIN}`);

function deepJson(depth: number, leaf = '1'): string {
  return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
}

/**
 * A body announced over the ingress' limit: refused from the Content-Length alone (the body is never sent, so the
 * answer cannot be lost to the TCP reset a server closing on unread bytes may cause, as it can for fetch).
 */
function declaredOverLimit(provider: HttpProvider, headers: string[]): MalformedCase {
  return {
    name: 'declared over the body limit',
    expect: [413],
    send: (p) =>
      rawHttp(p.httpPort, { path: PATHS[provider], headers, declaredLength: INGRESS_LIMITS.maxBodyBytes + 1 }),
  };
}

function postmarkCases(): MalformedCase[] {
  const pm = (name: string, body: () => ProviderRequest, expect?: number[]): MalformedCase => ({
    name,
    expect,
    send: (p) => post(p, 'postmark', body()),
  });
  const raw = (tag: string) => JSON.stringify(message(tag).toString('utf8'));
  const manyKeys = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',');
  return [
    ...BROKEN_JSON.map((json, i) => pm(`broken JSON #${i}`, () => postmarkRequest(json), [400, 422])),
    pm('not UTF-8', () => postmarkRequest(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), [400]),
    pm('truncated payload', () => postmarkRequest(JSON.stringify(postmarkPayload(message('pm'))).slice(0, 200)), [400]),
    ...[42, true, {}, [], ['x'], { length: 3 }, 1e308].map((value, i) =>
      pm(
        `RawEmail not a string #${i}`,
        () => postmarkRequest(postmarkPayload(message('pm'), { RawEmail: value })),
        [400],
      ),
    ),
    pm('RawEmail empty', () => postmarkRequest(postmarkPayload(message('pm'), { RawEmail: '' })), [422]),
    pm('RawEmail missing', () => postmarkRequest(postmarkPayload(message('pm'), { RawEmail: undefined })), [422]),
    pm(
      'RawEmail twice (last wins, an object)',
      () => postmarkRequest(`{"RawEmail":${raw('pm')},"RawEmail":{}}`),
      [400],
    ),
    pm('__proto__ holding RawEmail', () => postmarkRequest(`{"__proto__":{"RawEmail":${raw('pm')}}}`), [422]),
    pm(
      'nesting 100,000 deep beside RawEmail',
      () => postmarkRequest(`{"RawEmail":${raw('pm-deep')},"Headers":${deepJson(100_000)}}`),
      [400],
    ),
    pm('nesting 1,000,000 deep, unterminated', () => postmarkRequest(`{"RawEmail":${'['.repeat(1_000_000)}`), [400]),
    pm(
      'nesting 500,000 deep objects',
      () => postmarkRequest(`${'{"a":'.repeat(500_000)}1${'}'.repeat(500_000)}`),
      [400],
    ),
    pm(
      '1,000,000 empty objects beside RawEmail',
      () => postmarkRequest(`{"RawEmail":${raw('pm-tiny')},"Attachments":[${'{},'.repeat(999_999)}{}]}`),
      [400],
    ),
    pm(
      'nesting 64 deep beside RawEmail (a shape a payload could have)',
      () => postmarkRequest(`{"RawEmail":${raw('pm-deep64')},"Headers":${deepJson(64)}}`),
      [200],
    ),
    pm('10,000 keys and RawEmail', () => postmarkRequest(`{${manyKeys(10_000)},"RawEmail":${raw('pm-keys')}}`), [200]),
    pm(
      '100,000 keys and RawEmail',
      () => postmarkRequest(`{${manyKeys(100_000)},"RawEmail":${raw('pm-keys')}}`),
      [400],
    ),
    pm(
      '10,000 ToFull recipients, no OriginalRecipient',
      () =>
        postmarkRequest(
          postmarkPayload(message('pm'), {
            OriginalRecipient: undefined,
            ToFull: Array.from({ length: 10_000 }, (_, i) => ({ Email: `u${i}@${DOMAIN}` })),
          }),
        ),
      [400],
    ),
    pm(
      'ToFull not a list',
      () => postmarkRequest(postmarkPayload(message('pm'), { OriginalRecipient: undefined, ToFull: 'x@y.z' })),
      [400],
    ),
    pm(
      'ToFull entries of every type',
      () =>
        postmarkRequest(
          postmarkPayload(message('pm-types'), {
            OriginalRecipient: undefined,
            ToFull: [1, null, 'a', [], {}, { Email: 5 }],
          }),
        ),
      [400],
    ),
    pm(
      'OriginalRecipient with CR/LF',
      () => postmarkRequest(postmarkPayload(message('pm'), { OriginalRecipient: `${INBOX}\r\nBcc: evil@x.y` })),
      [400],
    ),
    pm('OriginalRecipient of 5,000 characters', () =>
      postmarkRequest(postmarkPayload(message('pm'), { OriginalRecipient: `${'a'.repeat(5000)}@${DOMAIN}` })),
    ),
    pm(
      'OriginalRecipient a number',
      () => postmarkRequest(postmarkPayload(message('pm'), { OriginalRecipient: 7 })),
      [400],
    ),
    {
      name: 'Content-Type with a control character',
      expect: [400, 415],
      send: (p) =>
        rawHttp(p.httpPort, {
          path: PATHS.postmark,
          headers: [
            `Authorization: ${basicAuthorization(POSTMARK_BASIC.username, POSTMARK_BASIC.password)}`,
            'Content-Type: application/json\u0001',
          ],
          body: postmarkRequest(postmarkPayload(message('pm'))).body,
        }),
    },
    ...['text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', ''].map((type, i) =>
      pm(
        `wrong Content-Type #${i}`,
        () => postmarkRequest(postmarkPayload(message('pm')), { contentType: type || null }),
        [415],
      ),
    ),
    declaredOverLimit('postmark', [
      `Authorization: ${basicAuthorization(POSTMARK_BASIC.username, POSTMARK_BASIC.password)}`,
      'Content-Type: application/json',
    ]),
    {
      name: 'Content-Encoding gzip',
      expect: [415],
      send: (p) => {
        const request = postmarkRequest(postmarkPayload(message('pm')));
        return post(p, 'postmark', { ...request, headers: { ...request.headers, 'content-encoding': 'gzip' } });
      },
    },
  ];
}

function mailgunCases(): MalformedCase[] {
  const mg = (name: string, body: () => ProviderRequest, expect?: number[]): MalformedCase => ({
    name,
    expect,
    send: (p) => post(p, 'mailgun', body()),
  });
  const field = (name: string, value: string | Buffer) => ({
    name,
    value: typeof value === 'string' ? Buffer.from(value) : value,
  });
  const manyFields = (n: number) => Array.from({ length: n }, (_, i) => field(`f${i}`, 'v'));
  return [
    mg('no body-mime', () => mailgunRequest(message('mg'), { omit: ['body-mime'] }), [422]),
    mg('no recipient nor sender (routing by headers)', () =>
      mailgunRequest(message('mg'), { omit: ['recipient', 'sender'] }),
    ),
    mg('nothing but the signature', () =>
      mailgunRequest(message('mg'), { omit: ['recipient', 'sender', 'subject', 'body-mime'] }),
    ),
    ...['body-mime', 'token', 'timestamp', 'signature', 'recipient', 'sender'].map((name) =>
      mg(
        `${name} twice`,
        () =>
          mailgunRequest(message('mg'), {
            extra: [field(name, name === 'body-mime' ? message('mg-second') : 'other@x.y')],
          }),
        [400],
      ),
    ),
    mg(
      'body-mime twice, urlencoded',
      () => mailgunRequest(message('mg'), { encoding: 'urlencoded', extra: [field('body-mime', 'x')] }),
      [400],
    ),
    mg('10,000 fields (multipart)', () => mailgunRequest(message('mg'), { extra: manyFields(10_000) }), [413]),
    mg(
      '10,000 fields (urlencoded)',
      () => mailgunRequest(message('mg'), { encoding: 'urlencoded', extra: manyFields(10_000) }),
      [413],
    ),
    mg(
      '100,000 empty fields (urlencoded)',
      () => {
        const request = mailgunRequest(message('mg'), { encoding: 'urlencoded' });
        return { ...request, body: Buffer.concat([Buffer.from('x&'.repeat(100_000)), request.body]) };
      },
      [413],
    ),
    mg('200,000 ampersands (urlencoded)', () => {
      const request = mailgunRequest(message('mg'), { encoding: 'urlencoded' });
      return { ...request, body: Buffer.concat([Buffer.from('&'.repeat(200_000)), request.body]) };
    }),
    mg('invalid percent escapes (urlencoded)', () => {
      const request = mailgunRequest(message('mg'), { encoding: 'urlencoded' });
      return { ...request, body: Buffer.concat([request.body, Buffer.from('&x%zz=%%%&%=%g0&=&&=%')]) };
    }),
    mg(
      '10,000 recipients',
      () =>
        mailgunRequest(message('mg'), {
          recipient: Array.from({ length: 10_000 }, (_, i) => `u${i}@${DOMAIN}`).join(','),
        }),
      [400],
    ),
    mg('recipient with CR/LF', () => mailgunRequest(message('mg'), { recipient: `${INBOX}\r\nBcc: evil@x.y` }), [400]),
    mg('sender of 5,000 characters', () => mailgunRequest(message('mg'), { sender: `${'s'.repeat(5000)}@x.y` }), [400]),
    mg('field name of 50,000 characters', () =>
      mailgunRequest(message('mg'), { extra: [field('n'.repeat(50_000), 'v')] }),
    ),
    mg('NUL in field names and values', () =>
      mailgunRequest(message('mg'), { extra: [field('a\u0000b', 'c\u0000d'), field('\u0000', '\u0000')] }),
    ),
    mg(
      'truncated multipart',
      () => {
        const request = mailgunRequest(message('mg'));
        return { ...request, body: request.body.subarray(0, request.body.length - 40) };
      },
      [400, 401],
    ),
    mg(
      'multipart without a boundary',
      () => {
        const request = mailgunRequest(message('mg'));
        return { ...request, headers: { 'content-type': 'multipart/form-data' } };
      },
      [400, 415],
    ),
    mg(
      'wrong boundary',
      () => {
        const request = mailgunRequest(message('mg'));
        return { ...request, headers: { 'content-type': 'multipart/form-data; boundary=nope' } };
      },
      [400, 401],
    ),
    ...['application/json', 'text/plain', 'message/rfc822', ''].map((type, i) =>
      mg(
        `wrong Content-Type #${i}`,
        () => ({
          ...mailgunRequest(message('mg')),
          headers: type ? { 'content-type': type } : ({} as Record<string, string>),
        }),
        [415],
      ),
    ),
    mg(
      'garbage body',
      () => ({ headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: randomBytes(5000) }),
      [400, 401],
    ),
    mg('empty body-mime', () => mailgunRequest(Buffer.alloc(0)), [400]),
    declaredOverLimit('mailgun', ['Content-Type: multipart/form-data; boundary=x']),
  ];
}

/** A relay request written on a raw socket (header values fetch refuses). */
function rawRelay(headers: string[], body: Buffer = message('relay-raw')) {
  return (p: Providers) =>
    rawHttp(p.httpPort, {
      path: PATHS.relay,
      headers: [`Authorization: Bearer ${RELAY_SECRET}`, 'Content-Type: message/rfc822', ...headers],
      body,
    });
}

function relayCases(): MalformedCase[] {
  const rl = (name: string, body: () => ProviderRequest, expect?: number[]): MalformedCase => ({
    name,
    expect,
    send: (p) => post(p, 'relay', body()),
  });
  const list = (n: number) => Array.from({ length: n }, (_, i) => `u${i}@${DOMAIN}`).join(', ');
  return [
    ...[
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'message/rfc822x',
      'message/partial',
    ].map((type, i) =>
      rl(`wrong Content-Type #${i}`, () => relayRequest(message('relay'), { contentType: type }), [415]),
    ),
    rl('no Content-Type', () => relayRequest(message('relay'), { contentType: null }), [415]),
    {
      name: 'Content-Encoding gzip',
      expect: [415],
      send: (p) => {
        const request = relayRequest(message('relay'));
        return post(p, 'relay', { ...request, headers: { ...request.headers, 'content-encoding': 'gzip' } });
      },
    },
    {
      // CR LF ends the header line: what follows is a header of its own, and the envelope is the inbox alone.
      name: 'envelope To, then CR LF and an injected header line',
      expect: [200],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX}\r\nBcc: evil@x.y`]),
    },
    {
      name: 'envelope To with a bare CR',
      expect: [400],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX}\rBcc: evil@x.y`]),
    },
    {
      name: 'envelope To with a bare LF',
      expect: [200, 400],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX}\nX-Other: 1`]),
    },
    {
      name: 'envelope To folded (obs-fold)',
      expect: [200, 400],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX},\r\n evil@x.y`]),
    },
    {
      name: 'envelope From with a bare CR',
      expect: [400],
      send: rawRelay([`X-Mailroom-Envelope-From: a@x.y\rX-Injected: 1`]),
    },
    { name: 'envelope To with NUL', expect: [400], send: rawRelay([`X-Mailroom-Envelope-To: in\u0000box@${DOMAIN}`]) },
    {
      name: 'envelope To with a tab',
      expect: [400],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX}\t, b@${DOMAIN}`]),
    },
    {
      name: 'envelope To of 8-bit bytes (not UTF-8)',
      send: rawRelay([`X-Mailroom-Envelope-To: \u00ff\u00fe@${DOMAIN}`]),
    },
    {
      name: 'envelope To with 10,000 recipients (over the header limit)',
      expect: [400, 431],
      send: rawRelay([`X-Mailroom-Envelope-To: ${list(10_000)}`]),
    },
    rl('envelope To with 501 recipients', () => relayRequest(message('relay'), { to: list(501) }), [400]),
    rl('envelope To with 500 recipients', () => relayRequest(message('relay-500'), { to: list(500) }), [200]),
    rl('envelope To: commas only', () => relayRequest(message('relay-commas'), { to: ',,,,,' }), [200]),
    rl(
      'envelope To: quoted commas and spaces',
      () => relayRequest(message('relay'), { to: '"a, b"@x.y, c d@x.y' }),
      [400],
    ),
    rl(
      'envelope To: 400-character address',
      () => relayRequest(message('relay'), { to: `${'a'.repeat(400)}@${DOMAIN}` }),
      [400],
    ),
    rl('envelope From: two addresses', () => relayRequest(message('relay'), { from: 'a@x.y b@x.y' }), [400]),
    rl('empty body', () => relayRequest(Buffer.alloc(0)), [400]),
    declaredOverLimit('relay', [`Authorization: Bearer ${RELAY_SECRET}`, 'Content-Type: message/rfc822']),
    {
      name: 'request header of 100 KB (Node rejects it)',
      expect: [431],
      send: rawRelay([`X-Filler: ${'f'.repeat(100_000)}`]),
    },
  ];
}

// ——— SMTP abuse on raw sockets ———

interface SmtpAbuse {
  name: string;
  /** Runs the session; returns every reply it got, and what went wrong (empty: nothing). */
  run: (session: RawSmtpSession, p: Providers) => Promise<{ replies: string[]; problems: string[] }>;
}

const MESSAGE_END = '\r\n.\r\n';

function smtpAbuses(random: ReturnType<typeof prng>): SmtpAbuse[] {
  const ehlo = async (s: RawSmtpSession) => {
    s.write('EHLO client.example\r\n');
    return s.replies(1);
  };
  const expectCodes = (replies: string[], allowed: (code: number) => boolean, what: string) =>
    replies.filter((r) => !allowed(codeOf(r))).map((r) => `${what}: unexpected reply ${r.slice(0, 120)}`);
  const closesWithin = async (s: RawSmtpSession, ms: number) =>
    (await Promise.race([s.closed.then(() => true), sleep(ms).then(() => false)])) ? [] : ['connection left open'];
  const garbageLine = () => {
    const bytes = randomBytes(1 + random.int(200)).filter((b) => b !== 0x0a && b !== 0x0d);
    return Buffer.from(bytes).toString('latin1');
  };
  return [
    {
      name: 'command line of 100 KB',
      run: async (s) => {
        s.write(`EHLO ${'a'.repeat(100_000)}\r\n`);
        const replies = await s.replies(1);
        return {
          replies,
          problems: [
            ...expectCodes(replies, (c) => c === 421 || c === 500 || c === 501, 'overlong'),
            ...(await closesWithin(s, 5000)),
          ],
        };
      },
    },
    {
      name: '1 MB without a line end',
      run: async (s) => {
        s.write('x'.repeat(1024 * 1024));
        const replies = await s.replies(1);
        return {
          replies,
          problems: [...expectCodes(replies, (c) => c === 421, 'no line end'), ...(await closesWithin(s, 5000))],
        };
      },
    },
    {
      name: 'RCPT address of 20 KB',
      run: async (s) => {
        const replies = [...(await ehlo(s))];
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${'r'.repeat(20_000)}@${DOMAIN}>\r\n`);
        replies.push(...(await s.replies(2, 5000)));
        return { replies, problems: expectCodes(replies.slice(2), (c) => c >= 421 && c < 600, 'long RCPT') };
      },
    },
    {
      name: '10,000 RCPTs pipelined, then DATA',
      run: async (s) => {
        const problems: string[] = [];
        await ehlo(s);
        const rcpts = Array.from({ length: 10_000 }, (_, i) => `RCPT TO:<u${i}@${DOMAIN}>\r\n`).join('');
        s.write(`MAIL FROM:<a@example.com>\r\n${rcpts}`);
        const replies = await s.replies(10_001, 60_000);
        const accepted = replies.slice(1).filter((r) => codeOf(r) === 250).length;
        const refused = replies.slice(1).filter((r) => codeOf(r) === 452).length;
        if (replies.length !== 10_001 || accepted !== 100 || refused !== 9_900) {
          problems.push(`got ${replies.length} replies, ${accepted} accepted, ${refused} refused with 452`);
        }
        s.write('DATA\r\n');
        const data = await s.replies(1);
        s.write(
          `${genuineMessage(`rcpt10k.${randomBytes(4).toString('hex')}@${DOMAIN}`).toString('latin1')}${MESSAGE_END}`,
        );
        const end = await s.replies(1, 30_000);
        if (codeOf(data[0]) !== 354 || codeOf(end[0]) !== 250) problems.push(`DATA ${data[0]} then ${end[0]}`);
        return { replies: [...replies, ...data, ...end], problems };
      },
    },
    {
      name: 'DATA without RCPT, RCPT without MAIL',
      run: async (s) => {
        await ehlo(s);
        s.write('DATA\r\nRCPT TO:<inbox@reliability.example.com>\r\nMAIL FROM:<a@example.com>\r\nDATA\r\n');
        const replies = await s.replies(4);
        const codes = replies.map(codeOf).join(' ');
        return { replies, problems: codes === '503 503 250 503' ? [] : [`codes ${codes}`] };
      },
    },
    {
      name: 'pipelined garbage',
      run: async (s) => {
        await ehlo(s);
        s.write(`${Array.from({ length: 30 }, garbageLine).join('\r\n')}\r\n`);
        const replies = await s.replies(30, 10_000);
        return {
          replies,
          problems: [
            ...expectCodes(replies, (c) => c >= 421 && c < 600, 'garbage'),
            ...(replies.length === 0 ? ['no reply to garbage'] : []),
          ],
        };
      },
    },
    {
      name: 'binary garbage (64 KB)',
      run: async (s) => {
        s.write(randomBytes(64 * 1024));
        const replies = await s.replies(50, 5000);
        return { replies, problems: expectCodes(replies, (c) => c >= 421 && c < 600, 'binary') };
      },
    },
    {
      name: 'bare LF line ends, commands and message',
      run: async (s) => {
        s.write('EHLO client.example\nMAIL FROM:<a@example.com>\nRCPT TO:<inbox@reliability.example.com>\nDATA\n');
        const replies = await s.replies(4);
        s.write(
          `From: a@example.com\nTo: ${INBOX}\nSubject: bare LF\nMessage-ID: <lf.${randomBytes(4).toString('hex')}@x>\n\nline\n.line\n..\n${MESSAGE_END}`,
        );
        const end = await s.replies(1, 30_000);
        const codes = [...replies, ...end].map(codeOf).join(' ');
        return {
          replies: [...replies, ...end],
          problems: /^250 250 250 354 (250|554)$/.test(codes) ? [] : [`codes ${codes}`],
        };
      },
    },
    {
      name: 'NUL bytes in commands',
      run: async (s) => {
        s.write(
          `EHLO a\u0000b\r\nHELO \u0000\r\nEHLO ok\r\nMAIL FROM:<a\u0000@example.com>\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<in\u0000box@${DOMAIN}>\r\nRCPT TO:<${INBOX}\u0000>\r\n\u0000\u0000\u0000\r\n`,
        );
        const replies = await s.replies(8, 10_000);
        return {
          replies,
          problems: [
            ...expectCodes(replies, (c) => c >= 200 && c < 600, 'NUL'),
            ...(replies.length === 0 ? ['no reply'] : []),
          ],
        };
      },
    },
    {
      name: 'NUL bytes in the message',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${INBOX}>\r\nDATA\r\n`);
        const replies = await s.replies(3);
        s.write(
          `From: a@example.com\u0000\r\nSubject: N\u0000UL\r\nMessage-ID: <nul.${randomBytes(4).toString('hex')}@x>\r\n\r\n\u0000\u0000body\u0000${MESSAGE_END}`,
        );
        const end = await s.replies(1, 30_000);
        const codes = [...replies, ...end].map(codeOf).join(' ');
        return {
          replies: [...replies, ...end],
          problems: /^250 250 354 (250|554)$/.test(codes) ? [] : [`codes ${codes}`],
        };
      },
    },
    {
      name: 'empty message',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${INBOX}>\r\nDATA\r\n`);
        const replies = await s.replies(3);
        s.write('.\r\n');
        const end = await s.replies(1, 30_000);
        return { replies: [...replies, ...end], problems: codeOf(end[0]) === 554 ? [] : [`end ${end[0]}`] };
      },
    },
    {
      name: 'message over the size limit without SIZE',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${INBOX}>\r\nDATA\r\n`);
        const replies = await s.replies(3);
        s.write(`Subject: big\r\n\r\n${'b'.repeat(998)}\r\n`.repeat(Math.ceil((LIMITS.maxBodyBytes * 1.5) / 1000)));
        s.write(MESSAGE_END);
        const end = await s.replies(1, 30_000);
        return { replies: [...replies, ...end], problems: codeOf(end[0]) === 552 ? [] : [`end ${end[0]}`] };
      },
    },
    {
      name: 'MAIL FROM declaring a SIZE over the limit',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com> SIZE=${LIMITS.maxBodyBytes * 10}\r\n`);
        const replies = await s.replies(1);
        return { replies, problems: codeOf(replies[0]) === 552 ? [] : [`MAIL ${replies[0]}`] };
      },
    },
    {
      name: 'client gone mid-DATA',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${INBOX}>\r\nDATA\r\n`);
        const replies = await s.replies(3);
        s.write(`Subject: cut\r\nMessage-ID: <cut@x>\r\n\r\n${'half a message\r\n'.repeat(1000)}`);
        await sleep(50);
        s.close();
        return { replies, problems: [] };
      },
    },
    {
      name: '10,000 NOOPs and RSETs pipelined',
      run: async (s) => {
        await ehlo(s);
        s.write('NOOP\r\nRSET\r\n'.repeat(5000));
        const replies = await s.replies(10_000, 60_000);
        return {
          replies,
          problems:
            replies.length === 10_000 && replies.every((r) => codeOf(r) === 250) ? [] : [`${replies.length} replies`],
        };
      },
    },
    {
      name: 'AUTH and STARTTLS (not offered)',
      run: async (s) => {
        await ehlo(s);
        s.write('AUTH PLAIN AGFAYQ==\r\nSTARTTLS\r\n');
        const replies = await s.replies(2);
        return { replies, problems: expectCodes(replies, (c) => c >= 500 && c < 600, 'AUTH/STARTTLS') };
      },
    },
  ];
}

// ——— the hostile scenario ———

function report(
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

async function expectContract(
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
async function control(p: Providers, provider: HttpProvider | 'smtp'): Promise<void> {
  const msg = message(`control-${provider}`);
  if (provider === 'smtp') expect((await smtpSend(p.smtpPort, msg)).code).toBe(250);
  else expect((await post(p, provider, wrapFor(provider, msg))).status).toBe(200);
}

describe('hostile input over every new ingress, through real HTTP and SMTP', () => {
  let p: Providers;
  let store: Awaited<ReturnType<typeof childStore>>;
  beforeAll(async () => {
    store = await childStore(false);
    p = await startProviders(store.env);
  });
  afterAll(async () => {
    await p?.child.kill();
    await store?.drop();
  });

  const httpProviders: Array<[HttpProvider, string, () => MalformedCase[], number]> = [
    ['postmark', 'Postmark', postmarkCases, 1],
    ['mailgun', 'Mailgun', mailgunCases, 2],
    ['relay', 'relay', relayCases, 3],
  ];
  for (const [provider, name, cases, offset] of httpProviders) {
    it(`${name}: every hostile message and malformed post is a 2xx (then delivered or failed with a reason) or a 4xx with a reason`, async () => {
      const tally = newTally();
      const random = prng(SEED + offset);
      // Warm up (module loading, JIT: one-time costs, not the mail's), then watch the server.
      for (let i = 0; i < 30; i++) {
        const hostile = hostileMessage(random, LIMITS);
        judgeHttp(tally, hostile.kind, await post(p, provider, wrapFor(provider, hostile.message, random)));
      }
      await auditIds(p, tally.ids, false);
      const server = new Watcher(p);
      await server.start();
      const started = performance.now();
      const count = scaled(600, 100);
      await pool(
        Array.from({ length: count }, (_, i) => i),
        CONCURRENCY,
        async () => {
          const hostile = hostileMessage(random, LIMITS);
          judgeHttp(tally, hostile.kind, await post(p, provider, wrapFor(provider, hostile.message, random)));
        },
      );
      await auditIds(p, tally.ids, false);
      await server.phase(`storm of ${count} hostile messages, ${CONCURRENCY} at a time`, true);
      // One at a time, each held to the stall bound: more hostile messages, then the provider's malformed shapes.
      for (let i = 0; i < scaled(100, 40); i++) {
        const hostile = hostileMessage(random, LIMITS);
        judgeHttp(tally, hostile.kind, await post(p, provider, wrapFor(provider, hostile.message, random)));
        await auditIds(p, tally.ids.slice(-1), false);
        await server.phase(hostile.kind);
      }
      for (const c of cases()) {
        judgeHttp(tally, `${name}: ${c.name}`, await c.send(p), c.expect);
        await server.phase(c.name);
      }
      await control(p, provider);
      await expectContract(p, name, tally, server, started);
      expect(tally.kinds.size).toBeGreaterThanOrEqual(20);
    });
  }

  it('SMTP receiver: every hostile message is a 250 (then delivered or failed with a reason) or a refusal with its reason, and protocol abuse is answered', async () => {
    const tally = newTally();
    const random = prng(SEED + 4);
    for (let i = 0; i < 20; i++) {
      const hostile = hostileMessage(random, LIMITS);
      judgeSmtp(tally, hostile.kind, await smtpSend(p.smtpPort, hostile.message));
    }
    await auditIds(p, tally.ids, false);
    const server = new Watcher(p);
    await server.start();
    const started = performance.now();
    const count = scaled(400, 80);
    await pool(
      Array.from({ length: count }, (_, i) => i),
      CONCURRENCY,
      async () => {
        const hostile = hostileMessage(random, LIMITS);
        judgeSmtp(tally, hostile.kind, await smtpSend(p.smtpPort, hostile.message));
      },
    );

    await auditIds(p, tally.ids, false);
    await server.phase(`storm of ${count} hostile messages, ${CONCURRENCY} at a time`, true);
    for (let i = 0; i < scaled(100, 40); i++) {
      const hostile = hostileMessage(random, LIMITS);
      judgeSmtp(tally, hostile.kind, await smtpSend(p.smtpPort, hostile.message));
      await auditIds(p, tally.ids.slice(-1), false);
      await server.phase(hostile.kind);
    }

    // Protocol abuse on raw sockets: every session greeted, every command answered with a code, nothing hangs.
    const abuseProblems: string[] = [];
    let abuseReplies = 0;
    for (const abuse of smtpAbuses(random)) {
      const session = await rawSmtpSession(p.smtpPort);
      const greeting = await session.replies(1);
      if (codeOf(greeting[0]) !== 220) abuseProblems.push(`${abuse.name}: greeting ${greeting[0]}`);
      const { replies, problems } = await abuse.run(session, p);
      abuseReplies += replies.length;
      abuseProblems.push(...problems.map((problem) => `${abuse.name}: ${problem}`));
      kindStats(tally, `SMTP: ${abuse.name}`).sent++;
      session.close();
      await server.phase(abuse.name);
    }
    // A connection flood past maxClients (100): each one greeted 220 or turned away with 421, never left hanging.
    const flood = await Promise.all(Array.from({ length: 120 }, () => rawSmtpSession(p.smtpPort)));
    const greetings = await Promise.all(flood.map((s) => s.replies(1, 10_000)));
    for (const s of flood) s.close();
    const floodCodes = greetings.map((g) => codeOf(g[0]));
    if (!floodCodes.every((c) => c === 220 || c === 421)) abuseProblems.push(`flood greetings ${floodCodes.join(',')}`);
    await sleep(200);
    await server.phase('connection flood');

    await control(p, 'smtp');
    expect(abuseProblems).toEqual([]);
    await expectContract(p, 'SMTP', tally, server, started, {
      abuseSessions: smtpAbuses(random).length + flood.length,
      abuseReplies,
      flood421: floodCodes.filter((c) => c === 421).length,
    });
  });
});

// ——— crash ———

describe('crash: Mailgun and the SMTP receiver SIGKILLed under load and restarted', () => {
  let current: Providers | undefined;
  afterEach(async () => {
    await current?.child.kill();
    current = undefined;
  });

  /**
   * Sends `posts` distinct messages while the server is SIGKILLed `kills` times and restarted; anything without
   * an acknowledgement (no answer, 5xx, SMTP 4xx) is sent again, exactly as the provider's retry would (Mailgun
   * resends the same signed fields). Then every message is stored once and processed once.
   */
  async function crashScenario(via: 'mailgun' | 'smtp', posts: number, kills: number, seed: number) {
    const store = await childStore(true);
    const env = { ...store.env, LEASE_MS: '1500', HANDLER_DELAY_MS: '30', MAX_ATTEMPTS: '100' };
    try {
      const random = prng(seed);
      const runId = randomBytes(4).toString('hex');
      const ids = Array.from({ length: posts }, (_, i) => `crash-${via}-${runId}-${i}@${DOMAIN}`);
      const messages = ids.map((id) => genuineMessage(id, `crash ${via}`));
      const requests = messages.map((m) => (via === 'mailgun' ? mailgunRequest(m) : null));
      current = await startProviders(env);
      const queue = [...ids.keys()];
      const acked = new Set<number>();
      const tally = { attempts: 0, ok: 0, duplicateAnswers: 0, noAnswer: 0, retryable: 0, other: 0 };
      const failures: string[] = [];

      const sender = async () => {
        while (acked.size < posts) {
          const index = queue.shift();
          if (index === undefined) {
            await sleep(20);
            continue;
          }
          const server = current!;
          tally.attempts++;
          let ok = false;
          let retry = false;
          if (via === 'mailgun') {
            const answer = await post(server, 'mailgun', requests[index]!, 20_000);
            ok = answer.status === 200;
            if (ok && JSON.parse((answer as { body: string }).body).duplicate) tally.duplicateAnswers++;
            if (answer.status === 0) tally.noAnswer++;
            retry = answer.status === 0 || answer.status >= 500;
            if (!ok && !retry) failures.push(`${index}: ${answer.status} ${'body' in answer ? answer.body : ''}`);
          } else {
            const outcome = await smtpSend(server.smtpPort, messages[index]!, undefined, 20_000);
            ok = outcome.code === 250;
            if (ok && /already stored/.test(outcome.text)) tally.duplicateAnswers++;
            if (outcome.code === 0) tally.noAnswer++;
            retry = outcome.code === 0 || (outcome.code >= 400 && outcome.code < 500);
            if (!ok && !retry) failures.push(`${index}: ${outcome.code} ${outcome.text}`);
          }
          if (ok) {
            tally.ok++;
            acked.add(index);
            continue;
          }
          if (!retry) {
            tally.other++;
            acked.add(index); // refused for good: counted as a failure below, not retried forever
            continue;
          }
          tally.retryable++;
          queue.push(index);
          await sleep(250);
        }
      };
      const killer = async () => {
        // The first kill by progress (a tenth acknowledged: it lands mid-load however fast the store), then by time.
        while (acked.size < posts / 10) await sleep(5);
        for (let kill = 0; kill < kills; kill++) {
          await sleep((kill === 0 ? 0 : 300) + random.int(900));
          await current!.child.kill('SIGKILL');
          current = await startProviders(env);
        }
      };
      await Promise.all([killer(), ...Array.from({ length: 6 }, sender)]);

      // Emails leased by a killed server are taken over once their lease expires; wait until all are processed.
      let final = await counts(current!);
      const deadline = Date.now() + 90_000;
      while ((final.statuses.delivered ?? 0) < posts && Date.now() < deadline) {
        await sleep(500);
        final = await counts(current!);
      }
      const result = audit(final, ids);
      recordFigures({
        scenario: `crash (${via === 'mailgun' ? 'Mailgun' : 'SMTP receiver'}, ${STORE}, ${kills} SIGKILLs)`,
        sent: tally.attempts,
        ok2xx: tally.ok,
        stored: total(final.inbox),
        processed: total(final.effects),
        lost: result.lost,
        duplicates: result.duplicates + result.processedTwice,
        server5xx: 0,
        posts,
        noAnswer: tally.noAnswer,
        retried: tally.retryable,
        duplicateAnswers: tally.duplicateAnswers,
      });
      expect(failures).toEqual([]);
      expect(acked.size).toBe(posts);
      expect({ ...result, statuses: final.statuses }).toEqual({
        lost: 0,
        duplicates: 0,
        unprocessed: 0,
        processedTwice: 0,
        statuses: { delivered: posts },
      });
      expect(total(final.inbox)).toBe(posts);
      // A kill really landed mid-load: some sends went unanswered and were sent again.
      expect(tally.noAnswer).toBeGreaterThan(0);
    } finally {
      await current?.child.kill();
      current = undefined;
      await store.drop();
    }
  }

  it(`Mailgun (${STORE}): no acknowledged post lost, none stored or processed twice`, async () => {
    await crashScenario('mailgun', scaled(250, 40), 6, 31);
  });
  it(`SMTP receiver (${STORE}): no message answered 250 lost, none stored or processed twice`, async () => {
    await crashScenario('smtp', scaled(200, 40), 6, 41);
  });
});

// ——— forged authentication ———

describe('forged authentication over every new ingress: refused, nothing stored', () => {
  let p: Providers;
  let store: Awaited<ReturnType<typeof childStore>>;
  beforeAll(async () => {
    store = await childStore(false);
    p = await startProviders(store.env);
  });
  afterAll(async () => {
    await p?.child.kill();
    await store?.drop();
  });

  it('answers 401/403 (HTTP) and 550 (SMTP relay attempts) with a reason and stores only the genuine controls', async () => {
    const runId = randomBytes(4).toString('hex');
    let n = 0;
    const forgedIds: string[] = [];
    const controlIds: string[] = [];
    const forged = () => {
      const id = `forged-${runId}-${++n}@${DOMAIN}`;
      forgedIds.push(id);
      return genuineMessage(id, 'forged');
    };
    const genuine = () => {
      const id = `genuine-${runId}-${++n}@${DOMAIN}`;
      controlIds.push(id);
      return genuineMessage(id, 'genuine');
    };
    const now = Math.floor(Date.now() / 1000);
    const withAuth = (request: ProviderRequest, authorization: string | null): ProviderRequest => {
      const { authorization: _dropped, ...headers } = request.headers;
      return { ...request, headers: authorization === null ? headers : { ...headers, authorization } };
    };
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const http: Array<{ provider: HttpProvider; name: string; expect: number[]; build: () => ProviderRequest }> = [
      // Postmark: HTTP basic.
      {
        provider: 'postmark',
        name: 'no credentials',
        expect: [401],
        build: () => postmarkRequest(postmarkPayload(forged()), { basic: null }),
      },
      {
        provider: 'postmark',
        name: 'wrong password',
        expect: [401],
        build: () => postmarkRequest(postmarkPayload(forged()), { basic: { ...POSTMARK_BASIC, password: 'guess' } }),
      },
      {
        provider: 'postmark',
        name: 'wrong user name',
        expect: [401],
        build: () => postmarkRequest(postmarkPayload(forged()), { basic: { ...POSTMARK_BASIC, username: 'admin' } }),
      },
      {
        provider: 'postmark',
        name: 'password with a suffix',
        expect: [401],
        build: () =>
          postmarkRequest(postmarkPayload(forged()), {
            basic: { ...POSTMARK_BASIC, password: `${POSTMARK_BASIC.password}x` },
          }),
      },
      {
        provider: 'postmark',
        name: 'password prefix',
        expect: [401],
        build: () =>
          postmarkRequest(postmarkPayload(forged()), {
            basic: { ...POSTMARK_BASIC, password: POSTMARK_BASIC.password.slice(0, -1) },
          }),
      },
      {
        provider: 'postmark',
        name: 'empty credentials',
        expect: [401],
        build: () => postmarkRequest(postmarkPayload(forged()), { basic: { username: '', password: '' } }),
      },
      {
        provider: 'postmark',
        name: 'credentials not base64',
        expect: [401],
        build: () => withAuth(postmarkRequest(postmarkPayload(forged())), 'Basic !!!not-base64!!!'),
      },
      {
        provider: 'postmark',
        name: 'no colon',
        expect: [401],
        build: () =>
          withAuth(
            postmarkRequest(postmarkPayload(forged())),
            `Basic ${b64(POSTMARK_BASIC.username + POSTMARK_BASIC.password)}`,
          ),
      },
      {
        provider: 'postmark',
        name: 'the password as a Bearer token',
        expect: [401],
        build: () => withAuth(postmarkRequest(postmarkPayload(forged())), `Bearer ${POSTMARK_BASIC.password}`),
      },
      {
        provider: 'postmark',
        name: 'the relay secret as Bearer',
        expect: [401],
        build: () => withAuth(postmarkRequest(postmarkPayload(forged())), `Bearer ${RELAY_SECRET}`),
      },
      {
        provider: 'postmark',
        name: 'credentials for another user with the right password',
        expect: [401],
        build: () =>
          withAuth(postmarkRequest(postmarkPayload(forged())), basicAuthorization('inbound', POSTMARK_BASIC.password)),
      },
      // Mailgun: HMAC of timestamp + token, each token once.
      {
        provider: 'mailgun',
        name: 'signed with another key',
        expect: [403],
        build: () => mailgunRequest(forged(), { signed: mailgunSigned('key-someone-else') }),
      },
      {
        provider: 'mailgun',
        name: 'signature of another token',
        expect: [403],
        build: () => mailgunRequest(forged(), { signed: { ...mailgunSigned(), signature: mailgunSigned().signature } }),
      },
      {
        provider: 'mailgun',
        name: 'signature not hex',
        expect: [403],
        build: () => mailgunRequest(forged(), { signed: { ...mailgunSigned(), signature: 'z'.repeat(64) } }),
      },
      {
        provider: 'mailgun',
        name: 'signature truncated',
        expect: [403],
        build: () => {
          const s = mailgunSigned();
          return mailgunRequest(forged(), { signed: { ...s, signature: s.signature.slice(0, 63) } });
        },
      },
      {
        provider: 'mailgun',
        name: 'stale: validly signed an hour ago',
        expect: [401],
        build: () => mailgunRequest(forged(), { signed: mailgunSigned(MAILGUN_KEY, now - 3600) }),
      },
      {
        provider: 'mailgun',
        name: 'from the future: signed for an hour ahead',
        expect: [401],
        build: () => mailgunRequest(forged(), { signed: mailgunSigned(MAILGUN_KEY, now + 3600) }),
      },
      {
        provider: 'mailgun',
        name: 'digits moved from the token to the timestamp',
        expect: [401],
        build: () => {
          const s = mailgunSigned(MAILGUN_KEY, now, `7${randomBytes(20).toString('hex')}`);
          return mailgunRequest(forged(), { signed: { ...s, timestamp: `${s.timestamp}7`, token: s.token.slice(1) } });
        },
      },
      {
        provider: 'mailgun',
        name: 'no signature',
        expect: [401],
        build: () => mailgunRequest(forged(), { omit: ['signature'] }),
      },
      {
        provider: 'mailgun',
        name: 'no token',
        expect: [401],
        build: () => mailgunRequest(forged(), { omit: ['token'] }),
      },
      {
        provider: 'mailgun',
        name: 'no timestamp',
        expect: [401],
        build: () => mailgunRequest(forged(), { omit: ['timestamp'] }),
      },
      {
        provider: 'mailgun',
        name: 'no signature fields at all',
        expect: [401],
        build: () => mailgunRequest(forged(), { omit: ['timestamp', 'token', 'signature'] }),
      },
      {
        provider: 'mailgun',
        name: 'timestamp not a number',
        expect: [401, 403],
        build: () => mailgunRequest(forged(), { signed: { ...mailgunSigned(), timestamp: 'yesterday' } }),
      },
      // Relay: Bearer secret.
      { provider: 'relay', name: 'no secret', expect: [401], build: () => relayRequest(forged(), { secret: null }) },
      {
        provider: 'relay',
        name: 'wrong secret',
        expect: [401],
        build: () => relayRequest(forged(), { secret: 'x'.repeat(RELAY_SECRET.length) }),
      },
      {
        provider: 'relay',
        name: 'secret with a suffix',
        expect: [401],
        build: () => relayRequest(forged(), { secret: `${RELAY_SECRET}A` }),
      },
      {
        provider: 'relay',
        name: 'secret prefix',
        expect: [401],
        build: () => relayRequest(forged(), { secret: RELAY_SECRET.slice(0, -1) }),
      },
      {
        provider: 'relay',
        name: 'the secret as Basic',
        expect: [401],
        build: () => withAuth(relayRequest(forged()), basicAuthorization('relay', RELAY_SECRET)),
      },
      {
        provider: 'relay',
        name: 'the secret without a scheme',
        expect: [401],
        build: () => withAuth(relayRequest(forged()), RELAY_SECRET),
      },
      {
        provider: 'relay',
        name: 'the Postmark password as the secret',
        expect: [401],
        build: () => relayRequest(forged(), { secret: POSTMARK_BASIC.password }),
      },
    ];

    let sent = 0;
    let rejected = 0;
    const problems: string[] = [];
    for (const c of http) {
      for (let i = 0; i < 3; i++) {
        const answer = await post(p, c.provider, c.build());
        sent++;
        const reason = 'body' in answer ? (JSON.parse(answer.body || '{}') as { reason?: string }).reason : undefined;
        if (!c.expect.includes(answer.status) || !reason?.trim()) {
          problems.push(`${c.provider} ${c.name}: ${answer.status} ${'body' in answer ? answer.body : answer.error}`);
        } else rejected++;
      }
    }

    // Mailgun replays: a genuine post is stored; its signed fields sent again, with its own or another message, are
    // refused (the token is spent), and so is a replay after the genuine post was refused for good.
    let replays = 0;
    for (let i = 0; i < 3; i++) {
      const signed = mailgunSigned();
      const original = genuine();
      expect((await post(p, 'mailgun', mailgunRequest(original, { signed }))).status).toBe(200);
      for (const body of [original, forged(), forged()]) {
        const answer = await post(p, 'mailgun', mailgunRequest(body, { signed }));
        sent++;
        replays++;
        if (answer.status !== 403 || !('body' in answer) || JSON.parse(answer.body).error !== 'token_replayed')
          problems.push(`mailgun replay: ${answer.status} ${'body' in answer ? answer.body : ''}`);
        else rejected++;
      }
      const refused = mailgunSigned();
      expect((await post(p, 'mailgun', mailgunRequest(Buffer.alloc(0), { signed: refused }))).status).toBe(400);
      const replay = await post(p, 'mailgun', mailgunRequest(forged(), { signed: refused }));
      sent++;
      replays++;
      if (replay.status !== 403) problems.push(`mailgun replay after a refusal: ${replay.status}`);
      else rejected++;
    }

    // SMTP: no AUTH, no relaying: a recipient outside the domain is refused at RCPT (550), so DATA has nobody to
    // deliver to; nodemailer's sends to foreign domains are refused too.
    const foreign = [
      'x@evil.example',
      `inbox@${DOMAIN}.evil.example`,
      `inbox@sub.${DOMAIN}`,
      'inbox@[127.0.0.1]',
      'inbox@[IPv6:::1]',
      `@${DOMAIN}:x@evil.example`,
      `x%evil.example@evil.example`,
      'postmaster@localhost',
      `inbox@${DOMAIN.replace('.com', '.co')}`,
      'x@xn--80ak6aa92e.com',
    ];
    let relayRefused = 0;
    for (const address of foreign) {
      const session = await rawSmtpSession(p.smtpPort);
      await session.replies(1);
      const id = `forged-${runId}-${++n}@${DOMAIN}`;
      forgedIds.push(id);
      session.write(`EHLO relay.example\r\nMAIL FROM:<spammer@evil.example>\r\nRCPT TO:<${address}>\r\nDATA\r\n`);
      const replies = await session.replies(4);
      const codes = replies.map(codeOf);
      sent++;
      if (codes[2] >= 500 && codes[3] === 503) {
        relayRefused++;
        rejected++;
      } else {
        problems.push(`SMTP relay to ${address}: ${replies.join(' | ')}`);
        if (codes[3] === 354) session.write(`${genuineMessage(id).toString('latin1')}${MESSAGE_END}`);
      }
      session.write('QUIT\r\n');
      await session.replies(1);
      session.close();
    }
    for (const to of [['x@evil.example'], ['a@evil.example', 'b@other.example']]) {
      const outcome = await smtpSend(p.smtpPort, forged(), { from: 'spammer@evil.example', to });
      sent++;
      if (outcome.code === 550 || /5\.1\.2/.test(outcome.text)) {
        relayRefused++;
        rejected++;
      } else problems.push(`nodemailer relay to ${to.join(',')}: ${outcome.code} ${outcome.text}`);
    }

    // Genuine controls through each ingress prove the server does store what is authenticated.
    for (const provider of ['postmark', 'mailgun', 'relay'] as const) {
      expect((await post(p, provider, wrapFor(provider, genuine()))).status).toBe(200);
    }
    expect((await smtpSend(p.smtpPort, genuine())).code).toBe(250);

    const stored = await counts(p);
    const storedForgeries = forgedIds.filter((id) => stored.inbox[id]).length;
    recordFigures({
      scenario: `forged authentication (Postmark, Mailgun, relay, SMTP; ${STORE})`,
      sent: sent + controlIds.length,
      ok2xx: controlIds.length,
      stored: total(stored.inbox),
      processed: 0,
      lost: 0,
      duplicates: 0,
      server5xx: 0,
      rejected401or403or550: rejected,
      mailgunReplays: replays,
      smtpRelayRefused550: relayRefused,
      storedForgeries,
    });
    expect(problems).toEqual([]);
    expect(storedForgeries).toBe(0);
    expect(Object.keys(stored.inbox).sort()).toEqual(controlIds.map((id) => id).sort());
  });
});
