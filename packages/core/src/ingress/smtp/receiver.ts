import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type {
  SMTPServer,
  SMTPServerAddress,
  SMTPServerDataStream,
  SMTPServerOptions,
  SMTPServerSession,
} from 'smtp-server';
import type { Envelope, SmtpData } from '../../message/index.js';
import type { MimeDelivery } from '../delivery.js';
import { IngressConfigurationError } from '../errors.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { collectMessage, InFlightBudget } from './collect.js';
import { isHostName, recipientDomainMatcher } from './domains.js';
import { refusalFor, smtpRefusal } from './replies.js';

/** Structured events, as the store's logger takes them. */
export interface SmtpLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** What the receiver hands messages to: a Mailroom (`mailroom.deliver()` resolves after the commit). */
export interface SmtpDeliveryTarget {
  deliver(delivery: MimeDelivery): Promise<{ id: string; duplicate: boolean }>;
  readonly store: { readonly logger: SmtpLogger };
}

export interface SmtpReceiverOptions {
  /** The name the receiver greets with (your MX host name, the name on its certificate). */
  hostname: string;
  /** The domains mail is accepted for: `example.com` (exactly), `*.example.com` (any name below it). */
  domains: readonly string[];
  /** Default 2525 (0: any free port, see `listen()`). */
  port?: number;
  /** Interface to listen on; default all of them. */
  host?: string;
  /** Largest message (the DATA bytes); default the ingress' `maxBodyBytes` (40 MiB). Advertised with SIZE. */
  maxMessageBytes?: number;
  /** Message bytes held at once over all connections; default 4 × maxMessageBytes, at least 64 MiB. 0: no bound. */
  maxInFlightBytes?: number;
  /** Accepted recipients per message (default 100; RFC 5321 asks for at least 100). */
  maxRecipients?: number;
  /** Connections at once (default 100); past it a client hears 421 and retries later. */
  maxClients?: number;
  /** Key and certificate (PEM) for STARTTLS; without them STARTTLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Default the Mailroom store's logger. */
  logger?: SmtpLogger;
  /** A connection silent this long is closed (default 60 s). */
  idleTimeoutMs?: number;
  /** A connection is closed this long after it opened, busy or not (default 10 min), so a trickle cannot hold it. */
  sessionTimeoutMs?: number;
  /** `close()` waits this long for open connections before telling them 421 (default 30 s). */
  closeTimeoutMs?: number;
}

export interface SmtpReceiver {
  /** Starts listening; resolves with the port (the one chosen when `port` is 0). */
  listen(): Promise<{ port: number }>;
  /** Stops accepting connections, lets messages being received finish (each answered after its commit), then resolves. */
  close(): Promise<void>;
}

const DEFAULTS = {
  port: 2525,
  maxRecipients: 100,
  maxClients: 100,
  idleTimeoutMs: 60_000,
  sessionTimeoutMs: 600_000,
  closeTimeoutMs: 30_000,
};

/**
 * An SMTP server for your own MX: each message for one of `domains` is handed to `mailroom.deliver()` and
 * answered 250 once it committed. See `ingress/smtp/index.ts` for what is refused, and with which code.
 */
export function createSmtpReceiver(target: SmtpDeliveryTarget, options: SmtpReceiverOptions): SmtpReceiver {
  const settings = receiverSettings(options);
  const logger = options.logger ?? target.store.logger;
  const inFlight = new Set<Promise<void>>();
  let server: SMTPServer | null = null;
  let closing: Promise<void> | null = null;

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, done: DataCallback) => {
    const task = receiveMessage(target, settings, logger, stream, session)
      .then(
        (reply) => (reply instanceof Error ? done(reply) : done(null, reply)),
        (error: unknown) => done(error as Error), // the client went away mid-DATA: nothing was stored
      )
      .catch(() => undefined); // answering a connection that is gone
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  return {
    async listen() {
      if (server) throw new Error('the SMTP receiver is already listening');
      const { SMTPServer } = await import('smtp-server'); // loaded only by those who run a receiver
      const created = new SMTPServer(serverOptions(settings, options, onData));
      created.on('error', (error) => logger.info('smtp_connection_error', { error: error.message })); // resets by scanners
      created.server.on('connection', (socket: Socket) => limitSession(socket, settings.sessionTimeoutMs));
      await new Promise<void>((resolve, reject) => {
        created.server.once('error', reject);
        created.listen({ port: settings.port, ...(options.host ? { host: options.host } : {}) }, () => {
          created.server.off('error', reject);
          resolve();
        });
      });
      server = created;
      return { port: (created.server.address() as AddressInfo).port };
    },
    close() {
      const current = server;
      if (!current) return Promise.resolve();
      closing ??= (async () => {
        await new Promise<void>((resolve) => current.close(() => resolve()));
        while (inFlight.size) await Promise.allSettled([...inFlight]);
      })();
      return closing;
    },
  };
}

type DataCallback = (error?: Error | null, message?: string) => void;

interface ReceiverSettings {
  port: number;
  maxMessageBytes: number;
  maxRecipients: number;
  maxClients: number;
  idleTimeoutMs: number;
  sessionTimeoutMs: number;
  closeTimeoutMs: number;
  budget: InFlightBudget;
  accepts: (address: string) => boolean;
}

/** Options checked once, at creation: a receiver that could relay or greet with a broken name never starts. */
function receiverSettings(options: SmtpReceiverOptions): ReceiverSettings {
  if (!isHostName(options.hostname ?? '')) {
    throw new IngressConfigurationError(`${JSON.stringify(options.hostname)} is not a host name (SMTP hostname)`);
  }
  const accepts = recipientDomainMatcher(options.domains ?? []);
  if (options.tls) checkTls(options.tls);
  const count = (name: keyof typeof DEFAULTS | 'maxMessageBytes', fallback: number, min = 1) => {
    const value = options[name] ?? fallback;
    if (!Number.isInteger(value) || value < min) {
      throw new IngressConfigurationError(`SMTP receiver: ${name} must be an integer of at least ${min}, got ${value}`);
    }
    return value;
  };
  const maxMessageBytes = count('maxMessageBytes', DEFAULT_LIMITS.maxBodyBytes);
  const maxInFlightBytes = options.maxInFlightBytes ?? Math.max(4 * maxMessageBytes, 64 * 1024 * 1024);
  if (!Number.isInteger(maxInFlightBytes) || (maxInFlightBytes !== 0 && maxInFlightBytes < maxMessageBytes)) {
    throw new IngressConfigurationError('SMTP receiver: maxInFlightBytes must be 0 or at least maxMessageBytes');
  }
  const port = count('port', DEFAULTS.port, 0);
  if (port > 65_535) throw new IngressConfigurationError(`SMTP receiver: port ${port} is not a port number`);
  return {
    port,
    maxMessageBytes,
    maxRecipients: count('maxRecipients', DEFAULTS.maxRecipients),
    maxClients: count('maxClients', DEFAULTS.maxClients),
    idleTimeoutMs: count('idleTimeoutMs', DEFAULTS.idleTimeoutMs),
    sessionTimeoutMs: count('sessionTimeoutMs', DEFAULTS.sessionTimeoutMs),
    closeTimeoutMs: count('closeTimeoutMs', DEFAULTS.closeTimeoutMs),
    budget: new InFlightBudget(maxInFlightBytes),
    accepts,
  };
}

function checkTls(tls: { key: string | Buffer; cert: string | Buffer }): void {
  try {
    createSecureContext({ key: tls.key, cert: tls.cert });
  } catch (error) {
    throw new IngressConfigurationError(`the TLS key and certificate cannot be used (${(error as Error).message})`);
  }
}

function serverOptions(
  settings: ReceiverSettings,
  options: SmtpReceiverOptions,
  onData: NonNullable<SMTPServerOptions['onData']>,
): SMTPServerOptions {
  return {
    name: options.hostname,
    // An MX takes mail for its own domains from anyone, and sends it nowhere: no AUTH, so no relaying for "users".
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2' as const } : {}),
    size: settings.maxMessageBytes,
    maxClients: settings.maxClients,
    socketTimeout: settings.idleTimeoutMs,
    closeTimeout: settings.closeTimeoutMs,
    disableReverseLookup: true, // a stranger's PTR record costs a DNS query per connection and proves nothing
    logger: false,
    onRcptTo: (address, session, callback) => callback(recipientRefusal(settings, address, session)),
    onData,
  };
}

function recipientRefusal(
  settings: ReceiverSettings,
  address: SMTPServerAddress,
  session: SMTPServerSession,
): Error | null {
  if (!settings.accepts(address.address)) {
    return smtpRefusal(550, '5.1.2', 'relay access denied: this server takes mail for its own domains only');
  }
  const known = session.envelope.rcptTo.some((r) => r.address.toLowerCase() === address.address.toLowerCase());
  if (!known && session.envelope.rcptTo.length >= settings.maxRecipients) {
    return smtpRefusal(452, '4.5.3', `too many recipients (at most ${settings.maxRecipients} per message)`);
  }
  return null;
}

/** Closes a connection `ms` after it opened, whatever it is doing (the sending MTA retries what was not answered). */
function limitSession(socket: Socket, ms: number): void {
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** One DATA transaction: the reply text for a 250, or the refusal. */
async function receiveMessage(
  target: SmtpDeliveryTarget,
  settings: ReceiverSettings,
  logger: SmtpLogger,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
): Promise<string | Error> {
  const collected = await collectMessage(stream, settings.maxMessageBytes, settings.budget);
  if (collected.kind === 'too-large') {
    return smtpRefusal(552, '5.3.4', `message exceeds the maximum size of ${settings.maxMessageBytes} bytes`);
  }
  if (collected.kind === 'busy') return smtpRefusal(452, '4.3.1', 'insufficient system storage; try again later');
  const { message } = collected;
  try {
    const envelope = envelopeOf(session);
    const providerData = smtpData(session);
    const result = await target.deliver({
      provider: 'smtp',
      message,
      envelope,
      authenticatedBy: ['smtp'],
      providerData,
    });
    logger.info('smtp_received', {
      id: result.id,
      duplicate: result.duplicate,
      client: session.remoteAddress,
      bytes: message.length,
    });
    return `2.0.0 Ok: ${result.duplicate ? 'already stored' : 'stored'} as ${result.id}`;
  } catch (error) {
    const { refusal, fault } = refusalFor(error);
    if (fault) logger.error('smtp_deferred', { error: describe(error), client: session.remoteAddress });
    return refusal;
  } finally {
    settings.budget.release(message.length);
  }
}

function envelopeOf(session: SMTPServerSession): Envelope {
  const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  return { from: from || null, to: session.envelope.rcptTo.map((r) => r.address) };
}

/** The session as smtp-server saw it (its HELO name and address fields are `false` until known). */
function smtpData(session: SMTPServerSession): SmtpData {
  const text = (value: unknown) => (typeof value === 'string' && value ? value : null);
  return {
    name: 'smtp',
    remoteAddress: text(session.remoteAddress),
    heloName: text(session.hostNameAppearsAs),
    tls: typeof session.secure === 'boolean' ? session.secure : null,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
}
