import { describe, expect, it } from 'vitest';
import { emptyProviderData, type ProviderData } from '../message/index.js';
import { storedFormOf, type MimeDelivery } from './delivery.js';
import { parseInboundBody } from './parse.js';

const message = Buffer.from('From: ann@example.com\r\nSubject: Hi\r\nMessage-ID: <m1@example.com>\r\n\r\nhello\r\n');
const envelope = { from: 'ann@example.com', to: ['inbox@example.com'] };
const ses = {
  name: 'ses',
  messageId: 'o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
  receiptAction: 'SNS',
  spam: 'PASS',
  virus: 'PASS',
  spf: 'GRAY',
  dkim: 'FAIL',
  dmarc: null,
  topicArn: 'arn:aws:sns:us-east-1:123456789012:inbound',
  snsMessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
} as const;

/** The stored form of a delivery, parsed back as the worker does (both modes of `storedFormOf`). */
async function roundTrip(delivery: MimeDelivery, parse: 'on-receipt' | 'in-worker' = 'in-worker') {
  const post = await storedFormOf(delivery, { parse });
  const reparsed = await parseInboundBody(post.body, post.contentType);
  return { post, reparsed };
}

/** A stored form written by hand: the fields given, then the message. */
async function parseForm(fields: Array<[string, string]>) {
  const boundary = 'b0undary';
  const parts = [...fields, ['email', message.toString()] as [string, string]].map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const body = Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
  return parseInboundBody(body, `multipart/form-data; boundary=${boundary}`);
}

describe('the stored form carries the provider data', () => {
  it('round-trips it, on receipt and in the worker', async () => {
    const delivery: MimeDelivery = { provider: 'ses', message, envelope, providerData: ses };
    const onReceipt = await roundTrip(delivery, 'on-receipt');
    expect(onReceipt.post.email?.providerData).toEqual(ses);
    expect(onReceipt.reparsed.providerData).toEqual(ses);
    expect((await roundTrip(delivery)).reparsed.providerData).toEqual(ses);
  });

  it('bounds it where it is written: a hostile value is cut before it is stored', async () => {
    const huge = 'x'.repeat(1_000_000);
    const { post, reparsed } = await roundTrip({
      provider: 'mailgun',
      message,
      envelope,
      providerData: { name: 'mailgun', recipient: huge, sender: huge, timestamp: 1, token: huge },
    });
    expect(post.body.length).toBeLessThan(message.length + 5000);
    expect(reparsed.providerData).toMatchObject({ recipient: 'x'.repeat(1000), timestamp: 1 });
  });

  it('without data, or with data not fit to read, gives the name and no data, and the mail', async () => {
    expect((await roundTrip({ provider: 'smtp', message, envelope })).reparsed.providerData).toEqual(
      emptyProviderData('smtp'),
    );
    const postmark = (data: string) => [
      ['mailroom-provider', 'postmark'] as [string, string],
      ['mailroom-provider-data', data] as [string, string],
    ];
    const mailgun: ProviderData = { name: 'mailgun', recipient: 'a@b', sender: null, timestamp: 1, token: 't' };
    for (const fields of [
      postmark('{not json'),
      postmark(JSON.stringify(mailgun)),
      postmark('{"name":"postmark","spamScore":"high"}'),
      postmark(`{"name":"postmark","tag":"${'x'.repeat(70_000)}"}`),
      [...postmark('{"name":"postmark","tag":"a"}'), ...postmark('{"name":"postmark","tag":"b"}').slice(1)],
    ]) {
      const email = await parseForm(fields);
      expect(email.provider).toBe('postmark');
      expect(email.subject).toBe('Hi');
      expect(email.providerData).toEqual(emptyProviderData('postmark'));
    }
  });

  it("builds SendGrid's from its own fields, as posted", async () => {
    const email = await parseForm([
      ['envelope', JSON.stringify(envelope)],
      ['SPF', 'pass'],
      ['dkim', '{@example.com : pass}'],
      ['spam_score', '1.5'],
      ['spam_report', 'Spam detection software report'],
      ['sender_ip', '192.0.2.1'],
      ['charsets', '{"to":"UTF-8"}'],
      ['mailroom-provider-data', '{"name":"sendgrid","spamScore":99}'],
    ]);
    expect(email.providerData).toEqual({
      name: 'sendgrid',
      spamScore: 1.5,
      spamReport: 'Spam detection software report',
      spf: 'pass',
      dkim: '{@example.com : pass}',
      senderIp: '192.0.2.1',
      charsets: '{"to":"UTF-8"}',
    });
  });
});
