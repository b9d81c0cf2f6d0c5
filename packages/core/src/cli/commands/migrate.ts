import { parseArgs } from 'node:util';
import { coreMigrationSets, openStore, silentLogger, type Store } from '../../inbox/index.js';
import { UsageError, type CliIO, type Command } from '../command.js';

/** Opens the store the way the server does: DATABASE_URL, else PGlite under MAILROOM_DATA_DIR (or .mailroom). */
export async function openCliStore(io: CliIO, options: { migrate?: boolean } = {}): Promise<Store> {
  const env = io.env ?? process.env;
  // Commands print their own results; event lines would mix into stdout.
  return openStore({
    databaseUrl: env.DATABASE_URL ?? '',
    dataDir: env.MAILROOM_DATA_DIR,
    migrate: options.migrate ?? true,
    logger: silentLogger,
  });
}

/** Where the CLI is pointed, for messages (no credentials). */
export function describeTarget(io: CliIO): string {
  const env = io.env ?? process.env;
  if (env.DATABASE_URL) {
    const url = new URL(env.DATABASE_URL);
    return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  }
  return `PGlite in ${env.MAILROOM_DATA_DIR ?? '.mailroom'}/pglite`;
}

export const migrate: Command = {
  name: 'migrate',
  summary: 'apply the database migrations (inbox, outbound, events) and print what was applied',
  usage: `mailroom migrate [--dry-run]

Applies the core migration sets to DATABASE_URL (PostgreSQL) or, when unset, to PGlite in
MAILROOM_DATA_DIR (default .mailroom). Prints one line per applied migration. Safe to run
while other instances start: PostgreSQL migrations are serialised with an advisory lock.

Options:
  --dry-run   list the migrations that would be applied, apply nothing
  -h, --help  show this help`,

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { 'dry-run': { type: 'boolean' } },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const store = await openCliStore(io, { migrate: false });
    try {
      let count = 0;
      for (const set of coreMigrationSets) {
        const tags = values['dry-run'] ? await store.pendingMigrations(set) : await store.migrate(set);
        for (const tag of tags) io.stdout.write(`${values['dry-run'] ? 'pending' : 'applied'} ${set.name}/${tag}\n`);
        count += tags.length;
      }
      if (count === 0) io.stdout.write(`nothing to apply: ${describeTarget(io)} is up to date\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
