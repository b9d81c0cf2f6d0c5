import { parseArgs } from 'node:util';
import {
  createSignaturePolicy,
  getSecurityPolicy,
  listEventWebhooks,
  listParseSettings,
  saveParseSetting,
  sendgridApiFromEnv,
  SendGridApiError,
  SUPPRESSION_LISTS,
  syncSuppressionList,
  type SuppressionList,
} from '../../sendgrid-api/index.js';
import { UsageError, type Command } from '../command.js';
import { openCliStore } from './migrate.js';

const ENV_HELP = `Environment:
  SENDGRID_API_KEY   a SendGrid API key (Bearer) with the scopes named below
  SENDGRID_API_BASE  default https://api.sendgrid.com (https://api.eu.sendgrid.com for EU subusers)`;

export const sendgridSetup: Command = {
  name: 'sendgrid setup',
  summary: 'create or update the Inbound Parse setting and its signature policy; print the public key',
  usage: `mailroom sendgrid setup --hostname HOST --url URL [--raw] [--spam-check] [--basic USER:PASSWORD]

Creates the Inbound Parse setting for HOST (or updates it when HOST has one) to POST to URL, signed
by a webhook security policy (its existing signature policy is kept, else a new one is created), then
prints the public key to set as SENDGRID_PARSE_PUBLIC_KEY. HOST must be a domain authenticated in
SendGrid with its MX record pointing at mx.sendgrid.net.

Options:
  --hostname HOST        the receiving domain, e.g. parse.example.com
  --url URL              https URL of the webhook, e.g. https://app.example.com/webhooks/sendgrid/parse
  --raw                  post the raw, full MIME message (send_raw)
  --spam-check           let SendGrid add spam_score / spam_report (spam_check)
  --basic USER:PASSWORD  also require basic auth (put into the URL SendGrid posts to)
  -h, --help             show this help

Scopes: user.webhooks.parse.settings.read/.create/.update, user.webhooks.security.policies.read/.create.
${ENV_HELP}

Exit status: 0 done, 1 SendGrid refused the change, 2 wrong arguments, missing key or scope.`,

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        hostname: { type: 'string' },
        url: { type: 'string' },
        raw: { type: 'boolean' },
        'spam-check': { type: 'boolean' },
        basic: { type: 'string' },
      },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const hostname = checkHostname(values.hostname);
    const url = webhookUrl(values.url, values.basic);
    const api = sendgridApiFromEnv(io.env ?? process.env);
    const existing = (await listParseSettings(api)).find((s) => s.hostname.toLowerCase() === hostname);
    const kept = existing?.securityPolicy ? await getSecurityPolicy(api, existing.securityPolicy) : null;
    const policy = kept?.publicKey ? kept : await createSignaturePolicy(api, `mailroom ${hostname}`);
    if (!policy.publicKey)
      throw new SendGridApiError(`security policy ${policy.id} carries no signature.public_key`, null);
    const input = {
      hostname,
      url: url.href,
      spamCheck: values['spam-check'] ?? false,
      sendRaw: values.raw ?? false,
      securityPolicy: policy.id,
    };
    const saved = await saveParseSetting(api, input, existing !== undefined);
    io.stdout.write(
      `${existing ? 'updated' : 'created'} Inbound Parse setting ${hostname} → ${redactUrl(saved.url || url.href)} (raw ${yesNo(saved.sendRaw)}, spam check ${yesNo(saved.spamCheck)})\n`,
    );
    io.stdout.write(`signature policy ${policy.id} (${policy === kept ? 'kept' : 'created'})\n\n`);
    io.stdout.write(`Set this in the app's environment:\nSENDGRID_PARSE_PUBLIC_KEY=${policy.publicKey}\n`);
    if (url.username)
      io.stdout.write(`SENDGRID_PARSE_BASIC=${decodeURIComponent(url.username)}:<the password given to --basic>\n`);
    return 0;
  },
};

export const sendgridStatus: Command = {
  name: 'sendgrid status',
  summary: 'list the Inbound Parse settings and Event Webhook settings of the SendGrid account',
  usage: `mailroom sendgrid status

Lists every Inbound Parse setting (hostname, URL, raw, spam check, security policy) and every Event
Webhook (id, enabled, URL, signed, event types). Passwords in URLs are not printed.

Scopes: user.webhooks.parse.settings.read, user.webhooks.event.settings.read.
${ENV_HELP}`,

  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const api = sendgridApiFromEnv(io.env ?? process.env);
    const parse = await listParseSettings(api);
    const events = await listEventWebhooks(api);
    io.stdout.write(`Inbound Parse settings (${parse.length}):\n`);
    for (const s of parse) {
      io.stdout.write(
        `  ${s.hostname} → ${redactUrl(s.url)}  raw ${yesNo(s.sendRaw)}, spam check ${yesNo(s.spamCheck)}, security policy ${s.securityPolicy ?? 'none'}\n`,
      );
    }
    const max = events.maxAllowed === null ? '' : `, at most ${events.maxAllowed} enabled`;
    io.stdout.write(`Event Webhooks (${events.webhooks.length}${max}):\n`);
    for (const w of events.webhooks) {
      const name = w.friendlyName ? ` "${w.friendlyName}"` : '';
      io.stdout.write(
        `  ${w.id ?? '(no id)'}${name} ${w.enabled ? 'enabled' : 'disabled'} → ${redactUrl(w.url ?? '')}  signed ${yesNo(w.signed)}, events: ${w.events.join(', ') || 'none'}\n`,
      );
    }
    return 0;
  },
};

export const sendgridSuppressionsSync: Command = {
  name: 'sendgrid suppressions sync',
  summary: "pull bounces, blocks, spam reports and unsubscribes into the events the apps' handlers read",
  usage: `mailroom sendgrid suppressions sync [--list L[,L]] [--since DATE] [--page-size N]

Pulls SendGrid's suppression lists (all pages) and stores each entry as the Event Webhook event it
stands for: bounces → bounce, blocks → bounce (type blocked), spam_reports → spamreport,
unsubscribes → unsubscribe (custom arg mailroom_suppression names the list). Event ids are derived
from list, address and time, so a second sync stores nothing new. The app's events.on(…) handlers
process the stored events on their next poll, as webhook events. Writes to DATABASE_URL, else to
PGlite in MAILROOM_DATA_DIR (default .mailroom).

Options:
  --list L[,L]     only these lists (${SUPPRESSION_LISTS.join(', ')})
  --since DATE     only entries created at or after DATE (ISO 8601)
  --page-size N    entries per request, 1-500 (default 500)
  -h, --help       show this help

Scopes: suppression.bounces.read, suppression.blocks.read, suppression.spam_reports.read,
suppression.unsubscribes.read.
${ENV_HELP}`,

  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { list: { type: 'string' }, since: { type: 'string' }, 'page-size': { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const lists = parseLists(values.list);
    const since = values.since === undefined ? undefined : parseSince(values.since);
    const limit = values['page-size'] === undefined ? 500 : Number(values['page-size']);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--page-size takes 1 to 500');
    const api = sendgridApiFromEnv(io.env ?? process.env);
    const store = await openCliStore(io);
    try {
      let stored = 0;
      for (const list of lists) {
        const result = await syncSuppressionList(api, store, list, since ? { since, limit } : { limit });
        const skipped = result.skipped ? `, ${result.skipped} without an address skipped` : '';
        io.stdout.write(
          `${list}: ${result.fetched} listed in ${result.pages} page${result.pages === 1 ? '' : 's'}, ${result.stored} new${skipped}\n`,
        );
        stored += result.stored;
      }
      io.stdout.write(`stored ${stored} new event${stored === 1 ? '' : 's'}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

function checkHostname(value: string | undefined): string {
  if (!value) throw new UsageError('missing --hostname');
  const hostname = value.trim().toLowerCase().replace(/\.$/, '');
  const labels = hostname.split('.');
  const valid =
    hostname.length <= 253 &&
    labels.length >= 2 &&
    labels.every((l) => /^[a-z0-9-]{1,63}$/.test(l) && !l.startsWith('-') && !l.endsWith('-'));
  if (!valid) throw new UsageError(`--hostname "${value}" is not a domain name`);
  return hostname;
}

function webhookUrl(value: string | undefined, basic: string | undefined): URL {
  if (!value) throw new UsageError('missing --url');
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || url.protocol !== 'https:')
    throw new UsageError('--url must be an https URL (SendGrid posts every email to it)');
  if (basic !== undefined) {
    const colon = basic.indexOf(':');
    if (colon < 1 || colon === basic.length - 1) throw new UsageError('--basic must be USER:PASSWORD');
    if (url.username || url.password) throw new UsageError('give credentials in --url or --basic, not both');
    url.username = encodeURIComponent(basic.slice(0, colon));
    url.password = encodeURIComponent(basic.slice(colon + 1));
  }
  return url;
}

function parseLists(value: string | undefined): SuppressionList[] {
  if (value === undefined) return [...SUPPRESSION_LISTS];
  const known = new Set<string>(SUPPRESSION_LISTS);
  const lists = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = lists.find((l) => !known.has(l));
  if (unknown !== undefined || !lists.length)
    throw new UsageError(`--list takes ${SUPPRESSION_LISTS.join(', ')}${unknown ? `, not "${unknown}"` : ''}`);
  return lists as SuppressionList[];
}

function parseSince(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--since "${value}" is not a date`);
  return date;
}

/** A URL as printed: any password replaced, so no secret reaches a terminal or a log. */
function redactUrl(value: string): string {
  if (!URL.canParse(value)) return value;
  const url = new URL(value);
  if (url.password) url.password = '***';
  return url.href;
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export const sendgridCommands: Command[] = [sendgridSetup, sendgridStatus, sendgridSuppressionsSync];
