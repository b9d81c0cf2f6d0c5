/**
 * Deployment defaults: the demo server started as `NODE_ENV=production` in a child process (TypeScript sources
 * through tsx) accepts no built-in password anywhere, prints its generated first password once and never on a
 * page, lets the password be changed, revokes sessions on logout, and throttles guessing without slowing the webhook
 * — the console's CONSOLE_PASSWORD included (per user and client address; a published or short one stops the start).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, generateTestKeyPair, inboundRequest } from '@mailroom/core/testing';
import { recordFigures } from './support/summary.js';

// Production refuses the kit's published TEST_KEY_PAIR: the demo gets a key of its own.
const PARSE_KEYS = generateTestKeyPair();

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = join(REPO_ROOT, 'apps/demo/src/server.ts');
const BUILT_IN = 'mailroom-demo';
// A child demo on a loaded 2-core machine can take minutes to migrate and seed; this is patience, not a claim.
const STARTUP_MS = 240_000;

interface Demo {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

async function startProductionDemo(extraEnv: Record<string, string>): Promise<Demo> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mailroom-defaults-'));
  const database = process.env.DATABASE_URL ? await createTestDatabase(process.env.DATABASE_URL) : null;
  const { DATABASE_URL: _inherited, NODE_ENV: _mode, ...parentEnv } = process.env;
  const child: ChildProcess = spawn(process.execPath, ['--conditions=@mailroom/source', '--import', 'tsx', SERVER], {
    cwd: REPO_ROOT,
    env: {
      ...parentEnv,
      NODE_ENV: 'production',
      // The apps' pages are hono/jsx: tsx takes the JSX settings from the base config (the root one lists no files).
      TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.base.json'),
      PORT: '0',
      HOST: '127.0.0.1',
      MAILROOM_DATA_DIR: dataDir,
      MAILROOM_SECRET: 'a production secret of at least thirty-two characters',
      SENDGRID_PARSE_PUBLIC_KEY: PARSE_KEYS.publicKey,
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Ends the child (if it still runs), then removes its database and data folder.
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill(signal);
      await exited;
    }
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner within ${STARTUP_MS / 1000} s:\n${output}`)),
      STARTUP_MS,
    );
    child.stdout!.on('data', () => {
      // The banner is printed in one piece, the generated password (if any) at its end.
      const match = /Mailroom demo on (http:\/\/\S+)[\s\S]*Database /.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!.replace('localhost', '127.0.0.1'));
      }
    });
    child.once('exit', (code) =>
      reject(Object.assign(new Error(`the demo exited with ${code}:\n${output}`), { exitCode: code, output })),
    );
  }).catch(async (error: unknown) => {
    await stop('SIGKILL');
    throw error;
  });
  return { url, output: () => output, stop: () => stop('SIGTERM') };
}

/** A browser-like client for one app: same-origin form posts, one cookie jar. */
class Client {
  cookie = '';
  constructor(readonly url: string) {}
  get(path: string) {
    return fetch(`${this.url}${path}`, { redirect: 'manual', headers: this.cookie ? { cookie: this.cookie } : {} });
  }
  async form(path: string, fields: Record<string, string>) {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.url,
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: new URLSearchParams(fields),
    });
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return response;
  }
  async csrf(path: string, name = '_csrf') {
    const html = await (await this.get(path)).text();
    const match = new RegExp(`name="${name}" value="([^"]+)"`).exec(html);
    if (!match) throw new Error(`no ${name} token on ${path}: ${html.slice(0, 300)}`);
    return match[1]!;
  }
}

/** Each app's login: where, with which fields, what its first admin is called, and where signed-in pages live. */
const APPS = {
  blog: {
    login: '/blog/login',
    admin: 'admin@blog.example.test',
    seeded: 'grace@example.test',
    home: '/blog/admin',
    password: '/blog/admin/password',
    logoutToken: ['/blog/admin', '_csrf'],
  },
  support: {
    login: '/support/login',
    admin: 'admin@support.example.test',
    seeded: 'agent@example.test',
    home: '/support/',
    password: '/support/password',
    logoutToken: ['/support/', '_csrf'],
  },
  lists: {
    login: '/lists/login',
    admin: 'admin',
    seeded: 'admin',
    home: '/lists/admin',
    password: '/lists/admin/password',
    logoutToken: ['/lists/admin', 'csrf'],
  },
} as const;
type AppName = keyof typeof APPS;

function signIn(client: Client, app: AppName, username: string, password: string) {
  const fields: Record<string, string> = app === 'lists' ? { password } : { email: username, password };
  return client.form(APPS[app].login, fields);
}

describe('production defaults of the demo server', () => {
  let demo: Demo;
  let firstPassword: string;

  beforeAll(async () => {
    demo = await startProductionDemo({});
    const match = /generated password \(shown this once; change it after signing in\): (\S+)/.exec(demo.output());
    if (!match) throw new Error(`no generated first password in the banner:\n${demo.output()}`);
    firstPassword = match[1]!;
  }, STARTUP_MS + 30_000);
  afterAll(async () => {
    await demo?.stop();
  });

  it('prints the generated first password once, warns about non-Secure cookies, and shows no password on the home page', async () => {
    const output = demo.output();
    expect(output.split(firstPassword)).toHaveLength(2);
    expect(output).toMatch(/not https: browsers send the Secure session cookies only over HTTPS/);
    expect(output).not.toContain(BUILT_IN);
    const home = await fetch(`${demo.url}/`);
    const html = await home.text();
    expect(html).not.toContain(firstPassword);
    expect(html).not.toContain(BUILT_IN);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    // Nothing was seeded: the logins offered are the first accounts, not the published demo ones.
    expect(html).toContain('as <code>admin@blog.example.test</code>');
    expect(html).not.toContain('as <code>grace@example.test</code>');
  });

  it('refuses the built-in password on every login, for seeded and first accounts alike', async () => {
    for (const app of Object.keys(APPS) as AppName[]) {
      for (const user of new Set([APPS[app].admin, APPS[app].seeded])) {
        const client = new Client(demo.url);
        expect((await signIn(client, app, user, BUILT_IN)).status, `${app} ${user}`).toBe(401);
        expect((await client.get(APPS[app].home)).status, `${app} stays signed out`).toBe(303);
      }
    }
    const basic = (user: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${BUILT_IN}`).toString('base64')}`,
    });
    expect((await fetch(`${demo.url}/blog/api/me`, { headers: basic(APPS.blog.admin) })).status).toBe(401);
    expect((await fetch(`${demo.url}/lists/api/lists`, { headers: basic('admin') })).status).toBe(401);
  });

  it('signs in with the first password, changes it (old refused), and refuses a session cookie replayed after logout', async () => {
    for (const app of Object.keys(APPS) as AppName[]) {
      const spec = APPS[app];
      const client = new Client(demo.url);
      expect((await signIn(client, app, spec.admin, firstPassword)).status, `${app} first password`).toBe(303);
      expect((await client.get(spec.home)).status, `${app} signed in`).toBe(200);

      const newPassword = `${app} changed password 2026`;
      const token = await client.csrf(spec.password);
      expect(
        (await client.form(spec.password, { _csrf: token, current: firstPassword, next: BUILT_IN, confirm: BUILT_IN }))
          .status,
      ).toBe(400);
      const changed = await client.form(spec.password, {
        _csrf: token,
        current: firstPassword,
        next: newPassword,
        confirm: newPassword,
      });
      expect(changed.status, `${app} change`).toBe(303);
      expect((await signIn(new Client(demo.url), app, spec.admin, firstPassword)).status, `${app} old password`).toBe(
        401,
      );
      const again = new Client(demo.url);
      expect((await signIn(again, app, spec.admin, newPassword)).status, `${app} new password`).toBe(303);

      const stolen = again.cookie;
      const [page, field] = spec.logoutToken;
      const logoutToken = await again.csrf(page, field);
      expect((await again.form(`/${app}/logout`, { [field]: logoutToken })).status, `${app} logout`).toBe(303);
      const replayed = await fetch(`${demo.url}${spec.home}`, { redirect: 'manual', headers: { cookie: stolen } });
      expect(replayed.status, `${app} replayed cookie`).toBe(303);
    }
  });

  it('throttles 30 rapid wrong guesses (429 with Retry-After) while a signed webhook post still answers promptly', async () => {
    const guesses = Array.from({ length: 30 }, (_, i) =>
      signIn(new Client(demo.url), 'blog', APPS.blog.admin, `wrong guess number ${i}`),
    );
    const started = performance.now();
    const webhook = await fetch(
      inboundRequest(
        { to: 'support@support.example.test', subject: 'During a guessing burst', text: 'still here' },
        { url: `${demo.url}/webhooks/sendgrid/parse`, sign: PARSE_KEYS },
      ),
    );
    const webhookMs = performance.now() - started;
    const answers = await Promise.all(guesses);
    const statuses = answers.map((r) => r.status);
    expect(webhook.status).toBe(200);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25);
    const throttled = answers.find((r) => r.status === 429)!;
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // The account stays locked for this address even with the right password.
    const locked = await signIn(new Client(demo.url), 'blog', APPS.blog.admin, 'blog changed password 2026');
    expect(locked.status).toBe(429);
    recordFigures({
      scenario: 'defaults: 30 wrong guesses + 1 webhook post',
      sent: 1,
      ok2xx: webhook.status === 200 ? 1 : 0,
      stored: 1,
      processed: 1,
      lost: 0,
      duplicates: 0,
      webhookMs: Math.round(webhookMs),
      throttled429: statuses.filter((s) => s === 429).length,
    });
    // Password hashing takes at most 2 of the 4 thread-pool threads, and throttled guesses never hash.
    expect(webhookMs).toBeLessThan(3000);
  });
});

/** A Basic-auth GET from a chosen loopback source address (127.0.0.2 is another client to the server). */
function basicGet(
  url: string,
  user: string,
  password: string,
  localAddress = '127.0.0.1',
): Promise<{ status: number; retryAfter: string | null }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        localAddress,
        agent: false,
        headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            retryAfter: (response.headers['retry-after'] as string | undefined) ?? null,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('production first password from MAILROOM_ADMIN_PASSWORD, console behind CONSOLE_PASSWORD', () => {
  let demo: Demo;
  const password = 'an operator chosen password';
  const consolePassword = 'the console password 2026';
  beforeAll(async () => {
    demo = await startProductionDemo({
      MAILROOM_ADMIN_PASSWORD: password,
      CONSOLE_USER: 'ops',
      CONSOLE_PASSWORD: consolePassword,
    });
  }, STARTUP_MS + 30_000);
  afterAll(async () => {
    await demo?.stop();
  });

  it('creates the first accounts with it, never prints it, and refuses a built-in one at start', async () => {
    expect(demo.output()).toContain('First accounts created with the password from MAILROOM_ADMIN_PASSWORD');
    expect(demo.output()).not.toContain(password);
    expect((await signIn(new Client(demo.url), 'support', APPS.support.admin, password)).status).toBe(303);
    expect((await signIn(new Client(demo.url), 'lists', 'admin', password)).status).toBe(303);
  });

  it('throttles 30 parallel wrong console guesses (429 with Retry-After); the right password from another address still works', async () => {
    const inbox = `${demo.url}/console/inbox`;
    expect((await basicGet(inbox, 'ops', consolePassword)).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => basicGet(inbox, 'ops', `console guess ${i}`)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25);
    expect(Number(answers.find((a) => a.status === 429)!.retryAfter)).toBeGreaterThan(0);
    // The guessing address is locked out even with the right password; another client is not.
    expect((await basicGet(inbox, 'ops', consolePassword)).status).toBe(429);
    expect((await basicGet(inbox, 'ops', consolePassword, '127.0.0.2')).status).toBe(200);
    // The user name counts too: the right password under another name is refused.
    expect((await basicGet(inbox, 'admin', consolePassword, '127.0.0.3')).status).toBe(401);
    recordFigures({
      scenario: 'defaults: 30 parallel console guesses',
      sent: 30,
      ok2xx: 0,
      stored: 0,
      processed: 0,
      lost: 0,
      duplicates: 0,
      throttled429: statuses.filter((s) => s === 429).length,
    });
  });
});

describe('production refuses a published or short CONSOLE_PASSWORD at start', () => {
  it('exits with code 2 and the reason, without a stack trace', async () => {
    for (const [consolePassword, reason] of [
      [BUILT_IN, 'CONSOLE_PASSWORD: that password is published'],
      ['let-me-in', 'CONSOLE_PASSWORD: passwords need at least 12 characters'],
    ] as const) {
      const failure = (await startProductionDemo({ CONSOLE_PASSWORD: consolePassword }).then(
        async (demo) => {
          await demo.stop();
          return null;
        },
        (error: { exitCode?: number; output?: string }) => error,
      ))!;
      expect(failure, consolePassword).not.toBeNull();
      expect(failure.exitCode).toBe(2);
      expect(failure.output).toContain(reason);
      expect(failure.output).not.toMatch(/\n\s+at /);
    }
  });
});
