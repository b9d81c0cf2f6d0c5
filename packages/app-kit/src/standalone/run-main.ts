import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isConfigurationError } from '@mailroom/core';

/** What a standalone server's `main()` resolves to: something that can be closed on a signal. */
export interface RunningMain {
  close(): Promise<void>;
}

export interface RunMainOptions {
  /** Default `process`: where signals are awaited and the exit code is set. */
  process?: Pick<NodeJS.Process, 'once' | 'exit'>;
  /** Default `console.error`. */
  report?: (message: unknown) => void;
  /** Prefixes what is reported (`mailroom demo: PORT must be a port number`). */
  label?: string;
}

/**
 * Runs a standalone server's `main()` the way every Mailroom app does: SIGINT/SIGTERM close it and exit 0;
 * a configuration mistake (`isConfigurationError`: MailroomConfigurationError or a subclass such as an app's EnvError,
 * a bad SendGrid key, a database URL that names nothing usable) prints only its message and exits 2 — no stack
 * trace for a missing variable; any other failure prints the error and exits 1.
 *
 * @example
 * ```ts
 * export async function main(env = process.env) { … return { port, close } }
 * runIfEntry(import.meta.url, () => main(), { label: 'blog' }); // or runMain(main) where you decide yourself
 * ```
 */
export function runMain(main: () => Promise<RunningMain>, options: RunMainOptions = {}): Promise<void> {
  const proc = options.process ?? process;
  const print = options.report ?? ((message: unknown) => console.error(message));
  const report = (message: unknown) =>
    print(
      options.label
        ? `${options.label}: ${typeof message === 'string' ? message : ((message as Error)?.stack ?? String(message))}`
        : message,
    );
  return main().then(
    (running) => {
      let stopping = false;
      const stop = () => {
        if (stopping) return; // SIGINT then SIGTERM: close once
        stopping = true;
        void running.close().then(() => proc.exit(0));
      };
      proc.once('SIGINT', stop);
      proc.once('SIGTERM', stop);
    },
    (error: unknown) => {
      const configuration = isConfigurationError(error);
      report(configuration ? error.message : error);
      proc.exit(configuration ? 2 : 1);
    },
  );
}

/**
 * Runs `main` with `runMain` when the module at `moduleUrl` (its `import.meta.url`) is the script Node was started
 * with, and does nothing when it is imported (tests, the demo). Compares real file paths, not URL text: a checkout
 * path with a space (`%20` in the URL) or reached through a symlink still counts as the entry.
 */
export function runIfEntry(
  moduleUrl: string,
  main: () => Promise<RunningMain>,
  options: RunMainOptions & { argv?: readonly string[] } = {},
): Promise<void> | undefined {
  const script = (options.argv ?? process.argv)[1];
  if (!script || realPath(script) !== realPath(fileURLToPath(moduleUrl))) return undefined;
  return runMain(main, options);
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // not on disk (an eval, a loader's virtual module): compare as given
  }
}
