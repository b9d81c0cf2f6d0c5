/**
 * `mailroom relay` as an MTA runs it: the built executable as a child process, one message piped into its stdin,
 * posting to a real relay endpoint on a real server and store. Exit statuses are sysexits (what Postfix reads).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundEmail } from '../message/index.js';
import { relayIngress } from '../http/index.js';
import {
  createProxiedTestStore,
  createTestMailroom,
  createTestStore,
  type TestMailroom,
  type TestStore,
} from '../testing/index.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../../..');
const built = existsSync(join(root, 'packages/core/dist/cli/main.js'));
const SECRET = 'relay-cli-secret-0123456789-abcdefghijk';

let t: TestMailroom | undefined;
let store: TestStore | undefined;
afterEach(async () => {
  await t?.close();
  await closeStore();
  t = undefined;
});

async function closeStore(): Promise<void> {
  const open = store;
  store = undefined;
  await open?.close();
}

interface Database {
  cut(): Promise<void>;
  /** PostgreSQL only. */
  heal?: () => void;
}

async function relayServer(
  options: { proxied?: boolean } = {},
): Promise<{ url: string; handled: InboundEmail[]; database: Database }> {
  const serverUrl = process.env.DATABASE_URL;
  const proxied = options.proxied && serverUrl ? await createProxiedTestStore(serverUrl) : null;
  store = proxied ?? (await createTestStore());
  const handled: InboundEmail[] = [];
  t = await createTestMailroom({ store });
  t.mailroom.route('*@*.example.com', async (ctx) => void handled.push(ctx.email));
  t.app.route('/webhooks/raw', relayIngress(t.mailroom, { secrets: [SECRET] }));
  // PostgreSQL: the connection is cut; PGlite has no network to lose, so its store is closed.
  const database: Database = proxied
    ? { cut: async () => proxied.proxy.cut(), heal: () => proxied.proxy.restore() }
    : { cut: () => closeStore() };
  return { url: `${t.url}/webhooks/raw`, handled, database };
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node packages/core/bin/mailroom.js relay ARGS`, `stdin` piped in, with only PATH and `env` in its environment. */
function relayCli(args: string[], stdin: Buffer, env: Record<string, string> = { MAILROOM_RELAY_SECRET: SECRET }) {
  return new Promise<Outcome>((done, fail) => {
    const child = spawn(process.execPath, [join(root, 'packages/core/bin/mailroom.js'), 'relay', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.on('error', () => undefined); // a command that exits before reading stdin: EPIPE is expected
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

function expectReason(outcome: Outcome, code: number, pattern: RegExp): void {
  expect(outcome.code, outcome.stderr).toBe(code);
  expect(outcome.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
  expect(outcome.stderr).toMatch(pattern);
}

const message = (subject: string, extra = '') =>
  Buffer.from(
    `From: Ann <ann@example.org>\nTo: help@support.example.com\nSubject: ${subject}\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\nDate: Sun, 6 Dec 2026 10:00:00 +0000\n${extra}` +
      `MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nPiped by Postfix.\n`,
  );

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

// CI builds before testing, so there a missing build is a failure, not a reason to skip.
describe.skipIf(!built && !process.env.CI)('mailroom relay (the built executable)', () => {
  it('exits 0 once the message is stored, with the envelope from --sender and --recipient', async () => {
    const { url, handled } = await relayServer();
    // Postfix's `--recipient ${recipient}` expands to `--recipient a b`: trailing arguments are recipients too.
    const args = ['--url', url, '--sender', 'bounce@example.org', '--recipient=hidden@support.example.com'];
    args.push('other@lists.example.com');
    const outcome = await relayCli(args, message('Piped'));
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^stored \S+\n$/);
    await t!.drain();
    expect(handled).toMatchObject([
      {
        provider: 'relay',
        subject: 'Piped',
        envelope: { from: 'bounce@example.org', to: ['hidden@support.example.com', 'other@lists.example.com'] },
      },
    ]);
    // Postfix retries a delivery it could not confirm: stored once (same message, same envelope), and 0 again.
    const again = await relayCli(args, message('Piped'));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^already stored /);
    expect(await t!.store.inbox.list({})).toHaveLength(1);
  });

  it('relays a bounce (the empty ${sender}) routed by its headers, without an mbox From line', async () => {
    const { url, handled } = await relayServer();
    const mbox = Buffer.concat([Buffer.from('From MAILER-DAEMON  Sun Dec  6 10:00:00 2026\n'), message('Bounced')]);
    const outcome = await relayCli(['--url', url, '--sender', ''], mbox);
    expect(outcome.code, outcome.stderr).toBe(0);
    await t!.drain();
    expect(handled).toMatchObject([{ envelope: { from: null, to: [] }, subject: 'Bounced' }]);
  });

  it('exits 75 (retry later) while the database is down, and 0 for the retry once it is back', async () => {
    const { url, database } = await relayServer({ proxied: true });
    await database.cut();
    expectReason(await relayCli(['--url', url], message('Deferred')), 75, /answered 503 store_unavailable/);
    if (!database.heal) return; // PGlite: a closed store does not come back
    database.heal();
    const retried = await relayCli(['--url', url], message('Deferred'));
    expect(retried.code, retried.stderr).toBe(0);
    // Stored once, whether the deferred attempt's statement ran after the cut healed (a duplicate) or not.
    expect(retried.stdout).toMatch(/^(already )?stored /);
    expect(await t!.store.inbox.list({})).toHaveLength(1);
  });

  it('exits 75 for a wrong secret (the mail stays queued until the configuration is fixed)', async () => {
    const { url } = await relayServer();
    const outcome = await relayCli(['--url', url], message('Wrong secret'), {
      MAILROOM_RELAY_SECRET: 'x'.repeat(40),
    });
    expectReason(outcome, 75, /answered 401 relay_secret_invalid/);
    expect(await t!.store.inbox.list({})).toEqual([]);
  });

  it('exits 65 without posting for a message over --max-bytes, or refused for good by the endpoint', async () => {
    const { url } = await relayServer();
    const big = message('Big', `X-Pad: ${'p'.repeat(5000)}\n`);
    expectReason(await relayCli(['--url', url, '--max-bytes', '4096'], big), 65, /larger than 4096 bytes/);
    expectReason(await relayCli(['--url', url], Buffer.alloc(0)), 65, /stdin is empty/);
    expectReason(await relayCli(['--url', url, '--recipient', 'nobody'], message('Bad rcpt')), 65, /no "@"/);
    expect(await t!.store.inbox.list({})).toEqual([]);
  });

  it('exits 78 without a usable secret and 64 for wrong options, before reading the message', async () => {
    const url = 'http://127.0.0.1:9/webhooks/raw';
    expectReason(await relayCli(['--url', url], message('No secret'), {}), 78, /MAILROOM_RELAY_SECRET is not set/);
    expectReason(
      await relayCli(['--url', url], message('Short'), { MAILROOM_RELAY_SECRET: 'short' }),
      78,
      /shorter than 32/,
    );
    expectReason(await relayCli([], message('No URL')), 64, /missing --url/);
    expectReason(await relayCli(['--url', 'ftp://example.com/'], message('FTP')), 64, /not an http\(s\) URL/);
    expectReason(await relayCli(['--url', url, '--secret', SECRET], message('Flag')), 64, /--secret/);
    expectReason(await relayCli(['--url', url, '--max-bytes', 'lots'], message('Max')), 64, /--max-bytes/);
  });

  it('exits 75 when nothing listens at the URL', async () => {
    const port = await freePort();
    const outcome = await relayCli(['--url', `http://127.0.0.1:${port}/webhooks/raw`], message('Nobody'));
    expectReason(outcome, 75, /cannot reach the relay endpoint \(ECONNREFUSED\)/);
  });
});
