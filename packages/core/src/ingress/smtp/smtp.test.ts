/**
 * The SMTP receiver over real SMTP: nodemailer (or a raw socket, for what nodemailer would never send) against a
 * receiver on 127.0.0.1, handing messages to a real Mailroom on a real store (PGlite, or PostgreSQL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundEmail } from '../../message/index.js';
import {
  createProxiedTestStore,
  createTestMailroom,
  createTestStore,
  type TestMailroom,
  type TestMailroomOptions,
} from '../../testing/index.js';
import { IngressConfigurationError } from '../errors.js';
import { createSmtpReceiver, type SmtpReceiver, type SmtpReceiverOptions } from './index.js';
import { mimeMessage, rawSmtp, refusalOf, selfSignedCertificate, smtpClient } from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  t: TestMailroom;
  receiver: SmtpReceiver;
  port: number;
  handled: InboundEmail[];
  logged: Array<{ event: string; fields?: Record<string, unknown> }>;
}

async function start(
  options: Partial<SmtpReceiverOptions> = {},
  mailroomOptions: TestMailroomOptions = {},
): Promise<Harness> {
  const t = await createTestMailroom(mailroomOptions);
  cleanups.push(() => t.close());
  const handled: InboundEmail[] = [];
  t.mailroom.fallback(async (ctx) => void handled.push(ctx.email));
  const logged: Harness['logged'] = [];
  const record = (event: string, fields?: Record<string, unknown>) => void logged.push({ event, fields });
  const receiver = createSmtpReceiver(t.mailroom, {
    hostname: 'mx.example.com',
    domains: ['example.com', '*.example.org'],
    host: '127.0.0.1',
    port: 0,
    logger: { info: record, warn: record, error: record },
    ...options,
  });
  const { port } = await receiver.listen();
  cleanups.push(() => receiver.close());
  return { t, receiver, port, handled, logged };
}

const rows = (h: Harness) => h.t.store.inbox.list({});

/** A client that greets, then says nothing more. */
async function smtpCommandThenSilence(smtp: Awaited<ReturnType<typeof rawSmtp>>): Promise<void> {
  expect(await smtp.command('EHLO client.example.net')).toMatch(/^250/);
}

describe('SMTP receiver', () => {
  it('answers 250 after the commit, stores the message once and routes it with its envelope (a Bcc-only recipient)', async () => {
    const h = await start();
    const info = await smtpClient(h.port).sendMail({
      envelope: { from: 'bounces@sender.example.net', to: ['team@example.com', 'hidden@deep.sub.example.org'] },
      raw: mimeMessage('Hello MX'),
    });
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: stored as /);
    expect(info.accepted).toEqual(['team@example.com', 'hidden@deep.sub.example.org']);
    // Committed before the 250: the row is there without waiting for anything.
    const [row, ...others] = await rows(h);
    expect(others).toEqual([]);
    expect(row).toMatchObject({ subject: 'Hello MX', envelopeFrom: 'bounces@sender.example.net', mode: 'raw' });
    await h.t.drain();
    expect(h.handled).toHaveLength(1);
    const email = h.handled[0]!;
    expect(email.provider).toBe('smtp');
    expect(email.envelope).toEqual({
      from: 'bounces@sender.example.net',
      to: ['team@example.com', 'hidden@deep.sub.example.org'],
    });
    expect(email.to.map((a) => a.address)).toEqual(['team@example.com']); // the Bcc is in the envelope only
    expect(email.text).toBe('Hello over SMTP.\n');
    const received = h.logged.filter((entry) => entry.event === 'smtp_received');
    expect(received).toMatchObject([{ fields: { id: row!.id, duplicate: false, client: '127.0.0.1' } }]);
  });

  it('stores a message delivered twice once, answering 250 both times', async () => {
    const h = await start();
    const client = smtpClient(h.port);
    const mail = { envelope: { from: 'a@sender.example.net', to: ['team@example.com'] }, raw: mimeMessage('Twice') };
    expect((await client.sendMail(mail)).response).toMatch(/^250 .*stored as/);
    expect((await client.sendMail(mail)).response).toMatch(/^250 .*already stored as/);
    expect(await rows(h)).toHaveLength(1);
    await h.t.drain();
    expect(h.handled).toHaveLength(1);
  });

  it('is nobody relay: 550 5.1.2 for any recipient outside its domains, and nothing stored', async () => {
    const h = await start();
    const client = smtpClient(h.port);
    const foreign = [
      'victim@elsewhere.example.net',
      'x@example.com.evil.example.net',
      'x@notexample.com',
      'x@example.org', // *.example.org is the names below it, not example.org itself
    ];
    const error = await refusalOf(
      client.sendMail({ envelope: { from: 'spam@sender.example.net', to: foreign }, raw: mimeMessage('Relay me') }),
    );
    expect(error).toMatchObject({ code: 'EENVELOPE' });
    expect(error.rejected).toEqual(foreign);
    expect(error.rejectedErrors).toHaveLength(foreign.length);
    for (const refusal of error.rejectedErrors ?? []) {
      expect(refusal.responseCode).toBe(550);
      expect(refusal.response).toMatch(/^550 5\.1\.2 /);
    }
    // A quoted local part holding one of our domains, an address literal: refused (a syntax 501 or our 550).
    const smtp = await rawSmtp(h.port);
    cleanups.push(async () => smtp.close());
    await smtp.command('EHLO client.example.net');
    await smtp.command('MAIL FROM:<spam@sender.example.net>');
    expect(await smtp.command('RCPT TO:<"team@example.com"@evil.example.net>')).toMatch(/^5\d\d /);
    expect(await smtp.command('RCPT TO:<team@[127.0.0.1]>')).toMatch(/^5\d\d /);
    expect(await smtp.command('DATA')).toMatch(/^503 /); // no recipient was taken
    smtp.close();
    // One of ours beside a foreign one: ours is taken, the foreign one refused and absent from the envelope.
    const mixed = await client.sendMail({
      envelope: { from: 'a@sender.example.net', to: ['TEAM@Example.COM', 'victim@elsewhere.example.net'] },
      raw: mimeMessage('Mixed'),
    });
    expect(mixed.rejected).toEqual(['victim@elsewhere.example.net']);
    expect(await rows(h)).toMatchObject([{ subject: 'Mixed', envelopeTo: ['TEAM@example.com'] }]);
  });

  it('offers no AUTH and no STARTTLS without a certificate, and takes a bounce (MAIL FROM:<>)', async () => {
    const h = await start();
    const smtp = await rawSmtp(h.port);
    expect(smtp.greeting).toMatch(/^220 mx\.example\.com /);
    const features = await smtp.command('EHLO client.example.net');
    expect(features).toMatch(/SIZE 41943040/);
    expect(features).not.toMatch(/AUTH|STARTTLS/);
    expect(await smtp.command('AUTH PLAIN AGFubgBzZWNyZXQ=')).toMatch(/^50[02] /);
    expect(await smtp.command('STARTTLS')).toMatch(/^50[02] /);
    expect(await smtp.command('MAIL FROM:<>')).toMatch(/^250 /);
    expect(await smtp.command('RCPT TO:<postmaster@example.com>')).toMatch(/^250 /);
    expect(await smtp.command('DATA')).toMatch(/^354 /);
    expect(await smtp.command(`${mimeMessage('Bounce')}.`)).toMatch(/^250 /);
    expect(await smtp.command('QUIT')).toMatch(/^221 /);
    expect(await rows(h)).toMatchObject([{ subject: 'Bounce', envelopeFrom: null }]);
    await h.t.drain();
    // The session as the handler sees it: the EHLO name is the client's own claim, kept as given.
    expect(h.handled[0]!.providerData).toEqual({
      name: 'smtp',
      remoteAddress: expect.stringMatching(/127\.0\.0\.1$/),
      heloName: 'client.example.net',
      tls: false,
    });
  });

  it('refuses an oversized message with 552 5.3.4, counting and discarding the bytes past the limit', async () => {
    const h = await start({ maxMessageBytes: 16 * 1024 });
    const big = mimeMessage('Big', { body: 'x'.repeat(76).concat('\r\n').repeat(1000) });
    const error = await refusalOf(
      smtpClient(h.port).sendMail({ envelope: { from: 'a@sender.example.net', to: ['team@example.com'] }, raw: big }),
    );
    expect(error).toMatchObject({ responseCode: 552 });
    expect(error.response).toMatch(/^552 5\.3\.4 /);
    // Declared up front with SIZE: refused at MAIL FROM, before a byte of it is sent.
    const smtp = await rawSmtp(h.port);
    await smtp.command('EHLO client.example.net');
    expect(await smtp.command('MAIL FROM:<a@sender.example.net> SIZE=1000000000')).toMatch(/^552 /);
    // The connection survives the refusal: the next message on it is taken.
    expect(await smtp.command('MAIL FROM:<a@sender.example.net>')).toMatch(/^250 /);
    await smtp.command('RCPT TO:<team@example.com>');
    await smtp.command('DATA');
    expect(await smtp.command(`${mimeMessage('Small')}.`)).toMatch(/^250 /);
    smtp.close();
    expect((await rows(h)).map((r) => r.subject)).toEqual(['Small']);
  });

  it('answers 452 4.3.1 while messages being received hold maxInFlightBytes, and takes the message after', async () => {
    const h = await start({ maxMessageBytes: 16 * 1024, maxInFlightBytes: 16 * 1024 });
    const dialog = async () => {
      const smtp = await rawSmtp(h.port);
      cleanups.push(async () => smtp.close());
      await smtp.command('EHLO client.example.net');
      await smtp.command('MAIL FROM:<a@sender.example.net>');
      await smtp.command('RCPT TO:<team@example.com>');
      expect(await smtp.command('DATA')).toMatch(/^354 /);
      return smtp;
    };
    const body = 'x'.repeat(76).concat('\r\n').repeat(120); // ≈ 9.4 KiB: one fits the budget, two do not
    const slow = await dialog();
    slow.write(mimeMessage('Slow', { body })); // held, not finished
    const second = await dialog(); // its greeting came after the slow bytes arrived
    expect(await second.command(`${mimeMessage('Second', { body })}.`)).toMatch(/^452 4\.3\.1 /);
    expect(await slow.command('.')).toMatch(/^250 /);
    expect(await second.command('RSET')).toMatch(/^250 /);
    await second.command('MAIL FROM:<a@sender.example.net>');
    await second.command('RCPT TO:<team@example.com>');
    await second.command('DATA');
    expect(await second.command(`${mimeMessage('Second', { body })}.`)).toMatch(/^250 /); // the budget was released
    expect((await rows(h)).map((r) => r.subject).sort()).toEqual(['Second', 'Slow']);
  });

  it('answers 452 4.5.3 past maxRecipients, keeping the recipients it took', async () => {
    const h = await start({ maxRecipients: 2 });
    const smtp = await rawSmtp(h.port);
    await smtp.command('EHLO client.example.net');
    await smtp.command('MAIL FROM:<a@sender.example.net>');
    expect(await smtp.command('RCPT TO:<one@example.com>')).toMatch(/^250 /);
    expect(await smtp.command('RCPT TO:<two@example.com>')).toMatch(/^250 /);
    expect(await smtp.command('RCPT TO:<three@example.com>')).toMatch(/^452 4\.5\.3 /);
    expect(await smtp.command('RCPT TO:<ONE@example.com>')).toMatch(/^250 /); // a repeat is no new recipient
    await smtp.command('DATA');
    expect(await smtp.command(`${mimeMessage('Capped')}.`)).toMatch(/^250 /);
    smtp.close();
    expect(await rows(h)).toMatchObject([{ envelopeTo: ['ONE@example.com', 'two@example.com'] }]);
  });

  it('refuses a message the Mailroom will never take with 554 5.6.0 and its reason', async () => {
    const h = await start();
    let nested = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
    for (let level = 60; level > 0; level--) {
      nested = `Content-Type: multipart/mixed; boundary="b${level}"\r\n\r\n--b${level}\r\n${nested}\r\n--b${level}--\r\n`;
    }
    const deep = `From: a@sender.example.net\r\nSubject: Deep\r\nMIME-Version: 1.0\r\n${nested}`;
    const error = await refusalOf(
      smtpClient(h.port).sendMail({ envelope: { from: 'a@sender.example.net', to: ['team@example.com'] }, raw: deep }),
    );
    expect(error.responseCode).toBe(554);
    expect(error.response).toMatch(/^554 5\.6\.0 .*\(mime_too_deep\)$/);
    expect(await rows(h)).toEqual([]);
  });

  it('stores nothing from a client that goes away in the middle of DATA', async () => {
    const h = await start();
    const smtp = await rawSmtp(h.port);
    await smtp.command('EHLO client.example.net');
    await smtp.command('MAIL FROM:<a@sender.example.net>');
    await smtp.command('RCPT TO:<team@example.com>');
    await smtp.command('DATA');
    smtp.write(mimeMessage('Cut short')); // no final "."
    smtp.close();
    await smtp.closed;
    // A message after it arrives whole; the one cut short never does.
    await smtpClient(h.port).sendMail({
      envelope: { from: 'a@sender.example.net', to: ['team@example.com'] },
      raw: mimeMessage('Whole'),
    });
    expect((await rows(h)).map((r) => r.subject)).toEqual(['Whole']);
  });

  it('closes a connection that stays silent (slowloris)', async () => {
    const h = await start({ idleTimeoutMs: 300 });
    const silent = await rawSmtp(h.port);
    await smtpCommandThenSilence(silent);
    await silent.closed; // closed by the receiver: the test would time out otherwise
  });

  it('answers 421 past maxClients connections', async () => {
    const h = await start({ maxClients: 2 });
    const first = await rawSmtp(h.port);
    const second = await rawSmtp(h.port);
    const third = await rawSmtp(h.port);
    expect([first.greeting, second.greeting]).toEqual([expect.stringMatching(/^220 /), expect.stringMatching(/^220 /)]);
    expect(third.greeting).toMatch(/^421 /);
    await third.closed;
    for (const smtp of [first, second]) smtp.close();
  });

  it('answers 451 4.3.0 while the store is down, storing nothing, and logs why', async () => {
    const store = await createTestStore();
    const h = await start({}, { store });
    await store.close();
    const error = await refusalOf(
      smtpClient(h.port).sendMail({
        envelope: { from: 'a@sender.example.net', to: ['team@example.com'] },
        raw: mimeMessage('Down'),
      }),
    );
    expect(error.responseCode).toBe(451);
    expect(error.response).toMatch(/^451 4\.3\.0 /);
    expect(h.logged.filter((entry) => entry.event === 'smtp_deferred')).toHaveLength(1);
    expect(await store.inbox.list({}).catch(() => 'closed')).toBe('closed');
  });

  it('refuses options that could make it a relay or greet with a broken name', () => {
    const mailroom = { deliver: async () => ({ id: 'x', duplicate: false }), store: { logger: console } };
    const bad: Array<Partial<SmtpReceiverOptions>> = [
      { domains: [] },
      { domains: ['*'] },
      { domains: ['exa mple.com'] },
      { domains: ['[192.0.2.1]'] },
      { hostname: 'mx.example.com\r\n250 injected' },
      { maxMessageBytes: -1 },
      { tls: { key: 'not a key', cert: 'not a certificate' } },
    ];
    for (const options of bad) {
      expect(() =>
        createSmtpReceiver(mailroom, { hostname: 'mx.example.com', domains: ['example.com'], ...options }),
      ).toThrow(IngressConfigurationError);
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('SMTP receiver while PostgreSQL is cut (TCP proxy)', () => {
  it('answers 451 during the cut and loses nothing: the MTA retry after it is stored once', async () => {
    const store = await createProxiedTestStore(process.env.DATABASE_URL!, {
      timeouts: { connectMs: 1000, ingestMs: 2000 },
    });
    cleanups.push(() => store.close());
    const h = await start({}, { store });
    const mail = { envelope: { from: 'a@sender.example.net', to: ['team@example.com'] }, raw: mimeMessage('Outage') };
    const client = smtpClient(h.port);
    store.proxy.cut();
    const refused = await refusalOf(client.sendMail(mail));
    expect(refused.responseCode).toBe(451);
    store.proxy.restore();
    await expect
      .poll(async () => (await client.sendMail(mail).catch(() => null))?.response, { timeout: 15_000 })
      .toMatch(/^250 /);
    expect((await client.sendMail(mail)).response).toMatch(/already stored/);
    expect((await rows(h)).map((r) => r.subject)).toEqual(['Outage']);
  });
});

const certificate = selfSignedCertificate('mx.example.com');

describe('SMTP receiver with STARTTLS', () => {
  it.skipIf(!certificate)(
    'upgrades to TLS with its certificate for a client that requires it (needs /usr/bin/openssl, else skipped)',
    async () => {
      const h = await start({ tls: certificate! });
      const smtp = await rawSmtp(h.port);
      expect(await smtp.command('EHLO client.example.net')).toMatch(/STARTTLS/);
      smtp.close();
      const info = await smtpClient(h.port, { ca: certificate!.cert, servername: 'mx.example.com' }).sendMail({
        envelope: { from: 'a@sender.example.net', to: ['team@example.com'] },
        raw: mimeMessage('Encrypted'),
      });
      expect(info.response).toMatch(/^250 /);
      expect(await rows(h)).toMatchObject([{ subject: 'Encrypted' }]);
      await h.t.drain();
      expect(h.handled[0]!.providerData).toMatchObject({ name: 'smtp', tls: true });
      // A client that requires TLS refuses a receiver without it: nothing goes out in clear.
      const plain = await start();
      const refused = await refusalOf(
        smtpClient(plain.port, { ca: certificate!.cert, servername: 'mx.example.com' }).sendMail({
          envelope: { from: 'a@sender.example.net', to: ['team@example.com'] },
          raw: mimeMessage('Clear'),
        }),
      );
      expect(refused).toBeInstanceOf(Error);
      expect(await rows(plain)).toEqual([]);
    },
  );
});
