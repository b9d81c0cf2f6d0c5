import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

/** A nodemailer transport to a receiver on 127.0.0.1 (no STARTTLS unless `tls` is given, then required). */
export function smtpClient(port: number, tls?: { ca: string; servername: string }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ...(tls ? { requireTLS: true, tls: { ca: tls.ca, servername: tls.servername } } : { ignoreTLS: true }),
  });
}

/** An SMTP client on a raw socket, one command at a time, for what nodemailer would never send. */
export interface RawSmtp {
  /** The greeting (220 or 421). */
  readonly greeting: string;
  /** Writes `line` and CRLF, resolves with the server's next complete reply (multi-line replies joined by \n). */
  command(line: string): Promise<string>;
  /** Writes bytes as they are (DATA), without waiting. */
  write(data: string | Buffer): void;
  /** The server's next complete reply. */
  reply(): Promise<string>;
  /** Resolves when the server (or `close()`) closed the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

export async function rawSmtp(port: number): Promise<RawSmtp> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let buffer = '';
  const replies: string[] = [];
  const waiting: Array<(reply: string) => void> = [];
  socket.on('data', (text: string) => {
    buffer += text;
    for (let reply = takeReply(); reply !== null; reply = takeReply()) {
      const next = waiting.shift();
      if (next) next(reply);
      else replies.push(reply);
    }
  });
  function takeReply(): string | null {
    const lines: string[] = [];
    for (let offset = 0; ;) {
      const end = buffer.indexOf('\r\n', offset);
      if (end < 0) return null;
      const line = buffer.slice(offset, end);
      offset = end + 2;
      lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        buffer = buffer.slice(offset);
        return lines.join('\n');
      }
    }
  }
  const reply = () =>
    replies.length
      ? Promise.resolve(replies.shift()!)
      : Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), closed.then(() => '(closed)')]);
  const greeting = await reply();
  return {
    greeting,
    command: (line) => {
      socket.write(`${line}\r\n`);
      return reply();
    },
    write: (data) => void socket.write(data),
    reply,
    closed,
    close: () => socket.destroy(),
  };
}

/** A self-signed key and certificate for `hostname` from `openssl req -x509`, or null without /usr/bin/openssl. */
export function selfSignedCertificate(hostname: string): { key: string; cert: string } | null {
  if (!existsSync('/usr/bin/openssl')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-smtp-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      '/usr/bin/openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'].concat([
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        `/CN=${hostname}`,
        '-addext',
        `subjectAltName=DNS:${hostname}`,
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A message with a Message-ID, CRLF line ends, as an MTA hands it over. */
export function mimeMessage(subject: string, options: { to?: string; body?: string; messageId?: string } = {}): string {
  const id = options.messageId ?? `${subject.replace(/\W/g, '')}@sender.example.net`;
  return (
    `From: Ann <ann@sender.example.net>\r\nTo: ${options.to ?? 'team@example.com'}\r\nSubject: ${subject}\r\n` +
    `Message-ID: <${id}>\r\nDate: Sun, 6 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\n\r\n${options.body ?? 'Hello over SMTP.'}\r\n`
  );
}

/** What nodemailer rejects a refused message with. */
export interface SmtpClientError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  rejected?: string[];
  rejectedErrors?: SmtpClientError[];
}

/** The error a send that must be refused was refused with (fails the test if it was accepted). */
export async function refusalOf(sending: Promise<unknown>): Promise<SmtpClientError> {
  try {
    await sending;
  } catch (error) {
    return error as SmtpClientError;
  }
  throw new Error('expected the SMTP server to refuse the message');
}
