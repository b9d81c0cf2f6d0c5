import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openStore, silentLogger, type Store } from '../inbox/index.js';
import { createTestDatabase } from '../testing/store.js';
import { run, type CliIO, type Command } from './index.js';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with its output captured; stdin yields `stdin`'s chunks. */
export async function runCli(
  argv: string[],
  options: { stdin?: Buffer[]; commands?: Command[]; env?: CliIO['env'] } = {},
): Promise<CliOutcome> {
  let stdout = '';
  let stderr = '';
  const chunks = options.stdin ?? [];
  const io: CliIO = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: (async function* () {
      yield* chunks;
    })(),
    ...(options.env ? { env: options.env } : {}),
  };
  const code = await run(argv, io, options.commands);
  return { code, stdout, stderr };
}

/** A failure is one line on stderr, with no stack trace. */
export function expectOneLineReason(outcome: { stdout: string; stderr: string }, pattern: RegExp): void {
  expect(outcome.stdout).toBe('');
  expect(outcome.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(outcome.stderr).not.toMatch(/^[ \t]+at /m); // a stack frame line
  expect(outcome.stderr).toMatch(pattern);
}

/**
 * Where the store commands write, as the server reads it: a fresh PostgreSQL database when DATABASE_URL is set,
 * else a PGlite data directory (closed between commands: one process at a time).
 */
export async function cliStoreEnv(
  prefix: string,
): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const database = await createTestDatabase(process.env.DATABASE_URL);
    return { env: { DATABASE_URL: database.url }, cleanup: database.drop };
  }
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { env: { MAILROOM_DATA_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Opens the store those commands wrote to, runs `fn`, closes it. */
export async function withCliStore<T>(env: Record<string, string>, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({
    databaseUrl: env.DATABASE_URL ?? '',
    dataDir: env.MAILROOM_DATA_DIR,
    migrate: false,
    logger: silentLogger,
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
