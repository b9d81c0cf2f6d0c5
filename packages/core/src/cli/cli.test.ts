import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInboundBody } from '@mailroom/core/ingress';
import {
  buildInboundPost,
  fixtures,
  generateTestKeyPair,
  httpRequestBytes,
  TEST_KEY_PAIR,
} from '@mailroom/core/testing';
import { parseCapturedRequest, type CliIO, type Command } from './index.js';
import { runCli, type CliOutcome } from './test-support.js';

type Outcome = CliOutcome;

function mailroom(argv: string[], stdin: Buffer[] = [], commands?: Command[], env?: CliIO['env']): Promise<Outcome> {
  return runCli(argv, { stdin, ...(commands ? { commands } : {}), ...(env ? { env } : {}) });
}

/** A failure is one line on stderr, with no stack trace. */
function expectOneLineReason(outcome: Outcome, pattern: RegExp) {
  expect(outcome.stdout).toBe('');
  expect(outcome.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(outcome.stderr).not.toMatch(/\n\s+at /);
  expect(outcome.stderr).toMatch(pattern);
}

let dir: string;
const file = (name: string) => join(dir, name);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailroom-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('mailroom (dispatcher)', () => {
  it('prints an overview for help, and command help for help CMD / CMD --help', async () => {
    const overview = await mailroom(['help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toMatch(/Usage: mailroom <command>/);
    expect(overview.stdout).toMatch(/^\s+inspect\s+parse a captured/m);
    for (const argv of [
      ['help', 'inspect'],
      ['inspect', '--help'],
      ['inspect', '-h'],
    ]) {
      const help = await mailroom(argv);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^mailroom inspect \[--public-key KEY\]\.\.\. FILE/);
    }
  });

  it('exits 2 with one line for unknown commands, options and missing arguments', async () => {
    expectOneLineReason(await mailroom(['frobnicate']), /unknown command "frobnicate"/);
    const unknownOption = await mailroom(['inspect', '--bogus', 'x']);
    expect(unknownOption.code).toBe(2);
    expectOneLineReason(unknownOption, /--bogus/);
    const missing = await mailroom(['inspect']);
    expect(missing.code).toBe(2);
    expectOneLineReason(missing, /missing FILE/);
    const bare = await mailroom([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/Usage: mailroom/);
  });

  it('dispatches multi-word commands to the longest match, and registering one is a one-liner', async () => {
    const calls: string[][] = [];
    const make = (name: string): Command => ({
      name,
      summary: name,
      usage: `mailroom ${name}`,
      run: (argv) => (calls.push([name, ...argv]), 0),
    });
    const extra = [make('inbox'), make('inbox list')];
    expect((await mailroom(['inbox', 'list', '--limit', '5'], [], extra)).code).toBe(0);
    expect((await mailroom(['inbox', 'show'], [], extra)).code).toBe(0);
    expect(calls).toEqual([
      ['inbox list', '--limit', '5'],
      ['inbox', 'show'],
    ]);
  });

  it('turns a thrown error into exit 1 and one line', async () => {
    const broken: Command = {
      name: 'boom',
      summary: '',
      usage: '',
      run: () => {
        throw new Error('first line\nsecond line');
      },
    };
    const outcome = await mailroom(['boom'], [], [broken]);
    expect(outcome.code).toBe(1);
    expectOneLineReason(outcome, /^mailroom boom: first line$/m);
  });
});

describe('mailroom inspect', () => {
  it('prints the InboundEmail JSON of a captured request', async () => {
    const post = buildInboundPost({
      subject: 'Captured',
      cc: 'Carol <carol@example.org>',
      attachments: [{ filename: 'a.txt', content: 'hi' }],
    });
    await writeFile(file('plain.http'), httpRequestBytes(post));
    const outcome = await mailroom(['inspect', file('plain.http')]);
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    const email = await parseInboundBody(post.body, post.contentType);
    const { reply, classification, auth, ...fields } = JSON.parse(outcome.stdout);
    const { auth: expectedAuth, ...expectedFields } = JSON.parse(JSON.stringify(email.toJSON()));
    expect(fields).toEqual(expectedFields);
    expect(auth).toEqual({ ...expectedAuth, verdict: email.authVerdict() });
    expect(reply).toEqual({ text: email.reply().text, quoted: '', signature: null });
    expect(classification).toEqual({ kind: 'human', reasons: [] });
    expect(outcome.stdout).toContain('\n  "subject": "Captured",\n'); // pretty
  });

  it('adds the reply, the classification and the sender verdict (issue 4 surfaces)', async () => {
    const capture = httpRequestBytes({
      from: 'Bob <bob@client.example>',
      subject: 'Automatic reply: Printer on fire',
      headers: { 'Auto-Submitted': 'auto-replied' },
      text: 'I am away until Monday.\n\n-- \nBob Example\nClient Corp\n\nOn Wed, 25 Nov 2026 at 10:00, Support <help@example.com> wrote:\n> Is the printer still on fire?\n',
      dkim: '{@mailer.other.example : pass}',
      spf: 'softfail',
    });
    await writeFile(file('ooo.http'), capture);
    const outcome = await mailroom(['inspect', file('ooo.http')]);
    expect(outcome.code).toBe(0);
    const json = JSON.parse(outcome.stdout);
    expect(json.reply).toEqual({
      text: 'I am away until Monday.',
      quoted: expect.stringContaining('> Is the printer still on fire?'),
      signature: expect.stringContaining('Bob Example'),
    });
    expect(json.classification.kind).toBe('out-of-office');
    expect(json.classification.reasons).toEqual(
      expect.arrayContaining(['out-of-office subject', 'Auto-Submitted: auto-replied']),
    );
    expect(json.auth.verdict).toEqual({
      aligned: false,
      rule: null,
      domain: null,
      dkimSource: 'sendgrid',
      reason: expect.stringMatching(
        /^no passing DKIM signature aligned with From domain client\.example .*spf=softfail/,
      ),
    });
    expect(json.auth.dkim).toEqual([{ domain: 'mailer.other.example', result: 'pass' }]);
  });

  it('decodes chunked captures and reads stdin', async () => {
    const post = fixtures.c6RawOutlook();
    const outcome = await mailroom(['inspect', '-'], [httpRequestBytes(post, { chunked: true, chunkSize: 333 })]);
    expect(outcome.code).toBe(0);
    const json = JSON.parse(outcome.stdout);
    expect(json.mode).toBe('raw');
    expect(json.subject).toBe('Inbound email in raw format');
    expect(json.attachments[0].contentId).toBe(fixtures.C6_RAW_INLINE_CID);
  });

  it('takes a bare body with --content-type', async () => {
    const post = fixtures.c7ParsedCharsets();
    await writeFile(file('c7.body'), post.body);
    const outcome = await mailroom(['inspect', '--content-type', post.contentType, file('c7.body')]);
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({
      subject: 'Como usted pidió',
      text: 'Test the ESP’s inbound charset handling…',
    });
  });

  it('verifies signatures with --public-key', async () => {
    const signedCapture = httpRequestBytes({ subject: 'signed' }, { sign: TEST_KEY_PAIR, timestamp: 1_700_000_000 });
    await writeFile(file('signed.http'), signedCapture);
    const ok = await mailroom([
      'inspect',
      '--public-key',
      generateTestKeyPair().publicKey,
      '--public-key',
      TEST_KEY_PAIR.publicKey,
      file('signed.http'),
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).subject).toBe('signed');

    const wrongKey = await mailroom(['inspect', '--public-key', generateTestKeyPair().publicKey, file('signed.http')]);
    expect(wrongKey.code).toBe(1);
    expectOneLineReason(wrongKey, /signature does not match.*\(403 signature_invalid\)/);

    const tampered = Buffer.from(signedCapture);
    tampered[tampered.length - 20]! ^= 1;
    await writeFile(file('tampered.http'), tampered);
    expect((await mailroom(['inspect', '--public-key', TEST_KEY_PAIR.publicKey, file('tampered.http')])).code).toBe(1);

    await writeFile(file('unsigned.http'), httpRequestBytes({}));
    const unsigned = await mailroom(['inspect', '--public-key', TEST_KEY_PAIR.publicKey, file('unsigned.http')]);
    expect(unsigned.code).toBe(1);
    expectOneLineReason(unsigned, /401 signature_missing/);

    // A malformed key is the operator's configuration: exit 2, like a usage error.
    const badKey = await mailroom(['inspect', '--public-key', 'not-a-key', file('signed.http')]);
    expect(badKey.code).toBe(2);
    expectOneLineReason(badKey, /key/i);
  });

  it('rejects bad input with exit 1 and a one-line reason', async () => {
    expectOneLineReason(await mailroom(['inspect', file('missing.http')]), /cannot read .*missing\.http: no such file/);
    await writeFile(file('garbage.http'), 'hello world, not a request');
    const garbage = await mailroom(['inspect', file('garbage.http')]);
    expect(garbage.code).toBe(1);
    expectOneLineReason(garbage, /not an HTTP request/);
    const truncated = httpRequestBytes({}).subarray(0, 400);
    await writeFile(file('truncated.http'), truncated);
    expectOneLineReason(await mailroom(['inspect', file('truncated.http')]), /ends before the body does/);
    await writeFile(file('json.body'), '{"not":"multipart"}');
    const unknown = await mailroom(['inspect', '--content-type', 'application/json', file('json.body')]);
    expect(unknown.code).toBe(1);
    expectOneLineReason(unknown, /cannot tell which provider sent this: a JSON body without RawEmail/);
    const args = ['inspect', '--provider', 'sendgrid', '--content-type', 'application/json', file('json.body')];
    const wrongType = await mailroom(args);
    expect(wrongType.code).toBe(1);
    expectOneLineReason(wrongType, /\(415 /);
  });
});

describe('parseCapturedRequest', () => {
  it('reads method, target, headers in order, and tolerates bare LF line endings', async () => {
    const captured = await parseCapturedRequest(
      Buffer.from('POST /p?q=1 HTTP/1.1\nHost: h\nX-A: 1\nContent-Length: 5\n\nhello'),
    );
    expect(captured).toEqual({
      method: 'POST',
      target: '/p?q=1',
      headers: [
        ['Host', 'h'],
        ['X-A', '1'],
        ['Content-Length', '5'],
      ],
      body: Buffer.from('hello'),
    });
  });

  it('refuses bytes after the body (a missing Content-Length)', async () => {
    await expect(
      parseCapturedRequest(Buffer.from('POST /p HTTP/1.1\r\nHost: h\r\n\r\nbody without length')),
    ).rejects.toThrow(/bytes follow the end/);
  });
});

describe('mailroom migrate against a database it cannot use', () => {
  const migrateWith = (databaseUrl: string) => mailroom(['migrate'], [], undefined, { DATABASE_URL: databaseUrl });

  it("exits 2 with one line naming the server and the driver's cause (connection refused)", async () => {
    const outcome = await migrateWith('postgres://postgres:secret-pw@127.0.0.1:1/mailroom');
    expect(outcome.code).toBe(2);
    expectOneLineReason(
      outcome,
      /^mailroom migrate: cannot open PostgreSQL at 127\.0\.0\.1:1\/mailroom: connection refused\n$/,
    );
    expect(outcome.stderr).not.toContain('secret-pw');
  });

  // Needs a PostgreSQL server to answer "no such database" / "authentication failed": the PostgreSQL pass.
  it.skipIf(!process.env.DATABASE_URL)('says which database does not exist, and a refused login', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = '/mailroom_no_such_database';
    const missing = await migrateWith(url.toString());
    expect(missing.code).toBe(2);
    expectOneLineReason(missing, /cannot open PostgreSQL at .*: database "mailroom_no_such_database" does not exist/);
    const login = new URL(process.env.DATABASE_URL!);
    login.username = 'mailroom_no_such_role';
    const refused = await migrateWith(login.toString());
    expect(refused.code).toBe(2);
    expectOneLineReason(refused, /cannot open PostgreSQL at .*: .*mailroom_no_such_role/);
  });
});

describe('the built executable', () => {
  const root = resolve(fileURLToPath(import.meta.url), '../../../../..');
  const built = existsSync(join(root, 'packages/core/dist/cli/main.js'));

  // CI builds before testing, so there a missing build is a failure, not a reason to skip.
  it.skipIf(!built && !process.env.CI)('runs `node packages/core/bin/mailroom.js inspect`', async () => {
    expect(built, 'packages/core/dist/cli/main.js is missing: run the build first').toBe(true);
    await writeFile(file('exec.http'), httpRequestBytes({ subject: 'From the binary' }));
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
        execFile(process.execPath, [join(root, 'packages/core/bin/mailroom.js'), ...args], (error, stdout, stderr) =>
          done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    const ok = await run(['inspect', file('exec.http')]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).subject).toBe('From the binary');
    const usage = await run(['inspect']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing FILE/);
    const bad = await run(['inspect', file('nope.http')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
