import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedMessage } from '../message.js';
import { TransportError } from '../transport.js';
import { smtpTransport } from './smtp.js';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from './test-smtp-server.js';

let smtp: TestSmtpServer;
let port: number;
let received: ReceivedMail[];

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  ({ port, received } = smtp);
});
afterAll(() => smtp.close());

const message: PreparedMessage = {
  id: 'm1',
  from: { address: 'support@example.com', name: 'Support Team' },
  to: [{ address: 'ann@example.com', name: 'Ann' }],
  cc: [],
  bcc: [{ address: 'audit@example.com', name: '' }],
  replyTo: [{ address: 'reply+abc@replies.example.com', name: '' }],
  subject: 'Re: Drucker brennt – schon wieder',
  text: 'Wir kümmern uns darum.',
  html: null,
  headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  attachments: [
    { filename: 'log.txt', contentType: 'text/plain', content: Buffer.from('hello'), contentId: null, inline: false },
  ],
  customArgs: { mailroom_id: 'm1', ticket: 'Zürich-42' },
  categories: ['support', 'auto'],
  messageId: 'abc123@mail.example.com',
  inReplyTo: 'orig@client.example',
  references: ['root@client.example', 'orig@client.example'],
};

describe('smtpTransport', () => {
  it('sends MIME with threading headers and an X-SMTPAPI header for SendGrid', async () => {
    received.length = 0;
    const transport = smtpTransport({
      host: '127.0.0.1',
      port,
      secure: false,
      sendgridHeaders: true,
      nodemailer: { ignoreTLS: true },
    });
    const result = await transport.deliver([message]);
    await transport.close?.();
    expect(result.providerMessageId).toBe('abcQUEUE123');
    expect(received).toHaveLength(1);
    const { from, to, raw } = received[0]!;
    expect(from).toBe('support@example.com');
    expect(to.sort()).toEqual(['ann@example.com', 'audit@example.com']);
    const mime = raw.toString('utf8');
    expect(mime).not.toMatch(/^Bcc:/im);
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe('<abc123@mail.example.com>');
    expect(parsed.inReplyTo).toBe('<orig@client.example>');
    expect(parsed.references).toEqual(['<root@client.example>', '<orig@client.example>']);
    expect(parsed.subject).toBe('Re: Drucker brennt – schon wieder');
    expect(parsed.text?.trim()).toBe('Wir kümmern uns darum.');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(parsed.replyTo?.text).toBe('reply+abc@replies.example.com');
    expect(parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['log.txt', 'hello']]);
    // The header arrives folded; unfolded it is the JSON SendGrid reads.
    const smtpapi = /^X-SMTPAPI:(.*(?:\r\n[ \t].*)*)/m.exec(mime)?.[1];
    expect(smtpapi).toBeDefined();
    expect(mime.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    expect(JSON.parse(smtpapi!.replace(/\r\n/g, ''))).toEqual({
      unique_args: { mailroom_id: 'm1', ticket: 'Zürich-42' },
      category: ['support', 'auto'],
    });
  });

  it('adds no X-SMTPAPI for other servers', async () => {
    received.length = 0;
    const transport = smtpTransport({ host: '127.0.0.1', port, nodemailer: { ignoreTLS: true } });
    await transport.deliver([message]);
    await transport.close?.();
    expect(received[0]!.raw.toString()).not.toMatch(/X-SMTPAPI/i);
  });

  it('maps 4xx replies to retryable and 5xx to permanent errors', async () => {
    const transport = smtpTransport({ host: '127.0.0.1', port, nodemailer: { ignoreTLS: true } });
    smtp.rejectNext(451, 'try again later');
    const transient = (await transport.deliver([message]).catch((e: unknown) => e)) as TransportError;
    expect(transient).toBeInstanceOf(TransportError);
    expect(transient.retryable).toBe(true);
    smtp.rejectNext(550, 'no such user');
    const permanent = (await transport.deliver([message]).catch((e: unknown) => e)) as TransportError;
    expect(permanent.retryable).toBe(false);
    expect(permanent.message).toMatch(/no such user/);
    await transport.close?.();
  });
});
