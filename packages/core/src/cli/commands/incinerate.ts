import { parseArgs } from 'node:util';
import { DEFAULT_RETENTION_DAYS, PROCESSED_STATUSES, type InboundStatus } from '../../inbox/index.js';
import { UsageError, type Command } from '../command.js';
import { parseCount } from './inbox.js';
import { openCliStore } from './migrate.js';

export const incinerate: Command = {
  name: 'incinerate',
  summary: 'delete the stored bytes of emails processed more than N days ago (rows are kept)',
  usage: `mailroom incinerate [--days N] [--keep STATUS=N[,STATUS=N]]

Removes the stored post (bytes and blob) of emails that finished processing (${PROCESSED_STATUSES.join(', ')})
more than N days ago; the row stays, marked incinerated. Failed mail is kept (it would no longer be
replayable) unless you name it: --keep failed=90. Progress goes to stderr.

Options:
  --days N               age in days for every processed status (default ${DEFAULT_RETENTION_DAYS})
  --keep STATUS=N[,...]  a different age for some statuses, e.g. --keep failed=90
  -h, --help             show this help`,

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { days: { type: 'string' }, keep: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const base = parseCount(values.days, '--days', DEFAULT_RETENTION_DAYS);
    const days: Partial<Record<InboundStatus, number>> = Object.fromEntries(
      PROCESSED_STATUSES.filter((s) => s !== 'failed').map((s) => [s, base]),
    );
    for (const pair of values.keep?.split(',').filter(Boolean) ?? []) {
      const [status, value] = pair.split('=');
      if (!status || !(PROCESSED_STATUSES as readonly string[]).includes(status)) {
        throw new UsageError(`--keep: "${status}" is not a processed status (${PROCESSED_STATUSES.join(', ')})`);
      }
      days[status as InboundStatus] = parseCount(value, `--keep ${status}`, base);
    }
    const store = await openCliStore(io);
    try {
      let lastShown = 0;
      const count = await store.inbox.incinerate({
        olderThanDays: days,
        onProgress: (done, total) => {
          if (total > 0 && (done === total || Date.now() - lastShown > 500)) {
            lastShown = Date.now();
            io.stderr.write(`incinerating: ${done}/${total}\n`);
          }
        },
      });
      io.stdout.write(`incinerated ${count} inbound email${count === 1 ? '' : 's'}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
