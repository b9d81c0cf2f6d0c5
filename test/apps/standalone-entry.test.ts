/**
 * Each sample app's `server.ts`, started as Node's script from a checkout whose path holds a space, listens, answers
 * /healthz and stops on SIGTERM with exit 0. (The old entry check compared `file://${argv[1]}` with
 * `import.meta.url`, where the space is `%20`: the process exited at once without serving; and the migrations folder
 * from `new URL(…).pathname` kept the `%20`.) The app is copied under the repository's `node_modules/.cache`, so its
 * packages resolve as they do in place; the sources run through tsx, like the reliability children.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'a secret of at least thirty-two characters!';
const APPS: Record<string, Record<string, string>> = {
  blog: { BLOG_DOMAIN: 'blog.example.com', BLOG_SECRET: SECRET },
  lists: { LISTS_SECRET: SECRET },
  support: { SUPPORT_DOMAIN: 'support.example.com', SUPPORT_SECRET: SECRET },
  avatars: { AVATARS_SESSION_SECRET: SECRET, HOST: '127.0.0.1' },
};

let checkout: string;
let dataRoot: string;

beforeAll(async () => {
  const cache = join(REPO_ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  checkout = join(await mkdtemp(join(cache, 'entry-')), 'mail room');
  dataRoot = await mkdtemp(join(tmpdir(), 'entry-data-'));
  for (const app of Object.keys(APPS)) {
    for (const part of ['src', 'drizzle', 'package.json'])
      await cp(join(REPO_ROOT, 'apps', app, part), join(checkout, app, part), { recursive: true });
  }
});

afterAll(async () => {
  await rm(join(checkout, '..'), { recursive: true, force: true });
  await rm(dataRoot, { recursive: true, force: true });
});

describe.each(Object.keys(APPS))('%s server.ts from a path with a space', (app) => {
  it('starts as the entry script, serves /healthz and exits 0 on SIGTERM', { timeout: 120_000 }, async () => {
    const script = join(checkout, app, 'src', 'server.ts');
    expect(script).toContain(' ');
    const { DATABASE_URL: _ignored, NODE_ENV: _env, ...parentEnv } = process.env;
    const child = spawn(process.execPath, ['--conditions=@mailroom/source', '--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env: { ...parentEnv, ...APPS[app], PORT: '0', MAILROOM_INSECURE: '1', MAILROOM_DATA_DIR: join(dataRoot, app) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const line = output.split('\n').find((text) => text.includes(`"event":"${app}.listening"`));
        if (line) resolve((JSON.parse(line) as { port: number }).port);
      });
      void exited.then((code) => reject(new Error(`${app} exited (${code}) before listening:\n${output}`)));
    });
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
