import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inboundRequest } from '@mailroom/core/testing';

const SERVER = resolve('apps/demo/dist/server.js');
// The built server imports the built core and apps: all of them must be there.
const BUILT = [
  SERVER,
  ...['packages/core', 'apps/blog', 'apps/lists', 'apps/support', 'apps/avatars'].map((dir) =>
    resolve(dir, 'dist/index.js'),
  ),
];
const hasDist = BUILT.every((file) => existsSync(file));

// `npm start` runs the build and then this file; CI builds first, so there a missing build is a failure.
describe.runIf(hasDist || !!process.env.CI)('fresh start: node apps/demo/dist/server.js on an empty data dir', () => {
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'serves / and accepts a webhook post within 30 seconds, then stops cleanly on SIGTERM',
    { timeout: 45_000 },
    async () => {
      if (!hasDist)
        throw new Error(
          `missing build output (${BUILT.filter((f) => !existsSync(f)).join(', ')}): run npm run build first`,
        );
      dataDir = await mkdtemp(join(tmpdir(), 'mailroom-fresh-'));
      const started = Date.now();
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', MAILROOM_DATA_DIR: dataDir, NODE_ENV: 'development' };
      for (const name of [
        'DATABASE_URL',
        'SENDGRID_PARSE_PUBLIC_KEY',
        'SENDGRID_PARSE_BASIC',
        'SENDGRID_PARSE_BASIC_AUTH',
        'SENDGRID_EVENTS_PUBLIC_KEY',
        'SENDGRID_API_KEY',
      ])
        delete env[name];
      child = spawn(process.execPath, [SERVER], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

      const url = await new Promise<string>((found, failed) => {
        const timer = setTimeout(() => failed(new Error(`no banner within 30 s:\n${output}`)), 30_000);
        const look = () => {
          const match = /Mailroom demo on (http:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            found(match[1]!.replace('localhost', '127.0.0.1'));
          }
        };
        child!.stdout!.on('data', look);
        child!.once('exit', (code) => failed(new Error(`the server exited with ${code}:\n${output}`)));
      });
      expect(output).toContain('WARNING: the Parse Webhook accepts unauthenticated posts');

      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('support@support.example.test');
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        checks: { database: { ok: true }, migrations: { ok: true }, worker: { ok: true } },
      });
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      const posted = await fetch(
        inboundRequest(
          { to: 'support@support.example.test', subject: 'Fresh start' },
          { url: `${url}/webhooks/sendgrid/parse` },
        ),
      );
      expect(posted.status).toBe(200);
      expect(((await posted.json()) as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^mailroom_webhook_posts_total\{status="200",reason="stored"\} 1$/m);
      expect(metrics).toMatch(/^mailroom_inbound_events_total\{event="received"\} 1$/m);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(existsSync(join(dataDir, 'dev-keys.json'))).toBe(true);

      const exited = new Promise<number | null>((done) => child!.once('exit', done));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
  );
});

/** Runs the built demo with `env` to its exit: code and what it printed. */
function runToExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const started = spawn(process.execPath, [SERVER], {
      env: { ...process.env, PORT: '0', NODE_ENV: 'development', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    started.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    started.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe.runIf(hasDist || !!process.env.CI)('configuration errors at start: one line, exit 2', () => {
  it(
    'an unreachable DATABASE_URL names the server and the cause, never the password',
    { timeout: 90_000 },
    async () => {
      const outcome = await runToExit({ DATABASE_URL: 'postgres://postgres:hunter2-secret@127.0.0.1:1/mailroom' });
      expect(outcome.code).toBe(2);
      expect(outcome.stderr.trim().split('\n')).toEqual([
        'mailroom demo: cannot open PostgreSQL at 127.0.0.1:1/mailroom: connection refused',
      ]);
      expect(outcome.stderr + outcome.stdout).not.toContain('hunter2-secret');
    },
  );

  it('a malformed SendGrid key is named, without a stack trace', { timeout: 90_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mailroom-badkey-'));
    try {
      const outcome = await runToExit({
        DATABASE_URL: '',
        MAILROOM_DATA_DIR: dataDir,
        SENDGRID_PARSE_PUBLIC_KEY: 'not-a-key',
      });
      expect(outcome.code).toBe(2);
      const lines = outcome.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/invalid SendGrid public key/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
