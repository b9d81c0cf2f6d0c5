import { createPublicKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEventDispatcher, eventsTable, type BounceEvent } from '../events/index.js';
import { silentLogger, type Store } from '../inbox/index.js';
import { generateTestKeyPair } from '../testing/keys.js';
import { cliStoreEnv, expectOneLineReason, runCli, withCliStore } from './test-support.js';

const API_KEY = 'SG.test-key-never-printed';

/** A local stand-in for the v3 endpoints the commands call, answering with SendGrid's documented shapes. */
class FakeSendGrid {
  parse = new Map<string, Record<string, unknown>>();
  policies = new Map<string, Record<string, unknown>>();
  suppressions: Record<string, Array<Record<string, unknown>>> = {
    bounces: [],
    blocks: [],
    spam_reports: [],
    unsubscribes: [],
  };
  /** Path prefixes answered 403 (a key without that scope). */
  forbidden: string[] = [];
  /** Paths answered 429 with Retry-After: 1 once. */
  rateLimitOnce = new Set<string>();
  log: string[] = [];
  server: Server = createServer((req, res) => void this.handle(req, res));

  async handle(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? '/', 'http://fake');
    this.log.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
    };
    const error = (status: number, message: string, field: string | null = null) =>
      send(status, { errors: [{ field, message }] });
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return error(401, 'authorization required');
    if (this.forbidden.some((p) => url.pathname.startsWith(p))) return error(403, 'access forbidden');
    if (this.rateLimitOnce.delete(url.pathname))
      return send(429, { errors: [{ field: null, message: 'too many requests' }] }, { 'retry-after': '1' });
    const json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /v3/user/webhooks/parse/settings') return send(200, { result: [...this.parse.values()] });
    if (route === 'POST /v3/user/webhooks/parse/settings') {
      const hostname = String(json.hostname);
      if (this.parse.has(hostname)) return error(400, 'A setting for this hostname already exists', 'hostname');
      this.parse.set(hostname, {
        hostname,
        url: json.url,
        spam_check: json.spam_check,
        send_raw: json.send_raw,
        security_policy: json.security_policy,
      });
      return send(201, this.parse.get(hostname));
    }
    const patch = /^PATCH \/v3\/user\/webhooks\/parse\/settings\/([^/]+)$/.exec(route);
    if (patch) {
      const current = this.parse.get(decodeURIComponent(patch[1]!));
      if (!current) return error(404, 'not found');
      Object.assign(current, json);
      return send(200, current);
    }
    if (route === 'POST /v3/user/webhooks/security/policies') {
      const id = `policy-${this.policies.size + 1}`;
      const policy = { id, name: json.name, signature: { public_key: generateTestKeyPair().publicKey } };
      this.policies.set(id, policy);
      return send(201, { policy });
    }
    const policy = /^GET \/v3\/user\/webhooks\/security\/policies\/([^/]+)$/.exec(route);
    if (policy)
      return this.policies.has(policy[1]!)
        ? send(200, { policy: this.policies.get(policy[1]!) })
        : error(404, 'not found');
    if (route === 'GET /v3/user/webhooks/event/settings/all') {
      return send(200, {
        max_allowed: 5,
        webhooks: [
          {
            id: 'ew-1',
            enabled: true,
            url: 'https://app.example.com/webhooks/sendgrid/events',
            friendly_name: 'prod',
            bounce: true,
            delivered: true,
            spam_report: true,
            open: false,
            public_key: 'MFkw…',
          },
        ],
      });
    }
    const list = /^GET \/v3\/suppression\/(bounces|blocks|spam_reports|unsubscribes)$/.exec(route);
    if (list) {
      const limit = Number(url.searchParams.get('limit') ?? 500);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      return send(200, this.suppressions[list[1]!]!.slice(offset, offset + limit));
    }
    return error(404, 'not found');
  }
}

let fake: FakeSendGrid;
let base: string;
let storeEnv: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  fake = new FakeSendGrid();
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  ({ env: storeEnv, cleanup } = await cliStoreEnv('mailroom-cli-sendgrid-'));
});
afterAll(async () => {
  await new Promise((resolve) => fake.server.close(resolve));
  await cleanup?.();
});
beforeEach(() => {
  fake.forbidden = [];
  fake.log = [];
});

async function mailroom(
  argv: string[],
  env: Record<string, string> = { SENDGRID_API_KEY: API_KEY, SENDGRID_API_BASE: base, ...storeEnv },
) {
  const outcome = await runCli(argv, { env });
  expect(outcome.stdout + outcome.stderr).not.toContain(API_KEY);
  return outcome;
}

const expectOneLine = expectOneLineReason;
const withStore = <T>(fn: (store: Store) => Promise<T>): Promise<T> => withCliStore(storeEnv, fn);

describe('mailroom sendgrid setup / status', () => {
  it('exits 2 with one line when SENDGRID_API_KEY is missing or the key is refused (401)', async () => {
    const missing = await mailroom(['sendgrid', 'status'], { SENDGRID_API_BASE: base });
    expect(missing.code).toBe(2);
    expectOneLine(missing, /^mailroom sendgrid status: SENDGRID_API_KEY is not set/);
    const refused = await mailroom(['sendgrid', 'status'], { SENDGRID_API_KEY: 'SG.wrong', SENDGRID_API_BASE: base });
    expect(refused.code).toBe(2);
    expectOneLine(refused, /SendGrid refused SENDGRID_API_KEY \(401 authorization required\)/);
    expect(refused.stderr).not.toContain('SG.wrong');
  });

  it('exits 2 naming the scope the key lacks (403)', async () => {
    fake.forbidden = ['/v3/user/webhooks/security/policies'];
    const outcome = await mailroom([
      'sendgrid',
      'setup',
      '--hostname',
      'parse.example.com',
      '--url',
      'https://app.example.com/webhooks/sendgrid/parse',
    ]);
    expect(outcome.code).toBe(2);
    expectOneLine(
      outcome,
      /the API key lacks the scope user\.webhooks\.security\.policies\.create \(403 access forbidden/,
    );
    expect(fake.parse.size).toBe(0);
  });

  it('refuses bad arguments with exit 2 before calling SendGrid', async () => {
    for (const argv of [
      ['--url', 'https://app.example.com/p'],
      ['--hostname', 'parse.example.com', '--url', 'http://app.example.com/p'],
      ['--hostname', 'not a host', '--url', 'https://app.example.com/p'],
      ['--hostname', 'parse.example.com', '--url', 'https://app.example.com/p', '--basic', 'nopassword'],
    ]) {
      const outcome = await mailroom(['sendgrid', 'setup', ...argv]);
      expect(outcome.code).toBe(2);
      expectOneLine(outcome, /^mailroom sendgrid setup: .*--help/);
    }
    expect(fake.log).toEqual([]);
  });

  it('creates the parse setting and a signature policy, prints the public key; a second run updates and keeps the key', async () => {
    const created = await mailroom([
      'sendgrid',
      'setup',
      '--hostname',
      'Parse.Example.com',
      '--url',
      'https://app.example.com/webhooks/sendgrid/parse',
      '--raw',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const setting = fake.parse.get('parse.example.com');
    expect(setting).toEqual({
      hostname: 'parse.example.com',
      url: 'https://app.example.com/webhooks/sendgrid/parse',
      spam_check: false,
      send_raw: true,
      security_policy: 'policy-1',
    });
    const key = (fake.policies.get('policy-1')!.signature as { public_key: string }).public_key;
    expect(created.stdout).toContain(
      'created Inbound Parse setting parse.example.com → https://app.example.com/webhooks/sendgrid/parse (raw yes, spam check no)\n',
    );
    expect(created.stdout).toContain('signature policy policy-1 (created)\n');
    expect(created.stdout).toContain(`\nSENDGRID_PARSE_PUBLIC_KEY=${key}\n`);
    expect(createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyType).toBe(
      'ec',
    );
    expect(fake.policies.get('policy-1')!.name).toBe('mailroom parse.example.com');

    const updated = await mailroom([
      'sendgrid',
      'setup',
      '--hostname',
      'parse.example.com',
      '--url',
      'https://new.example.com/parse',
      '--spam-check',
    ]);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain(
      'updated Inbound Parse setting parse.example.com → https://new.example.com/parse (raw no, spam check yes)\n',
    );
    expect(updated.stdout).toContain('signature policy policy-1 (kept)\n');
    expect(updated.stdout).toContain(`SENDGRID_PARSE_PUBLIC_KEY=${key}\n`);
    expect(fake.policies.size).toBe(1);
    expect(fake.log).toContain('PATCH /v3/user/webhooks/parse/settings/parse.example.com');
    expect(fake.parse.get('parse.example.com')).toMatchObject({
      url: 'https://new.example.com/parse',
      spam_check: true,
      send_raw: false,
      security_policy: 'policy-1',
    });
  });

  it('puts --basic credentials into the URL SendGrid posts to, and never prints the password', async () => {
    const outcome = await mailroom([
      'sendgrid',
      'setup',
      '--hostname',
      'in.example.org',
      '--url',
      'https://app.example.org/parse',
      '--basic',
      'sendgrid:s3cret:pw',
    ]);
    expect(outcome.code).toBe(0);
    expect(fake.parse.get('in.example.org')!.url).toBe('https://sendgrid:s3cret%3Apw@app.example.org/parse');
    expect(outcome.stdout).toContain('https://sendgrid:***@app.example.org/parse');
    expect(outcome.stdout).toContain('SENDGRID_PARSE_BASIC=sendgrid:<the password given to --basic>\n');
    const status = await mailroom(['sendgrid', 'status']);
    expect(status.stdout + outcome.stdout).not.toContain('s3cret');
  });

  it('status lists parse settings and Event Webhook settings, after waiting out a 429', async () => {
    fake.rateLimitOnce.add('/v3/user/webhooks/event/settings/all');
    const started = Date.now();
    const status = await mailroom(['sendgrid', 'status']);
    expect(status.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // Retry-After: 1
    expect(fake.log.filter((l) => l.startsWith('GET /v3/user/webhooks/event/settings/all'))).toHaveLength(2);
    expect(status.stdout).toMatch(/^Inbound Parse settings \(2\):\n/);
    expect(status.stdout).toContain(
      '  parse.example.com → https://new.example.com/parse  raw no, spam check yes, security policy policy-1\n',
    );
    expect(status.stdout).toContain('Event Webhooks (1, at most 5 enabled):\n');
    expect(status.stdout).toContain(
      '  ew-1 "prod" enabled → https://app.example.com/webhooks/sendgrid/events  signed yes, events: delivered, bounce, spam_report\n',
    );
  });
});

describe('mailroom sendgrid suppressions sync', () => {
  beforeAll(() => {
    fake.suppressions.bounces = Array.from({ length: 5 }, (_, i) => ({
      created: 1_700_000_000 + i,
      email: `Gone${i}@Example.com`,
      reason: '550 5.1.1 no such user',
      status: '5.1.1',
    }));
    fake.suppressions.blocks = [
      { created: 1_700_000_100, email: 'blocked@example.net', reason: '554 listed', status: '5.7.1' },
      { created: 1_700_000_101, email: '' },
    ];
    fake.suppressions.spam_reports = [{ created: 1_700_000_200, email: 'angry@example.com', ip: '192.0.2.1' }];
    fake.suppressions.unsubscribes = [{ created: 1_700_000_300, email: 'bye@example.com' }];
  });

  it('pulls every page into the events table, through a 429, and a second sync stores nothing new', async () => {
    fake.rateLimitOnce.add('/v3/suppression/spam_reports');
    const first = await mailroom(['sendgrid', 'suppressions', 'sync', '--page-size', '2']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      'bounces: 5 listed in 3 pages, 5 new\nblocks: 2 listed in 2 pages, 1 new, 1 without an address skipped\n' +
        'spam_reports: 1 listed in 1 page, 1 new\nunsubscribes: 1 listed in 1 page, 1 new\nstored 8 new events\n',
    );
    expect(fake.log.filter((l) => l.startsWith('GET /v3/suppression/bounces'))).toEqual([
      'GET /v3/suppression/bounces?limit=2&offset=0',
      'GET /v3/suppression/bounces?limit=2&offset=2',
      'GET /v3/suppression/bounces?limit=2&offset=4',
    ]);
    expect(fake.log.filter((l) => l.startsWith('GET /v3/suppression/spam_reports'))).toHaveLength(2);

    const second = await mailroom(['sendgrid', 'suppressions', 'sync']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('bounces: 5 listed in 1 page, 0 new\n');
    expect(second.stdout).toMatch(/stored 0 new events\n$/);

    const rows = await withStore((store) => store.db.select().from(eventsTable));
    expect(rows.map((r) => r.event).sort()).toEqual([
      'bounce',
      'bounce',
      'bounce',
      'bounce',
      'bounce',
      'bounce',
      'spamreport',
      'unsubscribe',
    ]);
    const blocked = rows.find((r) => r.email === 'blocked@example.net')!;
    expect(blocked.payload).toMatchObject({
      event: 'bounce',
      type: 'blocked',
      reason: '554 listed',
      timestamp: 1_700_000_100,
    });
    expect(blocked.customArgs).toEqual({ mailroom_suppression: 'blocks' });
    expect(blocked.sgEventId).toMatch(/^mailroom:suppression:blocks:[\w-]{43}$/);
  });

  it("a synced bounce reaches the app's registered bounce handler", async () => {
    const seen: BounceEvent[] = [];
    await withStore(async (store) => {
      const dispatcher = createEventDispatcher({ store, logger: silentLogger }).on(
        'bounce',
        (event) => void seen.push(event),
      );
      await dispatcher.drain();
      const pending = await store.db.select().from(eventsTable).where(eq(eventsTable.status, 'pending'));
      expect(pending).toEqual([]);
    });
    expect(seen).toHaveLength(6);
    const gone = seen.find((e) => e.email === 'gone0@example.com' || e.email === 'Gone0@Example.com')!;
    expect(gone).toMatchObject({
      kind: 'bounce',
      type: 'bounce',
      reason: '550 5.1.1 no such user',
      status: '5.1.1',
      customArgs: { mailroom_suppression: 'bounces' },
    });
    expect(gone.timestamp).toEqual(new Date(1_700_000_000_000));
    expect(seen.filter((e) => e.type === 'blocked').map((e) => e.email)).toEqual(['blocked@example.net']);
  });

  it('exits 2 naming the suppression scope the key lacks', async () => {
    fake.forbidden = ['/v3/suppression/blocks'];
    const outcome = await mailroom(['sendgrid', 'suppressions', 'sync', '--list', 'blocks']);
    expect(outcome.code).toBe(2);
    expectOneLine(outcome, /the API key lacks the scope suppression\.blocks\.read/);
    const usage = await mailroom(['sendgrid', 'suppressions', 'sync', '--list', 'invalid_emails']);
    expect(usage.code).toBe(2);
  });
});
