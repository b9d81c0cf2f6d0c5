import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AppMigrationsOptions {
  /** The app's PostgreSQL schema (`blog`): the only one drizzle-kit compares. */
  schema: string;
  /** Where core's `store.migrate` records this app's applied migrations (default: drizzle's own table). */
  migrations?: { table: string; schema: string };
}

/**
 * An app's drizzle-kit settings from its `drizzle.config.ts` (`defineConfig(appMigrationsConfig(import.meta.url, …))`):
 * `src/db/schema.ts` in, `drizzle/` out, beside that file. The paths are relative to the working directory because
 * drizzle-kit reads the existing snapshots relative to it (an absolute path became `.//abs/…`).
 */
export function appMigrationsConfig(configUrl: string, options: AppMigrationsOptions) {
  const here = relative(process.cwd(), fileURLToPath(new URL('.', configUrl))) || '.';
  return {
    dialect: 'postgresql' as const,
    schema: `${here}/src/db/schema.ts`,
    out: `${here}/drizzle`,
    schemaFilter: [options.schema],
    ...(options.migrations ? { migrations: options.migrations } : {}),
  };
}
