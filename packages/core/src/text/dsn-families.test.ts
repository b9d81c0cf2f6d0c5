import { describe, expect, it } from 'vitest';
import { parseDeliveryReport, type DeliveryReportSource } from './dsn.js';

// Our own cases, one per reporting style seen in other projects' bounce corpora (no file of theirs is copied).
const headers = (from: string, subject: string, to = 'sender@mailroom.example'): DeliveryReportSource['headers'] => [
  { name: 'From', value: from },
  { name: 'To', value: to },
  { name: 'Subject', value: subject },
];
const report = (from: string, subject: string, text: string, parts: DeliveryReportSource['parts'] = []) =>
  parseDeliveryReport({ headers: headers(from, subject), text, parts });

describe('deliveryReport for MTAs without a delivery-status part', () => {
  it('DragonFly-style: "error delivering your mail to <addr>" and a multi-line SMTP reply', () => {
    const r = report(
      'MAILER-DAEMON@df.example',
      'Mail delivery failed',
      'This is the DragonFly Mail Agent v0.13 at df.example.\n\nThere was an error delivering your mail to <ann@example.org>.\n\nmx.example.org [192.0.2.1] did not like our RCPT TO:\n550-5.1.1 The email account that you tried to reach\n550 5.1.1 does not exist.\n\nMessage headers follow.\n\nTo: <ann@example.org>\nFrom: <sender@mailroom.example>\n',
    );
    expect(r).toMatchObject({
      format: 'text',
      recipients: [{ address: 'ann@example.org', status: '5.1.1', action: 'failed', permanent: true }],
    });
  });

  it('Yahoo-style (qmail-like without "qmail-send program"): every <addr>: block, copy below ignored', () => {
    const r = report(
      'MAILER-DAEMON@mail.example.jp',
      'Failure Notice',
      'Sorry, we were unable to deliver your message to the following address.\n\n<bo@example.org>:\nRemote host said: 550 5.1.1 <bo@example.org>... User Unknown [RCPT_TO]\n\n<cy@example.net>:\nRemote host said: 452 4.2.2 Mailbox full\n\n--- Below this line is a copy of the message.\n\nTo: dee@example.com\n',
    );
    expect(r?.recipients.map((x) => [x.address, x.status, x.permanent, x.action])).toEqual([
      ['bo@example.org', '5.1.1', true, 'failed'],
      ['cy@example.net', '4.2.2', false, 'delayed'],
    ]);
  });

  it('Exchange 2003-style: "did not reach the following recipient(s)", the quoted To: line is not a recipient', () => {
    const r = report(
      'postmaster@corp.example',
      'Undeliverable: Plan',
      'Your message\n\n  To:      sender@mailroom.example\n  Subject: Plan\n\ndid not reach the following recipient(s):\n\nevan@corp.example on Thu, 29 Apr 2010 00:00:00 -0000\n    The recipient name is not recognized\n    MSEXCH:IMS:CORP:EXAMPLE 0 (000C05A6) Unknown Recipient\n',
    );
    expect(r?.recipients).toEqual([
      expect.objectContaining({ address: 'evan@corp.example', action: 'failed', permanent: true }),
    ]);
  });

  it('V5 sendmail-style: no address in the transcript, the returned copy names the recipient; 4xx is temporary', () => {
    const r = report(
      'MAILER-DAEMON@old.example',
      'Returned mail: Cannot send message for 4 days',
      '   ----- Transcript of session follows -----\n421 old.example (smtp)... Deferred: Connection timed out\n\n   ----- Unsent message follows -----\nFrom: sender@mailroom.example\nTo: fay@old.example\nSubject: Hi\n',
    );
    expect(r?.recipients).toEqual([
      expect.objectContaining({ address: 'fay@old.example', permanent: false, action: 'delayed' }),
    ]);
  });

  it('Zoho/IMail-style one-line reports', () => {
    expect(
      report(
        'mailer-daemon@mail.zoho.example',
        'Undelivered Mail Returned to Sender',
        'This is a permanent error.\n\ngus@example.co.jp Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <gus@example.co.jp>... User Unknown\n',
      )?.recipients,
    ).toEqual([expect.objectContaining({ address: 'gus@example.co.jp', status: '5.1.1', permanent: true })]);
    expect(
      report(
        'postmaster@imail.example',
        'Undeliverable Mail',
        'Unknown user: hal@example.com\n\n\nOriginal message follows.\n\nTo: hal@example.com\n',
      )?.recipients,
    ).toEqual([expect.objectContaining({ address: 'hal@example.com', permanent: true })]);
  });

  it('a person mentioning an address and "could not be delivered" is no report unless the mail reads as returned', () => {
    expect(
      parseDeliveryReport({
        headers: headers('ivy@example.com', 'Re: parcel'),
        text: 'My parcel could not be delivered, write to jo@example.org',
        parts: [],
      }),
    ).toMatchObject({
      format: 'text',
    });
    expect(
      parseDeliveryReport({
        headers: headers('ivy@example.com', 'Re: parcel'),
        text: 'Can you write to jo@example.org about the parcel?',
        parts: [],
      }),
    ).toBeNull();
  });
});

describe('deliveryReport for delivery-status parts without blank lines', () => {
  it('AOL-style: recipients one after another with no blank line, every one reported (Original- after Final-Recipient too)', () => {
    const r = parseDeliveryReport({
      headers: [],
      text: null,
      parts: [
        {
          contentType: 'message/delivery-status',
          content:
            'Reporting-MTA: dns; mx.aol.example\n\nFinal-Recipient: rfc822; a1@aol.example\nAction: failed\nStatus: 5.2.2\nFinal-Recipient: rfc822; a2@aol.example\nAction: failed\nStatus: 5.1.1\nFinal-Recipient: rfc822; a3@aol.example\nOriginal-Recipient: rfc822; A3@aol.example\nAction: delayed\nStatus: 4.4.7\n',
        },
      ],
    });
    expect(r?.recipients.map((x) => [x.address, x.status, x.permanent, x.originalRecipient])).toEqual([
      ['a1@aol.example', '5.2.2', true, null],
      ['a2@aol.example', '5.1.1', true, null],
      ['a3@aol.example', '4.4.7', false, 'A3@aol.example'],
    ]);
  });

  it('blocks that start with Action:, and a status read from the diagnostic when Status is missing', () => {
    const r = parseDeliveryReport({
      headers: [],
      text: null,
      parts: [
        {
          contentType: 'message/delivery-status',
          content:
            'Reporting-MTA: dns; mx.example\n\nAction: failed\nFinal-Recipient: rfc822; kim@example.org\nDiagnostic-Code: smtp; 550 5.7.1 blocked\n\nAction: failed\nFinal-Recipient: rfc822; lee@example.org\nDiagnostic-Code: smtp; 421 try later\n',
        },
      ],
    });
    expect(r?.recipients.map((x) => [x.address, x.status, x.permanent])).toEqual([
      ['kim@example.org', '5.7.1', true],
      ['lee@example.org', null, false],
    ]);
  });

  it('bounds a hostile report: at most MAX_DSN_RECIPIENTS recipients, diagnostics cut', () => {
    const lines = Array.from(
      { length: 5000 },
      (_, i) => `<u${i}@example.org>:\n${'550 5.1.1 no such user '.repeat(100)}\n`,
    ).join('\n');
    const r = report(
      'MAILER-DAEMON@mx.example',
      'Failure Notice',
      `Sorry, we were unable to deliver your message.\n\n${lines}`,
    );
    expect(r!.recipients.length).toBeLessThanOrEqual(1000);
    expect(Math.max(...r!.recipients.map((x) => x.diagnostic?.length ?? 0))).toBeLessThanOrEqual(1000);
  });
});

describe('deliveryReport statuses and permanent/temporary', () => {
  const statusPart = (content: string) =>
    parseDeliveryReport({ headers: [], text: null, parts: [{ contentType: 'message/delivery-status', content }] });
  const block = (status: string, diagnostic: string) =>
    `Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; nia@example.org\nAction: failed\nStatus: ${status}\nDiagnostic-Code: smtp; ${diagnostic}\n`;

  it("a generic Status field takes the remote reply's code; a specific one stays", () => {
    expect(statusPart(block('5.0.0', '554 5.7.1 <nia@example.org>: Relay access denied'))?.recipients[0]).toMatchObject(
      { status: '5.7.1', permanent: true },
    );
    expect(statusPart(block('5.0.0', '550 #5.1.0 Address rejected.'))?.recipients[0]?.status).toBe('5.1.0');
    expect(statusPart(block('5.2.2', '552 5.7.1 over quota, blocked'))?.recipients[0]?.status).toBe('5.2.2');
  });

  it('an expired delay (4.4.7) reports why the last attempt failed; the class stays temporary', () => {
    const r = statusPart(
      block('4.4.7', '554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>'),
    );
    expect(r?.recipients[0]).toMatchObject({ status: '4.4.2', permanent: false });
  });

  it("X-Failed-Recipients (Exim, Gmail): each recipient's code from its paragraph, the report's code for a lone recipient", () => {
    const gmail = parseDeliveryReport({
      headers: [
        ...headers('mailer-daemon@googlemail.example', 'Delivery Status Notification (Failure)'),
        { name: 'X-Failed-Recipients', value: 'oli@example.jp' },
      ],
      text: 'Delivery to the following recipient failed permanently:\n\n     oli@example.jp\n\nTechnical details of permanent failure:\nThe error that the other server returned was:\n550 5.1.1 <oli@example.jp>... User Unknown\n\n----- Original message -----\n\nTo: oli@example.jp\n',
      parts: [],
    });
    expect(gmail).toMatchObject({
      format: 'x-failed-recipients',
      recipients: [{ address: 'oli@example.jp', status: '5.1.1', permanent: true }],
    });
    const exim = parseDeliveryReport({
      headers: [
        ...headers('Mail Delivery System <Mailer-Daemon@mx.example>', 'Mail delivery failed'),
        { name: 'X-Failed-Recipients', value: 'pat@example.ed.jp' },
      ],
      text: 'This message was created automatically by mail delivery software.\n\nThe following address(es) failed:\n\n  pat\n    host mx.example.jp [192.0.2.20]: 550 5.7.0 Please use the smtp server of your ISP.\n',
      parts: [],
    });
    expect(exim?.recipients).toEqual([
      expect.objectContaining({ address: 'pat@example.ed.jp', status: '5.7.0', permanent: true }),
    ]);
  });

  it('a warning-only notice ("you do not need to resend") is temporary, and so is a Zoho-style ":421," reply', () => {
    const warning = report(
      'MAILER-DAEMON@zoho.example',
      'Delivery Status Notification',
      'THIS IS A WARNING MESSAGE ONLY.\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\n\nqui@example.co.jp\n    could not be reached for 4 hours\n',
    );
    expect(warning?.recipients).toEqual([
      expect.objectContaining({ address: 'qui@example.co.jp', action: 'delayed', permanent: false }),
    ]);
    const zoho = report(
      'MAILER-DAEMON@zoho.example',
      'Undelivered Mail Returned to Sender',
      'Unable to deliver your message.\n\nrae@example.jp Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.\n',
    );
    expect(zoho?.recipients).toEqual([
      expect.objectContaining({ address: 'rae@example.jp', action: 'delayed', permanent: false }),
    ]);
  });

  it('an SMTP transcript: the failing step decides, not the 250 of the accepted RCPT', () => {
    const r = report(
      'MAILER-DAEMON@mx.example',
      'Undelivered Mail Returned to Sender',
      'This is the mail system at host mx.example.\n\nTranscript of session follows.\n\n In:  MAIL\n     FROM:<sender@mailroom.example>\n Out: 250 2.1.0 Ok\n In:  RCPT TO:<sam@example.net>\n Out: 250 2.1.5 Ok\n In:  DATA\n Out: 451 4.3.0 Error: queue file write error\n',
    );
    expect(r?.recipients).toEqual([
      expect.objectContaining({ address: 'sam@example.net', status: '4.3.0', action: 'delayed', permanent: false }),
    ]);
  });

  it('prose: no recipient from a contact line, a link, a folded header line, a bracketed log field or after a boxed copy marker', () => {
    const r = report(
      'postmaster@mx.example',
      'Undeliverable Mail',
      [
        'Your message could not be delivered.',
        '',
        'ted@example.org: 550 5.1.1 no such user',
        'Log: 550-F=[sender@mailroom.example] T=[ted@example.org] rejected',
        'For further assistance, please contact <help@mx.example>',
        'Unsubscribe: https://sns.example.com/unsubscribe?endpoint=uma@example.jp',
        'Received: from relay.example (relay.example [192.0.2.1])',
        '    by mx.example; for <val@example.net>;',
        '|------------------------- Message text follows: ------------------------|',
        'Hi wes@example.com',
      ].join('\n'),
    );
    expect(r?.recipients.map((x) => [x.address, x.status])).toEqual([['ted@example.org', '5.1.1']]);
  });
});
