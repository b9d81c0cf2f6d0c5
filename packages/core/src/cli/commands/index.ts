import type { Command } from '../command.js';
import { inspect } from './inspect.js';
import { inboxList } from './inbox.js';
import { incinerate } from './incinerate.js';
import { migrate } from './migrate.js';
import { relay } from './relay.js';
import { replay } from './replay.js';
import { sendgridCommands } from './sendgrid.js';
import { smtp } from './smtp.js';

/** Every `mailroom` subcommand. Adding one: write `commands/<name>.ts` exporting a Command, list it here. */
export const commands: Command[] = [inspect, migrate, inboxList, replay, incinerate, ...sendgridCommands, relay, smtp];
