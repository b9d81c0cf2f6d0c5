/** Where a command reads and writes; the real process in `main.ts`, buffers in tests. */
export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: AsyncIterable<Uint8Array | string>;
  env?: Record<string, string | undefined>;
}

/**
 * One `mailroom` subcommand. `name` may have several words (`inbox list`). `run` returns the
 * exit code; throw UsageError for bad arguments (exit 2) and any other Error for bad input (exit 1).
 */
export interface Command {
  name: string;
  summary: string;
  /** Full help text, starting with the synopsis line(s). */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number> | number;
}

/** Wrong or missing arguments: exit 2 with the message and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
