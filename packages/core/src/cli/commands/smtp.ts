import { readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { parseArgs } from 'node:util';
import { jsonLogger, openStore } from '../../inbox/index.js';
import { createSmtpReceiver, type SmtpDeliveryTarget, type SmtpReceiver } from '../../ingress/index.js';
import { createMailroom, MailroomConfigurationError } from '../../mailroom/index.js';
import { UsageError, type Command } from '../command.js';
import { describeTarget } from './migrate.js';

export const smtp: Command = {
  name: 'smtp',
  summary: 'receive mail over SMTP (your own MX) into the inbox, until SIGTERM',
  usage: `mailroom smtp --domain DOMAIN [--domain DOMAIN]... [--hostname NAME] [--port PORT] [--host ADDRESS]
             [--tls-key FILE --tls-cert FILE] [--max-message-bytes N] [--max-clients N]

Runs an SMTP receiver for DOMAIN(s): each message for one of them is stored in the inbox of
DATABASE_URL (PostgreSQL) or, when unset, PGlite in MAILROOM_DATA_DIR (default .mailroom), and
answered 250 once committed. A receiver only: the app's own processes, on the same database,
route and process the mail. Recipients of other domains are refused (550 5.1.2): never a relay.
Prints one JSON line when listening, then the store's events; SIGTERM or SIGINT lets messages
being received finish, closes the store and exits 0.

Options:
  --domain DOMAIN          a domain to accept mail for (repeat); *.example.com for the names below it
  --hostname NAME          the name to greet with: the MX host name (default this machine's name)
  --port PORT              default 2525 (forward port 25 to it; 0: any free port)
  --host ADDRESS           interface to listen on (default all)
  --tls-key FILE           PEM private key, with --tls-cert: offer STARTTLS
  --tls-cert FILE          PEM certificate (chain) for --hostname
  --max-message-bytes N    largest message (default 41943040, 40 MiB)
  --max-clients N          connections at once (default 100)
  -h, --help               show this help

Exit status: 0 stopped by a signal, 1 failed while running, 2 wrong arguments or configuration.`,

  async run(argv, io) {
    const settings = await smtpSettings(argv);
    const logger = jsonLogger(io.stdout as NodeJS.WritableStream);
    // Checked before the database is opened: a receiver that could relay never starts.
    let deliver: SmtpDeliveryTarget['deliver'] = () => Promise.reject(new Error('the SMTP receiver is not ready'));
    const receiver = createSmtpReceiver({ deliver: (delivery) => deliver(delivery), store: { logger } }, settings);
    const env = io.env ?? process.env;
    const store = await openStore({ databaseUrl: env.DATABASE_URL ?? '', dataDir: env.MAILROOM_DATA_DIR, logger });
    // It serves no HTTP (a webhook check that accepts nothing) and runs no worker: the app's processes do.
    const mailroom = createMailroom({ store, security: { bearer: () => false }, worker: { autoStart: false } });
    deliver = (delivery) => mailroom.deliver(delivery);
    try {
      const { port } = await listenOrExplain(receiver, settings.port);
      const stopped = nextSignal();
      io.stdout.write(
        `${JSON.stringify({ event: 'smtp.listening', port, role: 'receiver', hostname: settings.hostname, domains: settings.domains, starttls: Boolean(settings.tls), database: describeTarget(io) })}\n`,
      );
      logger.info('smtp_stopping', { signal: await stopped });
      await receiver.close();
      return 0;
    } finally {
      await mailroom.stop();
      await store.close();
    }
  },
};

interface SmtpSettings {
  hostname: string;
  domains: string[];
  port: number;
  host?: string;
  tls?: { key: Buffer; cert: Buffer };
  maxMessageBytes?: number;
  maxClients?: number;
}

async function smtpSettings(argv: string[]): Promise<SmtpSettings> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      domain: { type: 'string', multiple: true },
      hostname: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      'max-message-bytes': { type: 'string' },
      'max-clients': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.domain?.length) throw new UsageError('missing --domain (the domains to accept mail for)');
  if (Boolean(values['tls-key']) !== Boolean(values['tls-cert'])) {
    throw new UsageError('--tls-key and --tls-cert go together');
  }
  const settings: SmtpSettings = {
    hostname: values.hostname ?? osHostname(),
    domains: values.domain,
    port: integer('--port', values.port ?? '2525', 0, 65_535),
  };
  if (values.host) settings.host = values.host;
  if (values['max-message-bytes'])
    settings.maxMessageBytes = integer('--max-message-bytes', values['max-message-bytes'], 1);
  if (values['max-clients']) settings.maxClients = integer('--max-clients', values['max-clients'], 1);
  if (values['tls-key'] && values['tls-cert']) {
    settings.tls = { key: await pem(values['tls-key']), cert: await pem(values['tls-cert']) };
  }
  return settings;
}

function integer(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

async function pem(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new MailroomConfigurationError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'failed'}`);
  }
}

/** A port in use or not ours to bind is the operator's to fix: one line, exit 2. */
async function listenOrExplain(receiver: SmtpReceiver, port: number): Promise<{ port: number }> {
  try {
    return await receiver.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new MailroomConfigurationError(`port ${port} is in use`);
    if (code === 'EACCES')
      throw new MailroomConfigurationError(`port ${port} needs privileges (forward port 25 to 2525)`);
    throw error;
  }
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
