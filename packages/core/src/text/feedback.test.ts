import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInboundBody } from '../ingress/index.js';
import { multipartBody, multipartContentType } from '../testing/index.js';
import { parseFeedbackReport } from './feedback.js';

/** A raw-mode Inbound Parse post of one of our .eml fixtures, parsed by the ingress. */
async function email(name: string) {
  const eml = readFileSync(new URL(`../../../../test/fixtures/mail/${name}`, import.meta.url));
  return parseInboundBody(multipartBody([{ name: 'email', value: eml }]), multipartContentType());
}

describe('feedbackReport()', () => {
  it('reads every ARF field and the reported Message-ID from a multipart/report feedback report', async () => {
    const arf = await email('arf-abuse.eml');
    expect(arf.classify().kind).toBe('complaint');
    expect(await arf.feedbackReport()).toEqual({
      feedbackType: 'abuse',
      userAgent: 'ExampleFBL/1.0',
      originalMailFrom: 'bounces+list-7@reply.mailroom.example',
      originalRcptTo: ['reader@mailbox.example'],
      sourceIp: '198.51.100.7',
      arrivalDate: 'Wed, 02 Dec 2026 09:58:12 +0000',
      reportedDomains: ['reply.mailroom.example'],
      originalMessageId: 'digest-42.signed@reply.mailroom.example',
    });
    expect(await arf.deliveryReport()).toBeNull();
  });

  it('reads a report without report-type, with Removal-Recipient, Received-Date and text/rfc822-headers', async () => {
    const arf = await email('arf-headers-only.eml');
    expect(arf.classify().kind).toBe('complaint');
    expect(await arf.feedbackReport()).toMatchObject({
      feedbackType: 'opt-out',
      originalRcptTo: ['someone@isp.example'],
      arrivalDate: 'Tue, 01 Dec 2026 22:10:00 -0800',
      originalMessageId: 'news-12@mailroom.example',
    });
  });

  it('reads Apple Mail unsubscribe requests as opt-out and Microsoft JMRP complaints as abuse', () => {
    const apple = parseFeedbackReport({
      headers: [
        { name: 'X-Apple-Unsubscribe', value: 'true' },
        { name: 'Message-ID', value: '<u-1@icloud.example>' },
      ],
      text: 'Apple Mail sent this email to unsubscribe from the message “News”.',
      parts: [],
    });
    expect(apple).toMatchObject({
      feedbackType: 'opt-out',
      userAgent: 'Apple Mail unsubscribe',
      originalMessageId: 'u-1@icloud.example',
    });
    const jmrp = parseFeedbackReport({
      headers: [],
      text: null,
      parts: [
        {
          contentType: 'message/rfc822',
          content: 'X-HmXmrOriginalRecipient: reader@outlook.example\r\nMessage-ID: <m-9@mailroom.example>\r\n\r\nhi',
        },
      ],
    });
    expect(jmrp).toMatchObject({
      feedbackType: 'abuse',
      originalRcptTo: ['reader@outlook.example'],
      originalMessageId: 'm-9@mailroom.example',
    });
  });

  it('returns null for people writing about feedback, and bounds what a hostile report can make it keep', () => {
    expect(
      parseFeedbackReport({ headers: [], text: 'My feedback-type: great service!\nThanks', parts: [] }),
    ).toBeNull();
    expect(
      parseFeedbackReport({ headers: [{ name: 'X-Apple-Unsubscribe', value: 'no' }], text: null, parts: [] }),
    ).toBeNull();
    const flood = `Feedback-Type: abuse\n${'Original-Rcpt-To: a@b.example\n'.repeat(50_000)}`;
    const report = parseFeedbackReport({
      headers: [],
      text: null,
      parts: [{ contentType: 'message/feedback-report', content: flood }],
    });
    expect(report?.feedbackType).toBe('abuse');
    expect(report!.originalRcptTo.length).toBeLessThanOrEqual(100);
    const long = parseFeedbackReport({
      headers: [],
      text: null,
      parts: [
        { contentType: 'message/feedback-report', content: `Feedback-Type: abuse\nUser-Agent: ${'x'.repeat(100_000)}` },
      ],
    });
    expect(long!.userAgent!.length).toBeLessThanOrEqual(1000);
  });
});

describe('classify() on whole posted messages', () => {
  it('a null-sender autoresponder is an auto-reply, not a bounce, and has no delivery report', async () => {
    const ack = await email('autoreply-null-sender.eml');
    expect(ack.classify().kind).toBe('auto-reply');
    expect(await ack.deliveryReport()).toBeNull();
  });
  it('a challenge/response notice sent as a delivery-status report is an auto-reply', async () => {
    const cr = await email('challenge-response-dsn.eml');
    expect(cr.classify()).toMatchObject({
      kind: 'auto-reply',
      reasons: expect.arrayContaining(['challenge/response: challenge/response text']),
    });
  });
});
