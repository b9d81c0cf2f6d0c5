import type { Command } from '../command.js';
import { inspect } from './inspect.js';

/** Every `mailroom` subcommand. Adding one: write `commands/<name>.ts` exporting a Command, list it here. */
export const commands: Command[] = [inspect];
