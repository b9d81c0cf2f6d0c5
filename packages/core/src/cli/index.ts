/**
 * The `mailroom` command line. Commands are plain objects; `run` dispatches, prints help and
 * turns every failure into an exit code with a one-line reason.
 *
 * @example
 * ```ts
 * // commands/hello.ts — then add `hello` to the array in commands/index.ts
 * import type { Command } from '../command.js';
 * export const hello: Command = {
 *   name: 'hello', summary: 'say hello', usage: 'mailroom hello NAME',
 *   run: ([name], io) => { io.stdout.write(`hello ${name}\n`); return 0; },
 * };
 * ```
 */
export { run } from './run.js';
export type { Command, CliIO } from './command.js';
export { parseCapturedRequest } from './captured-request.js';
