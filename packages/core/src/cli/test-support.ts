import { run, type CliIO, type Command } from './index.js';

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with its output captured; stdin yields `stdin`'s chunks. */
export async function runCli(argv: string[], options: { stdin?: Buffer[]; commands?: Command[]; env?: CliIO['env'] } = {}): Promise<CliOutcome> {
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
