/**
 * Captured SendGrid posts, reproduced byte-for-byte in shape from the captures described in
 * the SendGrid reference (C5, C6, C7): field order, odd keys, charsets and all. Long values
 * (DKIM signatures, image data, SpamAssassin tables) are shortened; nothing else is tidied.
 */
import { multipartBody, multipartContentType, SENDGRID_BOUNDARY, type FormPart } from './multipart.js';
import type { BuiltPost } from './post.js';

/** A 1×1 PNG (the C6 inline Outlook signature image stands in for it). */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);

/** JPEG-shaped bytes (SOI, JFIF APP0, EOI): enough for type sniffing and byte comparison. */
export const TINY_JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');

/**
 * C5 — parsed mode, 2018, a Gmail forward, no attachments, spam check on, every field UTF-8.
 * Expect: from Ashley Roach <aroach@gmail.com>, to test@parse.ashleyroach.com, subject
 * "Fwd: testing webhook parse", text "this is the body for webhook parse", spam score 0.022.
 */
export function c5ParsedGmail(): BuiltPost {
  const headers = [
    'Received: by mx0032p1las1.sendgrid.net with SMTP id NRnKey2i6C Tue, 09 Oct 2018 03:16:04 +0000 (UTC)',
    'Received: from mail-yw1-f46.google.com (mail-yw1-f46.google.com [209.85.161.46]) by mx0032p1las1.sendgrid.net (Postfix) with ESMTPS id 8D6F3E0092 for <test@parse.ashleyroach.com>; Tue,  9 Oct 2018 03:16:04 +0000 (UTC)',
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=gmail.com; s=20161025; h=mime-version:references:in-reply-to:from:date:message-id:subject:to; bh=cx4wNnlRp1MlvxwlmVPZd0FXkzD3QiFwGyS3kpzcWsw=; b=Vd9Rc6p1…',
    'MIME-Version: 1.0',
    'References: <CAHR_r0ZVoSkaqLXpN1M1sGrRgrw8QKs8Nub5RUGqGLvrNyaMzA@mail.gmail.com>',
    'In-Reply-To: <CAHR_r0ZVoSkaqLXpN1M1sGrRgrw8QKs8Nub5RUGqGLvrNyaMzA@mail.gmail.com>',
    'From: Ashley Roach <aroach@gmail.com>',
    'Date: Mon, 8 Oct 2018 20:15:52 -0700',
    'Message-ID: <CAHR_r0bxT6Wq7rBXnGcvAQ0DXu_UwYBYdE0b3n0sQXQ3hN9jbA@mail.gmail.com>',
    'Subject: Fwd: testing webhook parse',
    'To: test@parse.ashleyroach.com',
    'Content-Type: multipart/alternative; boundary="0000000000005aac2a0577c32893"',
    '',
  ].join('\n');
  const spamReport =
    'Spam detection software, running on the system "mx0032p1las1.sendgrid.net", has\n' +
    'identified this incoming email as possible spam.  The original message\n' +
    "has been attached to this so you can view it (if it isn't spam) or label\n" +
    'similar future email.  If you have any questions, see\n' +
    'the administrator of that system for details.\n\n' +
    'Content preview:  this is the body for webhook parse [...]\n\n' +
    'Content analysis details:   (0.0 points, 5.0 required)\n\n' +
    ' pts rule name              description\n' +
    '---- ---------------------- --------------------------------------------------\n' +
    ' 0.0 FREEMAIL_FROM          Sender email is commonly abused enduser mail provider\n' +
    '                            (aroach[at]gmail.com)\n';
  return captured([
    text('headers', headers),
    text('dkim', '{@gmail.com : pass}'),
    text('to', 'test@parse.ashleyroach.com'),
    text('html', '<div dir="ltr">this is the body for webhook parse</div>\n'),
    text('from', 'Ashley Roach <aroach@gmail.com>'),
    text('text', 'this is the body for webhook parse\n'),
    text('sender_ip', '209.85.161.46'),
    text('spam_report', spamReport),
    text('envelope', '{"to":["test@parse.ashleyroach.com"],"from":"aroach@gmail.com"}'),
    text('attachments', '0'),
    text('subject', 'Fwd: testing webhook parse'),
    text('spam_score', '0.022'),
    text('charsets', '{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}'),
    text('SPF', 'pass'),
  ]);
}

const OUTLOOK_FROM_HEADER = 'From: =?utf-8?B?SsOpcsOpbWllIERlc2F1dGVscw==?= <myemailaddress@hotmail.com>';
const OUTLOOK_TO = '"test@api.mytestingdomain.com" <test@api.mytestingdomain.com>';
const OUTLOOK_ENVELOPE = '{"to":["test@api.mytestingdomain.com"],"from":"myemailaddress@hotmail.com"}';
const SPAM_REPORT_2023 =
  'Spam detection software, running on the system "parsley-p1iad2-spamassassin-668d5659bf-hv5f4",\n' +
  'has NOT identified this incoming email as spam.  The original\n' +
  'message has been attached to this so you can view it or label\n' +
  'similar future email.  If you have any questions, see\n' +
  'the administrator of that system for details.\n\n' +
  'Content preview:  This is a test 💀 [...]\n\n' +
  'Content analysis details:   (2.7 points, 5.0 required)\n';

/**
 * C6 — parsed mode, 2023, Outlook: two attachments posted out of order (`attachment2` first,
 * between `headers` and `dkim`), `attachment-info` keyed out of order, an inline PNG named in
 * `content-ids`, a stray `filename` key in `charsets`, and us-ascii bodies.
 * Expect: attachment1 = image001.png (inline, content-id image001.png@01D85101.00357470),
 * attachment2 = 001.jpg; from "Jérémie Desautels"; spam score 2.7.
 */
export function c6ParsedOutlook(): BuiltPost {
  const headers = [
    'Received: by mx0047p1mdw1.sendgrid.net with SMTP id 6WCVv7KAWn Wed, 01 Nov 2023 15:32:12 +0000 (UTC)',
    'Received: from NAM12-DM6-obe.outbound.protection.outlook.com (mail-dm6nam12olkn2088.outbound.protection.outlook.com [40.92.22.88]) by mx0047p1mdw1.sendgrid.net (Postfix) with ESMTPS id 1F7C2C0124 for <test@api.mytestingdomain.com>; Wed,  1 Nov 2023 15:32:12 +0000 (UTC)',
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=hotmail.com; s=selector1; h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck; bh=…; b=…',
    OUTLOOK_FROM_HEADER,
    `To: ${OUTLOOK_TO}`,
    'Subject: This is a test with attachments',
    'Thread-Topic: This is a test with attachments',
    'Date: Wed, 1 Nov 2023 15:32:08 +0000',
    'Message-ID: <LV8PR02MB10071A1D2B45CF1B38D6F5C3EDCA7A@LV8PR02MB10071.namprd02.prod.outlook.com>',
    'Accept-Language: en-US',
    'Content-Language: en-US',
    'X-MS-Has-Attach: yes',
    'Content-Type: multipart/mixed; boundary="_006_LV8PR02MB10071A1D2B45CF1B38D6F5C3EDCA7ALV8PR02MB10071na_"',
    'MIME-Version: 1.0',
    '',
  ].join('\n');
  return captured([
    text('headers', headers),
    file('attachment2', '001.jpg', 'image/jpeg', TINY_JPEG),
    file('attachment1', 'image001.png', 'image/png', TINY_PNG),
    text('dkim', '{@hotmail.com : pass}'),
    text('content-ids', '{"image001.png@01D85101.00357470":"attachment1"}'),
    text('to', OUTLOOK_TO),
    text(
      'html',
      '<html><head></head><body><p>This is a test</p><p><img src="cid:image001.png@01D85101.00357470"></p></body></html>\n',
    ),
    text('from', 'Jérémie Desautels <myemailaddress@hotmail.com>'),
    text('text', 'This is a test\n\n[cid:image001.png@01D85101.00357470]\n'),
    text('sender_ip', '40.92.22.88'),
    text('spam_report', SPAM_REPORT_2023),
    text('envelope', OUTLOOK_ENVELOPE),
    text('attachments', '2'),
    text('subject', 'This is a test with attachments'),
    text('spam_score', '2.7'),
    text(
      'attachment-info',
      '{"attachment2":{"filename":"001.jpg","name":"001.jpg","type":"image/jpeg"},' +
        '"attachment1":{"filename":"image001.png","name":"image001.png","type":"image/png","content-id":"image001.png@01D85101.00357470"}}',
    ),
    text(
      'charsets',
      '{"to":"UTF-8","filename":"UTF-8","html":"us-ascii","subject":"UTF-8","from":"UTF-8","text":"us-ascii"}',
    ),
    text('SPF', 'pass'),
  ]);
}

/** The Content-ID of the inline image in {@link c6RawOutlook} (no angle brackets). */
export const C6_RAW_INLINE_CID = 'e8fde86f-45f9-445f-b57d-50a8f56911d2';

/**
 * C6 — raw mode, 2023-11-10, Outlook: multipart/related with a text/html alternative (UTF-8,
 * base64, an emoji) and an inline JPEG referenced by `cid:`; the From display name is an
 * encoded-word. Form fields in the captured order: no text/html/attachment fields.
 * Expect: subject "Inbound email in raw format", from "Jérémie Desautels", one inline
 * attachment "Frangipani Flowers.jpg" with content-id {@link C6_RAW_INLINE_CID}.
 */
export function c6RawOutlook(): BuiltPost {
  const related = '_004_LV8PR02MB100710E85EF2E124F9798DE6DCDAEALV8PR02MB10071na_';
  const alternative = '_000_LV8PR02MB100710E85EF2E124F9798DE6DCDAEALV8PR02MB10071na_';
  const plain = `This is a test 💀\n\n[cid:${C6_RAW_INLINE_CID}]\r\n`;
  const html =
    '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n</head>\n<body dir="ltr">\n' +
    `<div>This is a test 💀</div>\n<div><img size="108051" contenttype="image/jpeg" src="cid:${C6_RAW_INLINE_CID}"><br></div>\n</body>\n</html>\n`;
  const email = [
    'Received: from NAM12-DM6-obe.outbound.protection.outlook.com (mxd [40.92.22.88]) by mx.sendgrid.net with ESMTP id YtZx2yOQRk6sFBvjnHkjbg for <test@api.mytestingdomain.com>; Fri, 10 Nov 2023 22:34:01.452 +0000 (UTC)',
    'ARC-Seal: i=1; a=rsa-sha256; s=arcselector9901; d=microsoft.com; cv=none;',
    ' b=MT/Sz8bBihoFcQwzQUXWQUofI4mDrlOek4G+W+EIPfsfy3RW…',
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=hotmail.com;',
    ' s=selector1;',
    ' h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck;',
    ' bh=KCFyF/R8i79J4KD8mABmnjp7+TvjA5qSioBqDEo8Zp0=;',
    ' b=QyDJSeTlEJkXcHcFQEY/OGrW9Kso3KmhxSSQh5Jc9OQBTMzl…',
    'Received: from LV8PR02MB10071.namprd02.prod.outlook.com',
    ' ([fe80::c73a:2990:7c36:1e75]) by LV8PR02MB10071.namprd02.prod.outlook.com',
    ' ([fe80::c73a:2990:7c36:1e75%2]) with mapi id 15.20.6977.020; Fri, 10 Nov 2023',
    ' 22:33:59 +0000',
    OUTLOOK_FROM_HEADER,
    `To: ${OUTLOOK_TO}`,
    'Subject: Inbound email in raw format',
    'Thread-Topic: Inbound email in raw format',
    'Thread-Index: AQHaFCXddcfELqGgYkyr6IDfvpsowA==',
    'Date: Fri, 10 Nov 2023 22:33:59 +0000',
    'Message-ID:',
    ' <LV8PR02MB100710E85EF2E124F9798DE6DCDAEA@LV8PR02MB10071.namprd02.prod.outlook.com>',
    'Accept-Language: en-US',
    'Content-Language: en-US',
    'X-MS-Has-Attach: yes',
    'X-MS-TNEF-Correlator:',
    'msip_labels:',
    'Content-Type: multipart/related;',
    `\tboundary="${related}";`,
    '\ttype="multipart/alternative"',
    'MIME-Version: 1.0',
    '',
    `--${related}`,
    'Content-Type: multipart/alternative;',
    `\tboundary="${alternative}"`,
    '',
    ...base64TextPart(alternative, 'text/plain', plain),
    ...base64TextPart(alternative, 'text/html', html),
    `--${alternative}--`,
    '',
    `--${related}`,
    'Content-Type: image/jpeg; name="Frangipani Flowers.jpg"',
    'Content-Description: Frangipani Flowers.jpg',
    'Content-Disposition: inline; filename="Frangipani Flowers.jpg"; size=22;',
    '\tcreation-date="Fri, 10 Nov 2023 22:33:53 GMT";',
    '\tmodification-date="Fri, 10 Nov 2023 22:33:53 GMT"',
    `Content-ID: <${C6_RAW_INLINE_CID}>`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(TINY_JPEG),
    '',
    `--${related}--`,
    '',
  ].join('\r\n');
  return captured([
    text('email', email),
    text('dkim', '{@hotmail.com : pass}'),
    text('sender_ip', '40.92.22.88'),
    text('charsets', '{"to":"UTF-8","from":"UTF-8","subject":"UTF-8"}'),
    text('SPF', 'pass'),
    text('to', OUTLOOK_TO),
    text('from', 'Jérémie Desautels <myemailaddress@hotmail.com>'),
    text('subject', 'Inbound email in raw format'),
    text('envelope', OUTLOOK_ENVELOPE),
    text('spam_score', '2.7'),
    text('spam_report', SPAM_REPORT_2023),
  ]);
}

/**
 * C7 — parsed mode, 7/2020 (django-anymail's sanitised capture): every decoded field in a
 * different charset. `subject` is cp850 bytes (the `headers` field keeps the encoded-word),
 * `text` windows-1252 (0x92 is ’, 0x85 is …), `html` iso-8859-1, addresses UTF-8. The capture
 * was trimmed to the charset fields; the fields SendGrid always sends (envelope, dkim, SPF,
 * sender_ip, attachments) are added back with neutral values.
 * Expect: subject "Como usted pidió", text "Test the ESP’s inbound charset handling…",
 * html "<p>¿Esto se ve como esperabas?</p>", from "Opérateur de test <sender@example.com>",
 * to "Récipiendaire précieux <inbound@sg.example.com>".
 */
export function c7ParsedCharsets(): BuiltPost {
  const headers = [
    'Date: Fri, 24 Jul 2020 16:43:46 UTC',
    'To: =?utf-8?q?R=C3=A9cipiendaire_pr=C3=A9cieux?= <inbound@sg.example.com>',
    'From: =?utf-8?q?Op=C3=A9rateur?= de test <sender@example.com>',
    'Subject: =?cp850?q?Como_usted_pidi=A2?=',
    '',
  ].join('\r\n');
  return captured([
    text('headers', headers),
    bytes('subject', Buffer.from('Como usted pidi\xa2', 'latin1')),
    text('to', 'Récipiendaire précieux <inbound@sg.example.com>'),
    bytes('html', Buffer.from('<p>\xbfEsto se ve como esperabas?</p>', 'latin1')),
    text('from', 'Opérateur de test <sender@example.com>'),
    bytes('text', Buffer.from('Test the ESP\x92s inbound charset handling\x85', 'latin1')),
    text(
      'charsets',
      '{"to":"UTF-8","cc":"UTF-8","html":"iso-8859-1","subject":"cp850","from":"UTF-8","text":"windows-1252"}',
    ),
    text('envelope', '{"to":["inbound@sg.example.com"],"from":"sender@example.com"}'),
    text('dkim', 'none'),
    text('sender_ip', '192.0.2.7'),
    text('attachments', '0'),
    text('SPF', 'pass'),
  ]);
}

function captured(parts: FormPart[]): BuiltPost {
  const body = multipartBody(parts, SENDGRID_BOUNDARY);
  const contentType = multipartContentType(SENDGRID_BOUNDARY);
  return {
    body,
    contentType,
    headers: { 'content-type': contentType, 'content-length': String(body.length), 'user-agent': 'Sendlib/1.0' },
  };
}

function text(name: string, value: string): FormPart {
  return { name, value: Buffer.from(value, 'utf8') };
}

function bytes(name: string, value: Buffer): FormPart {
  return { name, value };
}

function file(name: string, filename: string, contentType: string, value: Buffer): FormPart {
  return { name, value, filename, contentType };
}

/** One base64-encoded UTF-8 text part of the multipart `boundary`, as its lines (the blank line after it too). */
function base64TextPart(boundary: string, type: 'text/plain' | 'text/html', text: string): string[] {
  return [
    `--${boundary}`,
    `Content-Type: ${type}; charset="utf-8"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(text, 'utf8')),
    '',
  ];
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}
