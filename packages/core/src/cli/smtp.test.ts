/**
 * `mailroom smtp` as a real child process (the sources through tsx): listens, stores a message sent over SMTP,
 * exits 0 on SIGTERM; wrong arguments are one line and exit 2.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mimeMessage, smtpClient } from '../ingress/smtp/test-support.js';
import { cliStoreEnv, expectOneLineReason, runCli, withCliStore } from './test-support.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('mailroom smtp', () => {
  it('refuses to start without --domain, or with a domain that is none, in one line with exit 2', async () => {
    const missing = await runCli(['smtp', '--hostname', 'mx.example.com']);
    expect(missing.code).toBe(2);
    expectOneLineReason(missing, /^mailroom smtp: missing --domain/);
    const half = await runCli(['smtp', '--domain', 'example.com', '--tls-key', 'key.pem']);
    expect(half.code).toBe(2);
    expectOneLineReason(half, /--tls-key and --tls-cert go together/);
    // Checked before the database is opened (none is named here).
    const notADomain = await runCli(['smtp', '--domain', 'exa mple.com'], { env: {} });
    expect(notADomain.code).toBe(2);
    expectOneLineReason(notADomain, /^mailroom smtp: "exa mple.com" is not a domain name/);
    const badPort = await runCli(['smtp', '--domain', 'example.com', '--port', '70000'], { env: {} });
    expect(badPort.code).toBe(2);
    expectOneLineReason(badPort, /--port must be a whole number/);
  });

  it('receives a message into the inbox as a child process and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const { env, cleanup } = await cliStoreEnv('mailroom-smtp-cli-');
    try {
      const { DATABASE_URL: _ignored, ...parentEnv } = process.env;
      const child = spawn(
        process.execPath,
        ['--conditions=@mailroom/source', '--import', 'tsx', MAIN, 'smtp'].concat([
          '--port',
          '0',
          '--host',
          '127.0.0.1',
          '--hostname',
          'mx.example.com',
          '--domain',
          'example.com',
        ]),
        { cwd: REPO_ROOT, env: { ...parentEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const listening = await new Promise<{ port: number; role: string; domains: string[] }>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          output += chunk;
          const line = output.split('\n').find((text) => text.includes('"event":"smtp.listening"'));
          if (line) resolve(JSON.parse(line));
        });
        void exited.then((code) => reject(new Error(`mailroom smtp exited (${code}) before listening:\n${output}`)));
      });
      expect(listening).toMatchObject({ role: 'receiver', domains: ['example.com'] });
      try {
        const info = await smtpClient(listening.port).sendMail({
          envelope: { from: 'ann@sender.example.net', to: ['team@example.com'] },
          raw: mimeMessage('Through the CLI'),
        });
        expect(info.response).toMatch(/^250 /);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      const rows = await withCliStore(env, (store) => store.inbox.list({}));
      expect(rows).toMatchObject([{ subject: 'Through the CLI', envelopeTo: ['team@example.com'], status: 'pending' }]);
    } finally {
      await cleanup();
    }
  });
});
