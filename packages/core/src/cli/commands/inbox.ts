import { parseArgs } from 'node:util';
import { INBOUND_STATUSES, type InboundRecord, type InboundStatus } from '../../inbox/index.js';
import { UsageError, type Command } from '../command.js';
import { openCliStore } from './migrate.js';

export function parseStatuses(value: string | undefined): InboundStatus[] | undefined {
  if (value === undefined) return undefined;
  const statuses = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const status of statuses) {
    if (!(INBOUND_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`unknown status "${status}" (one of ${INBOUND_STATUSES.join(', ')})`);
    }
  }
  return statuses as InboundStatus[];
}

export function parseCount(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
  return Number(value);
}

export const inboxList: Command = {
  name: 'inbox list',
  summary: 'list stored inbound emails, newest first',
  usage: `mailroom inbox list [--status STATUS[,STATUS]] [--search TEXT] [--limit N] [--before ID] [--json]

Lists stored inbound emails from DATABASE_URL or PGlite in MAILROOM_DATA_DIR, newest first.

Options:
  --status S[,S]  only these statuses: ${INBOUND_STATUSES.join(', ')}
  --search TEXT   subject, sender, Message-ID or envelope address contains TEXT
  --limit N       at most N rows (default 50, max 1000)
  --before ID     rows received before the email ID (next page)
  --json          one JSON array of records instead of a table
  -h, --help      show this help`,

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        status: { type: 'string' },
        search: { type: 'string' },
        limit: { type: 'string' },
        before: { type: 'string' },
        json: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const status = parseStatuses(values.status);
    const limit = parseCount(values.limit, '--limit', 50);
    const store = await openCliStore(io);
    try {
      const records = await store.inbox.list({ status, search: values.search, limit, before: values.before });
      if (values.json) io.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      else io.stdout.write(formatTable(records));
      return 0;
    } finally {
      await store.close();
    }
  },
};

function formatTable(records: InboundRecord[]): string {
  if (records.length === 0) return 'no inbound emails\n';
  const header = ['ID', 'STATUS', 'RECEIVED', 'FROM', 'TO', 'ROUTE', 'TRIES', 'SUBJECT'];
  const rows = records.map((r) => [
    r.id,
    r.incineratedAt ? `${r.status}*` : r.status,
    r.receivedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
    clip(r.fromAddress ?? r.envelopeFrom ?? '-', 30),
    clip(r.envelopeTo.join(',') || '-', 30),
    r.route ?? r.forcedRoute ?? '-',
    String(r.attempts),
    clip(r.subject.replace(/\s+/g, ' '), 50),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`;
  const footnote = records.some((r) => r.incineratedAt) ? '* incinerated: bytes removed, row kept\n' : '';
  return line(header) + rows.map(line).join('') + footnote;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
