import { isConfigurationError } from './errors.js';

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
 * if (import.meta.url === `file://${process.argv[1]}`) runMain(main);
 * ```
 */
export function runMain(main: () => Promise<RunningMain>, options: RunMainOptions = {}): Promise<void> {
  const proc = options.process ?? process;
  const print = options.report ?? ((message: unknown) => console.error(message));
  const report = (message: unknown) =>
    print(options.label ? `${options.label}: ${typeof message === 'string' ? message : ((message as Error)?.stack ?? String(message))}` : message);
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
