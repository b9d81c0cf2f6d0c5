import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as the test SMTP server received it: the envelope and the bytes. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** Refuses the next message with this SMTP reply (a transient 4xx or a permanent 5xx). */
  rejectNext(code: number, message: string): void;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server, no TLS, no auth) on 127.0.0.1 that keeps what it receives. */
export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let refusal: { code: number; message: string } | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refusal) {
          const error = Object.assign(new Error(refusal.message), { responseCode: refusal.code });
          refusal = null;
          callback(error);
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        // The reply's text is what the transport reports as the provider's id.
        const done: (error: Error | null, message: string) => void = callback;
        done(null, 'Ok: queued as abcQUEUE123');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    rejectNext: (code, message) => void (refusal = { code, message }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
