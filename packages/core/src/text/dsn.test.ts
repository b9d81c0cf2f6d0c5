import { describe, expect, it } from 'vitest';
import { parseDeliveryReport } from './dsn.js';

describe('parseDeliveryReport', () => {
  it('reads several recipient blocks, folded fields and Original-Recipient from a delivery-status part', () => {
    const report = parseDeliveryReport({
      headers: [],
      text: null,
      parts: [
        {
          contentType: 'message/delivery-status',
          content:
            'Reporting-MTA: dns;mx.example.net\r\n\r\nOriginal-Recipient: rfc822;Ann@Example.org\r\nFinal-Recipient: rfc822;ann@example.org\r\nAction: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 mailbox\r\n full\r\n\r\nFinal-Recipient: rfc822; <ben@example.org>\r\nAction: delivered\r\nStatus: 2.0.0\r\n',
        },
        {
          contentType: 'message/rfc822',
          content: 'Subject: x\r\nMessage-Id: <orig-1@mailroom.example>\r\n\r\nMessage-ID: <not-this@body.example>\r\n',
        },
      ],
    });
    expect(report).toEqual({
      format: 'rfc3464',
      reportingMta: 'mx.example.net',
      originalMessageId: 'orig-1@mailroom.example',
      recipients: [
        {
          address: 'ann@example.org',
          originalRecipient: 'Ann@Example.org',
          action: 'failed',
          status: '5.2.2',
          diagnostic: '552 5.2.2 mailbox full',
          remoteMta: null,
          permanent: true,
        },
        {
          address: 'ben@example.org',
          originalRecipient: null,
          action: 'delivered',
          status: '2.0.0',
          diagnostic: null,
          remoteMta: null,
          permanent: false,
        },
      ],
    });
  });

  it('finds delivery-status fields a gateway inlined into the text body', () => {
    const report = parseDeliveryReport({
      headers: [],
      text: 'Your message could not be delivered.\n\nReporting-MTA: dns; gw.example\n\nFinal-Recipient: rfc822; cy@example.org\nAction: failed\nStatus: 5.1.2\n',
      parts: [],
    });
    expect(report).toMatchObject({
      format: 'rfc3464',
      reportingMta: 'gw.example',
      recipients: [{ address: 'cy@example.org', status: '5.1.2' }],
    });
  });

  it('falls back to X-Failed-Recipients', () => {
    const report = parseDeliveryReport({
      headers: [{ name: 'X-Failed-Recipients', value: 'dee@example.org, <eve@example.org>' }],
      text: 'Something went wrong.',
      parts: [],
    });
    expect(report?.format).toBe('x-failed-recipients');
    expect(report?.recipients.map((r) => r.address)).toEqual(['dee@example.org', 'eve@example.org']);
  });

  it('returns null for an ordinary message that mentions delivery', () => {
    expect(
      parseDeliveryReport({
        headers: [],
        text: 'The delivery failed yesterday, can you resend?\nMessage-ID: <x@y.example>',
        parts: [],
      }),
    ).toBeNull();
    expect(parseDeliveryReport({ headers: [], text: null, parts: [] })).toBeNull();
  });
});
