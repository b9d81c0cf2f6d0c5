import { describe, expect, it } from 'vitest';
import { Attachment, InboundEmail, type InboundEmailInit } from '@mailroom/core';

function init(overrides: Partial<InboundEmailInit> = {}): InboundEmailInit {
  return {
    mode: 'raw',
    messageId: 'm@test',
    date: new Date('2026-01-02T03:04:05Z'),
    subject: 'Hi\u0000 there',
    from: { address: 'ann@example.com', name: 'Ann' },
    to: [{ address: 'inbox@example.com', name: '' }],
    cc: [],
    replyTo: [],
    envelope: { from: 'bounce@example.com', to: ['inbox@example.com'] },
    inReplyTo: null,
    references: ['r1@test'],
    text: 'hello',
    html: null,
    headers: [{ name: 'Subject', value: 'Hi there' }],
    attachments: [
      new Attachment({
        filename: 'a.txt',
        contentType: 'text/plain',
        size: 1,
        contentId: null,
        inline: false,
        source: { kind: 'buffer', data: Buffer.from('a') },
      }),
    ],
    auth: { spf: 'pass', dkim: [{ domain: 'example.com', result: 'pass' }] },
    spam: null,
    senderIp: '192.0.2.1',
    ...overrides,
  };
}

describe('InboundEmail', () => {
  it('exposes every field of its input (NUL removed) and dkimCheck, defaulting to null', () => {
    const email = new InboundEmail(init());
    expect(email.subject).toBe('Hi there');
    expect(email.envelope.to).toEqual(['inbox@example.com']);
    expect(email.attachments.map((a) => a.filename)).toEqual(['a.txt']);
    expect(email.dkimCheck).toBeNull();
    const check = { status: 'verified' as const, results: [], checkedAt: '2026-01-02T03:04:06Z' };
    const checked = email.withDkimCheck(check);
    expect([checked.dkimCheck, checked.subject, checked.senderIp]).toEqual([check, 'Hi there', '192.0.2.1']);
  });

  it('has a JSON form with its fields in declaration order, the date as ISO text, and no dkimCheck', () => {
    const email = new InboundEmail(init()).withDkimCheck({ status: 'verified', results: [], checkedAt: 'x' });
    const json = email.toJSON();
    expect(Object.keys(json)).toEqual([
      'provider',
      'mode',
      'messageId',
      'date',
      'subject',
      'from',
      'to',
      'cc',
      'replyTo',
      'envelope',
      'inReplyTo',
      'references',
      'text',
      'html',
      'headers',
      'attachments',
      'auth',
      'spam',
      'senderIp',
      'providerData',
    ]);
    expect(json.date).toBe('2026-01-02T03:04:05.000Z');
    expect(json.subject).toBe('Hi there');
    expect(json.attachments).toEqual([expect.objectContaining({ filename: 'a.txt', size: 1 })]);
    expect(JSON.parse(JSON.stringify(email))).toEqual(json);
  });

  it("keeps the provider's data only when it is the provider's (no data otherwise), in its JSON form too", () => {
    const smtp = { name: 'smtp', remoteAddress: '192.0.2.7', heloName: 'mx.example.net', tls: true } as const;
    const email = new InboundEmail(init({ provider: 'smtp', providerData: smtp }));
    expect(email.providerData).toEqual(smtp);
    expect(email.toJSON().providerData).toEqual(smtp);
    expect(new InboundEmail(init({ providerData: smtp })).providerData).toEqual({
      name: 'sendgrid',
      spamScore: null,
      spamReport: null,
      spf: null,
      dkim: null,
      senderIp: null,
      charsets: null,
    });
    expect(new InboundEmail(init({ provider: 'relay' })).providerData).toEqual({ name: 'relay' });
  });

  it('gives a JSON form that is its own: changing it leaves the email as it was', () => {
    const email = new InboundEmail(init());
    const json = email.toJSON();
    json.to.push({ address: 'x@example.com', name: '' });
    json.envelope.to.length = 0;
    json.auth.dkim[0]!.result = 'fail';
    json.headers[0]!.value = 'changed';
    expect(email.to).toHaveLength(1);
    expect(email.envelope.to).toEqual(['inbox@example.com']);
    expect(email.auth.dkim[0]!.result).toBe('pass');
    expect(email.header('subject')).toBe('Hi there');
  });
});
