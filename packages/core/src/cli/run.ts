import { IngressConfigurationError, IngressError } from '../ingress/index.js';
import { isConfigurationError } from '../mailroom/errors.js';
import { UsageError, type CliIO, type Command } from './command.js';
import { commands as builtInCommands } from './commands/index.js';

/**
 * Runs `mailroom ARGV…` and returns the exit code. Never throws and never prints a stack:
 * usage and configuration problems (a bad key, a database URL naming nothing usable) exit 2, rejected or
 * unreadable input exits 1, each with one line on stderr.
 */
export async function run(argv: string[], io: CliIO, commands: readonly Command[] = builtInCommands): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    if (first === 'help' && rest.length) {
      const found = findCommand(rest, commands);
      if (!found) return usageFailure(io, `unknown command "${rest.join(' ')}"`);
      io.stdout.write(`${found.command.usage}\n`);
      return 0;
    }
    // Bare `mailroom` is a usage error: the overview goes to stderr with exit 2.
    (first === undefined ? io.stderr : io.stdout).write(overview(commands));
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write('mailroom (@mailroom/core)\n');
    return 0;
  }

  const found = findCommand(argv, commands);
  if (!found) return usageFailure(io, `unknown command "${first}"`);
  const { command, args } = found;
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      return usageFailure(io, (error as Error).message, command.name);
    }
    if (isConfigurationError(error)) {
      io.stderr.write(`mailroom ${command.name}: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`mailroom ${command.name}: ${describe(error)}\n`);
    return 1;
  }
}

/** The longest command name whose words start argv (so `inbox list` beats `inbox`). */
function findCommand(argv: string[], commands: readonly Command[]): { command: Command; args: string[] } | undefined {
  let best: { command: Command; args: string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, args: argv.slice(words.length) };
    }
  }
  return best;
}

function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: mailroom <command> [options]\n\nCommands:\n${lines.join('\n')}\n  ${'help'.padEnd(width)}  show this overview, or "mailroom help <command>"\n\nRun "mailroom <command> --help" for a command's options.\n`;
}

function usageFailure(io: CliIO, message: string, commandName?: string): number {
  const help = commandName ? `mailroom ${commandName} --help` : 'mailroom help';
  io.stderr.write(`mailroom${commandName ? ` ${commandName}` : ''}: ${message} (see "${help}")\n`);
  return 2;
}

function isParseArgsError(error: unknown): boolean {
  return (
    typeof (error as { code?: unknown })?.code === 'string' &&
    (error as { code: string }).code.startsWith('ERR_PARSE_ARGS')
  );
}

/** One line, no stack: the reason a user can act on. */
function describe(error: unknown): string {
  if (error instanceof IngressError) return `${error.message} (${error.status} ${error.code})`;
  if (error instanceof IngressConfigurationError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] || 'failed';
}
