import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../../testing/store.js';
import { createOutboxDeliverer } from '../deliverer.js';
import { OutboundMessageError, type PreparedMessage } from '../message.js';
import { createMailer, getOutboundMessage } from '../outbox.js';
import { replySubject } from '../threading.js';
import { sendgridMailBody, sendgridTransport } from './sendgrid.js';
import { smtpTransport } from './smtp.js';
import { startSendGridStandIn, type SendGridStandIn } from './test-sendgrid-server.js';
import { startTestSmtpServer, type TestSmtpServer } from './test-smtp-server.js';

// What a hostile sender controls: a subject that decoded to CR/LF (`=?UTF-8?B?…?=`) and display names with CR/LF.
const HOSTILE_SUBJECT = 'Help\r\nBcc: victim@evil.example';
const HOSTILE_FROM = { address: 'help@example.com', name: 'Help desk for Mallory\r\nX-Injected: from' };
const HOSTILE_TO = { address: 'mallory@example.net', name: 'Mallory\r\nBcc: victim@evil.example\r\n\r\nbody' };

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.close());

const mailer = () => createMailer({ store, domain: 'mail.example.com' });
const hostileReply = {
  from: HOSTILE_FROM,
  to: HOSTILE_TO,
  replyTo: HOSTILE_TO,
  subject: replySubject(HOSTILE_SUBJECT),
  text: 'We are on it.',
};

describe('display names and subjects from sender input', () => {
  it('are queued one-line: names collapse controls, a replySubject never throws', async () => {
    const { id } = await mailer().send(hostileReply);
    const stored = (await getOutboundMessage(store.db, id))!;
    expect(stored.subject).toBe('Re: Help Bcc: victim@evil.example');
    expect(stored.from.name).toBe('Help desk for Mallory X-Injected: from');
    expect(stored.to).toEqual([{ address: 'mallory@example.net', name: 'Mallory Bcc: victim@evil.example body' }]);
    expect(stored.replyTo[0]!.name).toBe('Mallory Bcc: victim@evil.example body');
  });

  it('refuses an address part with line breaks, as a permanent error', async () => {
    const sent = mailer().send({ ...hostileReply, to: { address: 'a@example.com\r\nBcc: b@example.com', name: '' } });
    await expect(sent).rejects.toBeInstanceOf(OutboundMessageError);
    await expect(sent).rejects.toMatchObject({ permanent: true });
    // A raw subject with a line break is still the caller's error, said clearly.
    await expect(mailer().send({ ...hostileReply, subject: HOSTILE_SUBJECT })).rejects.toThrow(
      /subject must not contain line breaks/,
    );
  });

  it('the SendGrid JSON never carries a raw line break in a name or subject, even from a row stored raw', () => {
    const raw: PreparedMessage = {
      id: 'r1',
      from: HOSTILE_FROM,
      to: [HOSTILE_TO],
      cc: [],
      bcc: [],
      replyTo: [HOSTILE_TO],
      subject: HOSTILE_SUBJECT,
      text: 'x',
      html: null,
      headers: {},
      attachments: [],
      customArgs: {},
      categories: [],
      messageId: 'r1@mail.example.com',
      inReplyTo: null,
      references: [],
    };
    const body = sendgridMailBody([raw]);
    expect(JSON.stringify(body)).not.toMatch(/\\r|\\n/);
    expect(body).toMatchObject({
      from: { name: 'Help desk for Mallory X-Injected: from' },
      subject: 'Help Bcc: victim@evil.example',
    });
  });
});

describe('through mailer.send and the SendGrid transport (a local HTTP server)', () => {
  let standIn: SendGridStandIn;
  const bodies: string[] = [];
  beforeAll(async () => {
    standIn = await startSendGridStandIn((request) => {
      bodies.push(request.body);
      return { status: 202, headers: { 'x-message-id': 'sg-hostile' } };
    });
  });
  afterAll(() => standIn.close());

  it('posts the sanitized names and subject', async () => {
    const { baseUrl } = standIn;
    const { id } = await mailer().send(hostileReply);
    await createOutboxDeliverer({ store, transport: sendgridTransport({ apiKey: 'SG.test', baseUrl }) }).drain();
    expect((await getOutboundMessage(store.db, id))!.status).toBe('sent');
    const body = bodies.at(-1)!;
    expect(body).not.toMatch(/\\r|\\n/);
    const json = JSON.parse(body);
    expect(json.from).toEqual({ email: 'help@example.com', name: 'Help desk for Mallory X-Injected: from' });
    expect(json.personalizations[0].to).toEqual([
      { email: 'mallory@example.net', name: 'Mallory Bcc: victim@evil.example body' },
    ]);
    expect(json.personalizations[0].subject).toBe('Re: Help Bcc: victim@evil.example');
    expect(json.reply_to.name).toBe('Mallory Bcc: victim@evil.example body');
  });
});

describe('through mailer.send and the SMTP transport (smtp-server receiving)', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startTestSmtpServer();
  });
  afterAll(() => smtp.close());

  it('delivers headers with no injected line and no extra recipient', async () => {
    const transport = smtpTransport({ host: '127.0.0.1', port: smtp.port, nodemailer: { ignoreTLS: true } });
    const { id } = await mailer().send(hostileReply);
    await createOutboxDeliverer({ store, transport }).drain();
    await transport.close?.();
    expect((await getOutboundMessage(store.db, id))!.status).toBe('sent');
    const [delivered] = smtp.received;
    expect(delivered!.to).toEqual(['mallory@example.net']);
    const head = delivered!.raw.toString('latin1').split('\r\n\r\n')[0]!;
    // Every header line is a header or a fold: nothing the sender wrote starts a line of its own.
    for (const line of head.split('\r\n')) expect(line).toMatch(/^([A-Za-z][A-Za-z0-9-]*:|[ \t])/);
    expect(head).not.toMatch(/^(Bcc|X-Injected):/im);
    const parsed = await simpleParser(delivered!.raw);
    expect(parsed.subject).toBe('Re: Help Bcc: victim@evil.example');
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-injected')).toBe(false);
    const to = parsed.to as { value: Array<{ address: string; name: string }> };
    expect(to.value).toEqual([{ address: 'mallory@example.net', name: 'Mallory Bcc: victim@evil.example body' }]);
    expect((parsed.from as { value: Array<{ name: string }> }).value[0]!.name).toBe(
      'Help desk for Mallory X-Injected: from',
    );
  });
});
