import { parseArgs } from 'node:util';
import { whyNotReplayable } from '../../inbox/index.js';
import { UsageError, type Command } from '../command.js';
import { parseStatuses } from './inbox.js';
import { openCliStore } from './migrate.js';

export const replay: Command = {
  name: 'replay',
  summary: 'put inbound emails back to pending so the running worker processes them again',
  usage: `mailroom replay ID [ID...] [--route NAME]
mailroom replay --status STATUS[,STATUS] [--route NAME]

Resets the emails to pending (attempts 0); the app's worker processes them on its next poll.
Emails being processed right now and incinerated emails (bytes removed) are skipped.

Options:
  --status S[,S]  every email with these statuses (e.g. failed, unrouted)
  --route NAME    reroute: process with this route instead of matching again
  -h, --help      show this help

Exit status: 0 at least one email replayed, 1 none matched, 2 wrong arguments.`,

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { status: { type: 'string' }, route: { type: 'string' } },
      allowPositionals: true,
    });
    const statuses = parseStatuses(values.status);
    if (statuses && positionals.length) throw new UsageError('give IDs or --status, not both');
    if (!statuses && !positionals.length) throw new UsageError('missing ID or --status');
    if (values.route !== undefined && !values.route.trim()) throw new UsageError('--route needs a route name');
    const options = values.route ? { route: values.route } : {};
    const store = await openCliStore(io);
    try {
      let replayed = 0;
      for (const id of positionals) {
        const count = await store.inbox.replay(id, options);
        if (count === 0) io.stderr.write(`skipped ${id}: ${whyNotReplayable(await store.inbox.get(id))}\n`);
        replayed += count;
      }
      for (const status of statuses ?? []) replayed += await store.inbox.replay({ status }, options);
      const target = values.route ? ` to route "${values.route}"` : '';
      io.stdout.write(`replayed ${replayed} inbound email${replayed === 1 ? '' : 's'}${target}\n`);
      return replayed > 0 ? 0 : 1;
    } finally {
      await store.close();
    }
  },
};
