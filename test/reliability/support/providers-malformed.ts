/**
 * The malformed shapes of each HTTP ingress (Postmark, Mailgun, relay, SES through SNS) and the protocol abuse of
 * the SMTP receiver that providers-hostile.test.ts sends beside the hostile messages, each with the statuses it may
 * get besides the contract.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BROKEN_JSON } from './hostile.js';
import type { Answer, prng } from './posts.js';
import { message, MESSAGE_END, post, type Providers } from './providers-harness.js';
import {
  DOMAIN,
  INBOX,
  INGRESS_LIMITS,
  LIMITS,
  PATHS,
  POSTMARK_BASIC,
  RELAY_SECRET,
  basicAuthorization,
  codeOf,
  genuineMessage,
  mailgunRequest,
  postmarkPayload,
  postmarkRequest,
  rawHttp,
  relayRequest,
  sesRequest,
  SES_TOPIC_ARN,
  type HttpProvider,
  type ProviderRequest,
  type RawAnswer,
  type RawSmtpSession,
} from './providers.js';
// ——— provider-specific malformed shapes ———

export interface MalformedCase {
  name: string;
  /** Statuses this case may get (besides the contract); default any 2xx or 4xx. */
  expect?: number[];
  send: (p: Providers) => Promise<Answer | RawAnswer>;
}

export function deepJson(depth: number, leaf = '1'): string {
  return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
}

/**
 * A body announced over the ingress' limit: refused from the Content-Length alone (the body is never sent, so the
 * answer cannot be lost to the TCP reset a server closing on unread bytes may cause, as it can for fetch).
 */
export function declaredOverLimit(provider: HttpProvider, headers: string[]): MalformedCase {
  return {
    name: 'declared over the body limit',
    expect: [413],
    send: (p) =>
      rawHttp(p.httpPort, { path: PATHS[provider], headers, declaredLength: INGRESS_LIMITS.maxBodyBytes + 1 }),
  };
}

export function postmarkCases(): MalformedCase[] {
  const pm = (name: string, body: () => ProviderRequest, expect?: number[]): MalformedCase => ({
    name,
    expect,
    send: (p) => post(p, 'postmark', body()),
  });
  const raw = (tag: string) => JSON.stringify(message(tag).toString('utf8'));
  const manyKeys = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',');
  return [
    ...BROKEN_JSON.map((json, i) => pm(`broken JSON #${i}`, () => postmarkRequest(json), [400, 422])),
    pm('not UTF-8', () => postmarkRequest(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), [400]),
    pm('truncated payload', () => postmarkRequest(JSON.stringify(postmarkPayload(message('pm'))).slice(0, 200)), [400]),
    ...[42, true, {}, [], ['x'], { length: 3 }, 1e308].map((value, i) =>
      pm(
        `RawEmail not a string #${i}`,
        () => postmarkRequest(postmarkPayload(message('pm'), { RawEmail: value })),
        [400],
      ),
    ),
    pm('RawEmail empty', () => postmarkRequest(postmarkPayload(message('pm'), { RawEmail: '' })), [422]),
    pm('RawEmail missing', () => postmarkRequest(postmarkPayload(message('pm'), { RawEmail: undefined })), [422]),
    pm(
      'RawEmail twice (last wins, an object)',
      () => postmarkRequest(`{"RawEmail":${raw('pm')},"RawEmail":{}}`),
      [400],
    ),
    pm('__proto__ holding RawEmail', () => postmarkRequest(`{"__proto__":{"RawEmail":${raw('pm')}}}`), [422]),
    pm(
      'nesting 100,000 deep beside RawEmail',
      () => postmarkRequest(`{"RawEmail":${raw('pm-deep')},"Headers":${deepJson(100_000)}}`),
      [400],
    ),
    pm('nesting 1,000,000 deep, unterminated', () => postmarkRequest(`{"RawEmail":${'['.repeat(1_000_000)}`), [400]),
    pm(
      'nesting 500,000 deep objects',
      () => postmarkRequest(`${'{"a":'.repeat(500_000)}1${'}'.repeat(500_000)}`),
      [400],
    ),
    pm(
      '1,000,000 empty objects beside RawEmail',
      () => postmarkRequest(`{"RawEmail":${raw('pm-tiny')},"Attachments":[${'{},'.repeat(999_999)}{}]}`),
      [400],
    ),
    pm(
      'nesting 64 deep beside RawEmail (a shape a payload could have)',
      () => postmarkRequest(`{"RawEmail":${raw('pm-deep64')},"Headers":${deepJson(64)}}`),
      [200],
    ),
    pm('10,000 keys and RawEmail', () => postmarkRequest(`{${manyKeys(10_000)},"RawEmail":${raw('pm-keys')}}`), [200]),
    pm(
      '100,000 keys and RawEmail',
      () => postmarkRequest(`{${manyKeys(100_000)},"RawEmail":${raw('pm-keys')}}`),
      [400],
    ),
    pm(
      '10,000 ToFull recipients, no OriginalRecipient',
      () =>
        postmarkRequest(
          postmarkPayload(message('pm'), {
            OriginalRecipient: undefined,
            ToFull: Array.from({ length: 10_000 }, (_, i) => ({ Email: `u${i}@${DOMAIN}` })),
          }),
        ),
      [400],
    ),
    pm(
      'ToFull not a list',
      () => postmarkRequest(postmarkPayload(message('pm'), { OriginalRecipient: undefined, ToFull: 'x@y.z' })),
      [400],
    ),
    pm(
      'ToFull entries of every type',
      () =>
        postmarkRequest(
          postmarkPayload(message('pm-types'), {
            OriginalRecipient: undefined,
            ToFull: [1, null, 'a', [], {}, { Email: 5 }],
          }),
        ),
      [400],
    ),
    pm(
      'OriginalRecipient with CR/LF',
      () => postmarkRequest(postmarkPayload(message('pm'), { OriginalRecipient: `${INBOX}\r\nBcc: evil@x.y` })),
      [400],
    ),
    pm('OriginalRecipient of 5,000 characters', () =>
      postmarkRequest(postmarkPayload(message('pm'), { OriginalRecipient: `${'a'.repeat(5000)}@${DOMAIN}` })),
    ),
    pm(
      'OriginalRecipient a number',
      () => postmarkRequest(postmarkPayload(message('pm'), { OriginalRecipient: 7 })),
      [400],
    ),
    {
      name: 'Content-Type with a control character',
      expect: [400, 415],
      send: (p) =>
        rawHttp(p.httpPort, {
          path: PATHS.postmark,
          headers: [
            `Authorization: ${basicAuthorization(POSTMARK_BASIC.username, POSTMARK_BASIC.password)}`,
            'Content-Type: application/json\u0001',
          ],
          body: postmarkRequest(postmarkPayload(message('pm'))).body,
        }),
    },
    ...['text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', ''].map((type, i) =>
      pm(
        `wrong Content-Type #${i}`,
        () => postmarkRequest(postmarkPayload(message('pm')), { contentType: type || null }),
        [415],
      ),
    ),
    declaredOverLimit('postmark', [
      `Authorization: ${basicAuthorization(POSTMARK_BASIC.username, POSTMARK_BASIC.password)}`,
      'Content-Type: application/json',
    ]),
    {
      name: 'Content-Encoding gzip',
      expect: [415],
      send: (p) => {
        const request = postmarkRequest(postmarkPayload(message('pm')));
        return post(p, 'postmark', { ...request, headers: { ...request.headers, 'content-encoding': 'gzip' } });
      },
    },
  ];
}

export function mailgunCases(): MalformedCase[] {
  const mg = (name: string, body: () => ProviderRequest, expect?: number[]): MalformedCase => ({
    name,
    expect,
    send: (p) => post(p, 'mailgun', body()),
  });
  const field = (name: string, value: string | Buffer) => ({
    name,
    value: typeof value === 'string' ? Buffer.from(value) : value,
  });
  const manyFields = (n: number) => Array.from({ length: n }, (_, i) => field(`f${i}`, 'v'));
  return [
    mg('no body-mime', () => mailgunRequest(message('mg'), { omit: ['body-mime'] }), [422]),
    mg('no recipient nor sender (routing by headers)', () =>
      mailgunRequest(message('mg'), { omit: ['recipient', 'sender'] }),
    ),
    mg('nothing but the signature', () =>
      mailgunRequest(message('mg'), { omit: ['recipient', 'sender', 'subject', 'body-mime'] }),
    ),
    ...['body-mime', 'token', 'timestamp', 'signature', 'recipient', 'sender'].map((name) =>
      mg(
        `${name} twice`,
        () =>
          mailgunRequest(message('mg'), {
            extra: [field(name, name === 'body-mime' ? message('mg-second') : 'other@x.y')],
          }),
        [400],
      ),
    ),
    mg(
      'body-mime twice, urlencoded',
      () => mailgunRequest(message('mg'), { encoding: 'urlencoded', extra: [field('body-mime', 'x')] }),
      [400],
    ),
    mg('10,000 fields (multipart)', () => mailgunRequest(message('mg'), { extra: manyFields(10_000) }), [413]),
    mg(
      '10,000 fields (urlencoded)',
      () => mailgunRequest(message('mg'), { encoding: 'urlencoded', extra: manyFields(10_000) }),
      [413],
    ),
    mg(
      '100,000 empty fields (urlencoded)',
      () => {
        const request = mailgunRequest(message('mg'), { encoding: 'urlencoded' });
        return { ...request, body: Buffer.concat([Buffer.from('x&'.repeat(100_000)), request.body]) };
      },
      [413],
    ),
    mg('200,000 ampersands (urlencoded)', () => {
      const request = mailgunRequest(message('mg'), { encoding: 'urlencoded' });
      return { ...request, body: Buffer.concat([Buffer.from('&'.repeat(200_000)), request.body]) };
    }),
    mg('invalid percent escapes (urlencoded)', () => {
      const request = mailgunRequest(message('mg'), { encoding: 'urlencoded' });
      return { ...request, body: Buffer.concat([request.body, Buffer.from('&x%zz=%%%&%=%g0&=&&=%')]) };
    }),
    mg(
      '10,000 recipients',
      () =>
        mailgunRequest(message('mg'), {
          recipient: Array.from({ length: 10_000 }, (_, i) => `u${i}@${DOMAIN}`).join(','),
        }),
      [400],
    ),
    mg('recipient with CR/LF', () => mailgunRequest(message('mg'), { recipient: `${INBOX}\r\nBcc: evil@x.y` }), [400]),
    mg('sender of 5,000 characters', () => mailgunRequest(message('mg'), { sender: `${'s'.repeat(5000)}@x.y` }), [400]),
    mg('field name of 50,000 characters', () =>
      mailgunRequest(message('mg'), { extra: [field('n'.repeat(50_000), 'v')] }),
    ),
    mg('NUL in field names and values', () =>
      mailgunRequest(message('mg'), { extra: [field('a\u0000b', 'c\u0000d'), field('\u0000', '\u0000')] }),
    ),
    mg(
      'truncated multipart',
      () => {
        const request = mailgunRequest(message('mg'));
        return { ...request, body: request.body.subarray(0, request.body.length - 40) };
      },
      [400, 401],
    ),
    mg(
      'multipart without a boundary',
      () => {
        const request = mailgunRequest(message('mg'));
        return { ...request, headers: { 'content-type': 'multipart/form-data' } };
      },
      [400, 415],
    ),
    mg(
      'wrong boundary',
      () => {
        const request = mailgunRequest(message('mg'));
        return { ...request, headers: { 'content-type': 'multipart/form-data; boundary=nope' } };
      },
      [400, 401],
    ),
    ...['application/json', 'text/plain', 'message/rfc822', ''].map((type, i) =>
      mg(
        `wrong Content-Type #${i}`,
        () => ({
          ...mailgunRequest(message('mg')),
          headers: type ? { 'content-type': type } : ({} as Record<string, string>),
        }),
        [415],
      ),
    ),
    mg(
      'garbage body',
      () => ({ headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: randomBytes(5000) }),
      [400, 401],
    ),
    mg('empty body-mime', () => mailgunRequest(Buffer.alloc(0)), [400]),
    declaredOverLimit('mailgun', ['Content-Type: multipart/form-data; boundary=x']),
  ];
}

/** A relay request written on a raw socket (header values fetch refuses). */
export function rawRelay(headers: string[], body: Buffer = message('relay-raw')) {
  return (p: Providers) =>
    rawHttp(p.httpPort, {
      path: PATHS.relay,
      headers: [`Authorization: Bearer ${RELAY_SECRET}`, 'Content-Type: message/rfc822', ...headers],
      body,
    });
}

export function relayCases(): MalformedCase[] {
  const rl = (name: string, body: () => ProviderRequest, expect?: number[]): MalformedCase => ({
    name,
    expect,
    send: (p) => post(p, 'relay', body()),
  });
  const list = (n: number) => Array.from({ length: n }, (_, i) => `u${i}@${DOMAIN}`).join(', ');
  return [
    ...[
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'message/rfc822x',
      'message/partial',
    ].map((type, i) =>
      rl(`wrong Content-Type #${i}`, () => relayRequest(message('relay'), { contentType: type }), [415]),
    ),
    rl('no Content-Type', () => relayRequest(message('relay'), { contentType: null }), [415]),
    {
      name: 'Content-Encoding gzip',
      expect: [415],
      send: (p) => {
        const request = relayRequest(message('relay'));
        return post(p, 'relay', { ...request, headers: { ...request.headers, 'content-encoding': 'gzip' } });
      },
    },
    {
      // CR LF ends the header line: what follows is a header of its own, and the envelope is the inbox alone.
      name: 'envelope To, then CR LF and an injected header line',
      expect: [200],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX}\r\nBcc: evil@x.y`]),
    },
    {
      name: 'envelope To with a bare CR',
      expect: [400],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX}\rBcc: evil@x.y`]),
    },
    {
      name: 'envelope To with a bare LF',
      expect: [200, 400],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX}\nX-Other: 1`]),
    },
    {
      name: 'envelope To folded (obs-fold)',
      expect: [200, 400],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX},\r\n evil@x.y`]),
    },
    {
      name: 'envelope From with a bare CR',
      expect: [400],
      send: rawRelay([`X-Mailroom-Envelope-From: a@x.y\rX-Injected: 1`]),
    },
    { name: 'envelope To with NUL', expect: [400], send: rawRelay([`X-Mailroom-Envelope-To: in\u0000box@${DOMAIN}`]) },
    {
      name: 'envelope To with a tab',
      expect: [400],
      send: rawRelay([`X-Mailroom-Envelope-To: ${INBOX}\t, b@${DOMAIN}`]),
    },
    {
      name: 'envelope To of 8-bit bytes (not UTF-8)',
      send: rawRelay([`X-Mailroom-Envelope-To: \u00ff\u00fe@${DOMAIN}`]),
    },
    {
      name: 'envelope To with 10,000 recipients (over the header limit)',
      expect: [400, 431],
      send: rawRelay([`X-Mailroom-Envelope-To: ${list(10_000)}`]),
    },
    rl('envelope To with 501 recipients', () => relayRequest(message('relay'), { to: list(501) }), [400]),
    rl('envelope To with 500 recipients', () => relayRequest(message('relay-500'), { to: list(500) }), [200]),
    rl('envelope To: commas only', () => relayRequest(message('relay-commas'), { to: ',,,,,' }), [200]),
    rl(
      'envelope To: quoted commas and spaces',
      () => relayRequest(message('relay'), { to: '"a, b"@x.y, c d@x.y' }),
      [400],
    ),
    rl(
      'envelope To: 400-character address',
      () => relayRequest(message('relay'), { to: `${'a'.repeat(400)}@${DOMAIN}` }),
      [400],
    ),
    rl('envelope From: two addresses', () => relayRequest(message('relay'), { from: 'a@x.y b@x.y' }), [400]),
    rl('empty body', () => relayRequest(Buffer.alloc(0)), [400]),
    declaredOverLimit('relay', [`Authorization: Bearer ${RELAY_SECRET}`, 'Content-Type: message/rfc822']),
    {
      name: 'request header of 100 KB (Node rejects it)',
      expect: [431],
      send: rawRelay([`X-Filler: ${'f'.repeat(100_000)}`]),
    },
  ];
}

/**
 * SES through SNS: the envelope's JSON, the SNS fields, the SES notification in `Message` (signed: the ingress
 * reads it only once the signature verified) and its `content`.
 */
export function sesCases(): MalformedCase[] {
  const ses = (name: string, body: () => ProviderRequest, expect?: number[]): MalformedCase => ({
    name,
    expect,
    send: (p) => post(p, 'ses', body()),
  });
  /** An unsigned SNS body as the text SNS would post (the `x-amz-sns-*` headers of a notification). */
  const envelopeText = (text: string | Buffer): ProviderRequest => ({
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-topic-arn': SES_TOPIC_ARN,
    },
    body: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'),
  });
  /** A genuine signed notification's JSON with `extra` spliced in before its closing brace (unsigned fields). */
  const beside = (tag: string, extra: string): ProviderRequest => {
    const request = sesRequest(message(tag));
    const json = request.body.toString('utf8');
    return { ...request, body: Buffer.from(`${json.slice(0, -1)},${extra}}`, 'utf8') };
  };
  /** A signed notification whose SES `Message` is `notification` (the text as it is). */
  const signedMessage = (rawMessage: string) => sesRequest(message('ses'), { rawMessage });
  const manyKeys = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',');
  const notificationWith = (tag: string, fields: Record<string, unknown>) =>
    sesRequest(message(tag), { notification: fields });
  const base64 = (tag: string) => message(tag).toString('base64');
  return [
    ...BROKEN_JSON.map((json, i) => ses(`broken JSON #${i}`, () => envelopeText(json), [400, 401])),
    ses('not UTF-8', () => envelopeText(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), [400]),
    ses('truncated notification', () => envelopeText(sesRequest(message('ses')).body.subarray(0, 300)), [400]),
    ses('a JSON array of notifications', () => envelopeText(`[${sesRequest(message('ses')).body}]`), [400]),
    // Type
    ...['Bounce', 'notification', '', 'SubscriptionConfirmation '].map((type, i) =>
      ses(
        `unknown Type #${i}`,
        () => sesRequest(message('ses'), { forge: { Type: type }, headers: { 'x-amz-sns-message-type': null } }),
        [400],
      ),
    ),
    ses(
      'Type missing',
      () => sesRequest(message('ses'), { forge: { Type: undefined }, headers: { 'x-amz-sns-message-type': null } }),
      [400],
    ),
    ses(
      'Type a number',
      () => {
        const request = sesRequest(message('ses'), { headers: { 'x-amz-sns-message-type': null } });
        const json = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
        return { ...request, body: Buffer.from(JSON.stringify({ ...json, Type: 7 })) };
      },
      [400],
    ),
    ses(
      'x-amz-sns-message-type unknown',
      () => sesRequest(message('ses'), { headers: { 'x-amz-sns-message-type': 'Bounce' } }),
      [400],
    ),
    ses(
      'x-amz-sns-message-type says SubscriptionConfirmation',
      () => sesRequest(message('ses'), { headers: { 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }),
      [400],
    ),
    ses(
      'the bare SES notification (raw message delivery on)',
      () => envelopeText(JSON.stringify({ notificationType: 'Received', content: base64('ses-raw') })),
      [401],
    ),
    ses('MessageId missing', () => sesRequest(message('ses'), { forge: { MessageId: undefined } }), [400]),
    ses('Message missing', () => sesRequest(message('ses'), { forge: { Message: undefined } }), [400]),
    // Topic
    ses(
      'wrong topic (header and signed TopicArn)',
      () => sesRequest(message('ses'), { topicArn: 'arn:aws:sns:us-east-1:123456789012:another-topic' }),
      [403],
    ),
    ses(
      'wrong topic (signed TopicArn, no header)',
      () =>
        sesRequest(message('ses'), {
          topicArn: 'arn:aws:sns:eu-west-1:210987654321:mailroom-reliability',
          headers: { 'x-amz-sns-topic-arn': null },
        }),
      [403],
    ),
    ses(
      'topic ARN of 100,000 characters',
      () =>
        sesRequest(message('ses'), {
          topicArn: `arn:aws:sns:us-east-1:123456789012:${'t'.repeat(100_000)}`,
          headers: { 'x-amz-sns-topic-arn': null },
        }),
      [403],
    ),
    // The SES notification in Message (signed)
    ses('Message not JSON', () => signedMessage('this is not JSON'), [400]),
    ses('Message truncated JSON', () => signedMessage('{"notificationType":"Received","receipt":{'), [400]),
    ...['[]', 'null', '42', '"Received"'].map((json, i) =>
      ses(`Message not an object #${i}`, () => signedMessage(json), [400]),
    ),
    ses('Message: notificationType Bounce', () => notificationWith('ses', { notificationType: 'Bounce' }), [422]),
    ses('Message: notificationType missing', () => notificationWith('ses', { notificationType: undefined }), [400]),
    ses('content missing', () => notificationWith('ses', { content: undefined }), [400]),
    ses('content empty', () => notificationWith('ses', { content: '' }), [400]),
    ses('content a number', () => notificationWith('ses', { content: 12345 }), [400]),
    ses(
      'content not base64 (encoding BASE64)',
      () => notificationWith('ses', { content: '%%% not base64 %%%' }),
      [400],
    ),
    ses(
      'content base64 with line breaks (as MIME wraps it)',
      () => notificationWith('ses-wrapped', { content: base64('ses-wrapped').replace(/.{76}/g, '$&\r\n') }),
      [200],
    ),
    ...['base64', 'UTF-8', 'QUOTED-PRINTABLE', '', 'BASE64 '].map((encoding, i) =>
      ses(
        `wrong encoding label #${i}`,
        () =>
          notificationWith('ses', {
            receipt: {
              recipients: [INBOX],
              action: { type: 'SNS', topicArn: SES_TOPIC_ARN, encoding },
            },
          }),
        [400],
      ),
    ),
    ses(
      'encoding UTF8 over 8-bit bytes',
      () =>
        sesRequest(Buffer.concat([message('ses-8bit'), Buffer.from([0xe9, 0xff, 0x80, 0x0d, 0x0a])]), {
          action: 'UTF8',
        }),
      [200],
    ),
    ses(
      'receipt action Lambda (no message)',
      () =>
        notificationWith('ses', {
          receipt: { recipients: [INBOX], action: { type: 'Lambda', functionArn: 'arn:aws:lambda:x' } },
        }),
      [422],
    ),
    ses(
      'receipt action S3 (no reader configured)',
      () =>
        notificationWith('ses', {
          receipt: {
            recipients: [INBOX],
            action: { type: 'S3', topicArn: SES_TOPIC_ARN, bucketName: 'b', objectKey: 'k' },
          },
        }),
      [422],
    ),
    ses('receipt missing', () => notificationWith('ses', { receipt: undefined }), [400]),
    ses(
      'receipt.recipients not a list',
      () => notificationWith('ses', { receipt: { recipients: INBOX, action: { type: 'SNS', encoding: 'BASE64' } } }),
      [400],
    ),
    ses(
      '10,000 recipients',
      () =>
        notificationWith('ses', {
          receipt: {
            recipients: Array.from({ length: 10_000 }, (_, i) => `u${i}@${DOMAIN}`),
            action: { type: 'SNS', encoding: 'BASE64' },
          },
        }),
      [400],
    ),
    ses(
      'mail.source with CR/LF',
      () => notificationWith('ses', { mail: { source: `a@example.com\r\nBcc: evil@x.y`, destination: [INBOX] } }),
      [400],
    ),
    ses('mail missing', () => notificationWith('ses', { mail: undefined }), [400]),
    // Huge nesting and many keys: beside the SNS fields (unsigned; refused from the JSON's shape before JSON.parse),
    // and in the SES notification (signed: parsed once the signature verified)
    ses('nesting 100,000 deep beside the SNS fields', () => beside('ses-deep', `"Extra":${deepJson(100_000)}`), [400]),
    ses(
      'nesting 1,000,000 deep, unterminated',
      () => envelopeText(`{"Type":"Notification","x":${'['.repeat(1_000_000)}`),
      [400],
    ),
    ses('nesting 500,000 deep objects', () => envelopeText(`${'{"a":'.repeat(500_000)}1${'}'.repeat(500_000)}`), [400]),
    ses('nesting 10,000 deep in the SES notification (signed text)', () =>
      signedMessage(JSON.stringify(sesRequestPayload('ses-deep-10k')).replace(/\}$/, `,"x":${deepJson(10_000)}}`)),
    ),
    ses('nesting 100,000 deep in the SES notification (signed text)', () =>
      signedMessage(JSON.stringify(sesRequestPayload('ses-deep-text')).replace(/\}$/, `,"x":${deepJson(100_000)}}`)),
    ),
    ses('1,000 keys beside the SNS fields', () => beside('ses-keys', manyKeys(1000)), [200]),
    ses('10,000 keys beside the SNS fields', () => beside('ses-keys10k', manyKeys(10_000)), [400]),
    ses('100,000 keys beside the SNS fields', () => beside('ses-keys100k', manyKeys(100_000)), [400]),
    ses(
      '10,000 keys in the SES notification',
      () =>
        notificationWith('ses-keys-signed', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]))),
      [200],
    ),
    ses(
      '1,000,000 empty objects beside the SNS fields',
      () => beside('ses-tiny', `"A":[${'{},'.repeat(999_999)}{}]`),
      [400],
    ),
    // Framing
    ...['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'message/rfc822', ''].map((type, i) =>
      ses(
        `wrong Content-Type #${i}`,
        () => sesRequest(message('ses'), { headers: { 'content-type': type || null } }),
        [415],
      ),
    ),
    ses(
      'application/json (SNS sends text/plain, both taken)',
      () => sesRequest(message('ses-json'), { headers: { 'content-type': 'application/json' } }),
      [200],
    ),
    declaredOverLimit('ses', [
      'Content-Type: text/plain; charset=UTF-8',
      'x-amz-sns-message-type: Notification',
      `x-amz-sns-topic-arn: ${SES_TOPIC_ARN}`,
    ]),
    ses('empty body', () => envelopeText(''), [400]),
  ];
}

/** The SES notification of a genuine message, as `sesRequest` builds it (to splice text into, then sign). */
function sesRequestPayload(tag: string): Record<string, unknown> {
  const request = sesRequest(message(tag));
  return JSON.parse((JSON.parse(request.body.toString('utf8')) as { Message: string }).Message) as Record<
    string,
    unknown
  >;
}

// ——— SMTP abuse on raw sockets ———

export interface SmtpAbuse {
  name: string;
  /** Runs the session; returns every reply it got, and what went wrong (empty: nothing). */
  run: (session: RawSmtpSession, p: Providers) => Promise<{ replies: string[]; problems: string[] }>;
}

export function smtpAbuses(random: ReturnType<typeof prng>): SmtpAbuse[] {
  const ehlo = async (s: RawSmtpSession) => {
    s.write('EHLO client.example\r\n');
    return s.replies(1);
  };
  const expectCodes = (replies: string[], allowed: (code: number) => boolean, what: string) =>
    replies.filter((r) => !allowed(codeOf(r))).map((r) => `${what}: unexpected reply ${r.slice(0, 120)}`);
  const closesWithin = async (s: RawSmtpSession, ms: number) =>
    (await Promise.race([s.closed.then(() => true), sleep(ms).then(() => false)])) ? [] : ['connection left open'];
  const garbageLine = () => {
    const bytes = randomBytes(1 + random.int(200)).filter((b) => b !== 0x0a && b !== 0x0d);
    return Buffer.from(bytes).toString('latin1');
  };
  return [
    {
      name: 'command line of 100 KB',
      run: async (s) => {
        s.write(`EHLO ${'a'.repeat(100_000)}\r\n`);
        const replies = await s.replies(1);
        return {
          replies,
          problems: [
            ...expectCodes(replies, (c) => c === 421 || c === 500 || c === 501, 'overlong'),
            ...(await closesWithin(s, 5000)),
          ],
        };
      },
    },
    {
      name: '1 MB without a line end',
      run: async (s) => {
        s.write('x'.repeat(1024 * 1024));
        const replies = await s.replies(1);
        return {
          replies,
          problems: [...expectCodes(replies, (c) => c === 421, 'no line end'), ...(await closesWithin(s, 5000))],
        };
      },
    },
    {
      name: 'RCPT address of 20 KB',
      run: async (s) => {
        const replies = [...(await ehlo(s))];
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${'r'.repeat(20_000)}@${DOMAIN}>\r\n`);
        replies.push(...(await s.replies(2, 5000)));
        return { replies, problems: expectCodes(replies.slice(2), (c) => c >= 421 && c < 600, 'long RCPT') };
      },
    },
    {
      name: '10,000 RCPTs pipelined, then DATA',
      run: async (s) => {
        const problems: string[] = [];
        await ehlo(s);
        const rcpts = Array.from({ length: 10_000 }, (_, i) => `RCPT TO:<u${i}@${DOMAIN}>\r\n`).join('');
        s.write(`MAIL FROM:<a@example.com>\r\n${rcpts}`);
        const replies = await s.replies(10_001, 60_000);
        const accepted = replies.slice(1).filter((r) => codeOf(r) === 250).length;
        const refused = replies.slice(1).filter((r) => codeOf(r) === 452).length;
        if (replies.length !== 10_001 || accepted !== 100 || refused !== 9_900) {
          problems.push(`got ${replies.length} replies, ${accepted} accepted, ${refused} refused with 452`);
        }
        s.write('DATA\r\n');
        const data = await s.replies(1);
        s.write(
          `${genuineMessage(`rcpt10k.${randomBytes(4).toString('hex')}@${DOMAIN}`).toString('latin1')}${MESSAGE_END}`,
        );
        const end = await s.replies(1, 30_000);
        if (codeOf(data[0]) !== 354 || codeOf(end[0]) !== 250) problems.push(`DATA ${data[0]} then ${end[0]}`);
        return { replies: [...replies, ...data, ...end], problems };
      },
    },
    {
      name: 'DATA without RCPT, RCPT without MAIL',
      run: async (s) => {
        await ehlo(s);
        s.write('DATA\r\nRCPT TO:<inbox@reliability.example.com>\r\nMAIL FROM:<a@example.com>\r\nDATA\r\n');
        const replies = await s.replies(4);
        const codes = replies.map(codeOf).join(' ');
        return { replies, problems: codes === '503 503 250 503' ? [] : [`codes ${codes}`] };
      },
    },
    {
      name: 'pipelined garbage',
      run: async (s) => {
        await ehlo(s);
        s.write(`${Array.from({ length: 30 }, garbageLine).join('\r\n')}\r\n`);
        const replies = await s.replies(30, 10_000);
        return {
          replies,
          problems: [
            ...expectCodes(replies, (c) => c >= 421 && c < 600, 'garbage'),
            ...(replies.length === 0 ? ['no reply to garbage'] : []),
          ],
        };
      },
    },
    {
      name: 'binary garbage (64 KB)',
      run: async (s) => {
        s.write(randomBytes(64 * 1024));
        const replies = await s.replies(50, 5000);
        return { replies, problems: expectCodes(replies, (c) => c >= 421 && c < 600, 'binary') };
      },
    },
    {
      name: 'bare LF line ends, commands and message',
      run: async (s) => {
        s.write('EHLO client.example\nMAIL FROM:<a@example.com>\nRCPT TO:<inbox@reliability.example.com>\nDATA\n');
        const replies = await s.replies(4);
        s.write(
          `From: a@example.com\nTo: ${INBOX}\nSubject: bare LF\nMessage-ID: <lf.${randomBytes(4).toString('hex')}@x>\n\nline\n.line\n..\n${MESSAGE_END}`,
        );
        const end = await s.replies(1, 30_000);
        const codes = [...replies, ...end].map(codeOf).join(' ');
        return {
          replies: [...replies, ...end],
          problems: /^250 250 250 354 (250|554)$/.test(codes) ? [] : [`codes ${codes}`],
        };
      },
    },
    {
      name: 'NUL bytes in commands',
      run: async (s) => {
        s.write(
          `EHLO a\u0000b\r\nHELO \u0000\r\nEHLO ok\r\nMAIL FROM:<a\u0000@example.com>\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<in\u0000box@${DOMAIN}>\r\nRCPT TO:<${INBOX}\u0000>\r\n\u0000\u0000\u0000\r\n`,
        );
        const replies = await s.replies(8, 10_000);
        return {
          replies,
          problems: [
            ...expectCodes(replies, (c) => c >= 200 && c < 600, 'NUL'),
            ...(replies.length === 0 ? ['no reply'] : []),
          ],
        };
      },
    },
    {
      name: 'NUL bytes in the message',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${INBOX}>\r\nDATA\r\n`);
        const replies = await s.replies(3);
        s.write(
          `From: a@example.com\u0000\r\nSubject: N\u0000UL\r\nMessage-ID: <nul.${randomBytes(4).toString('hex')}@x>\r\n\r\n\u0000\u0000body\u0000${MESSAGE_END}`,
        );
        const end = await s.replies(1, 30_000);
        const codes = [...replies, ...end].map(codeOf).join(' ');
        return {
          replies: [...replies, ...end],
          problems: /^250 250 354 (250|554)$/.test(codes) ? [] : [`codes ${codes}`],
        };
      },
    },
    {
      name: 'empty message',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${INBOX}>\r\nDATA\r\n`);
        const replies = await s.replies(3);
        s.write('.\r\n');
        const end = await s.replies(1, 30_000);
        return { replies: [...replies, ...end], problems: codeOf(end[0]) === 554 ? [] : [`end ${end[0]}`] };
      },
    },
    {
      name: 'message over the size limit without SIZE',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${INBOX}>\r\nDATA\r\n`);
        const replies = await s.replies(3);
        s.write(`Subject: big\r\n\r\n${'b'.repeat(998)}\r\n`.repeat(Math.ceil((LIMITS.maxBodyBytes * 1.5) / 1000)));
        s.write(MESSAGE_END);
        const end = await s.replies(1, 30_000);
        return { replies: [...replies, ...end], problems: codeOf(end[0]) === 552 ? [] : [`end ${end[0]}`] };
      },
    },
    {
      name: 'MAIL FROM declaring a SIZE over the limit',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com> SIZE=${LIMITS.maxBodyBytes * 10}\r\n`);
        const replies = await s.replies(1);
        return { replies, problems: codeOf(replies[0]) === 552 ? [] : [`MAIL ${replies[0]}`] };
      },
    },
    {
      name: 'client gone mid-DATA',
      run: async (s) => {
        await ehlo(s);
        s.write(`MAIL FROM:<a@example.com>\r\nRCPT TO:<${INBOX}>\r\nDATA\r\n`);
        const replies = await s.replies(3);
        s.write(`Subject: cut\r\nMessage-ID: <cut@x>\r\n\r\n${'half a message\r\n'.repeat(1000)}`);
        await sleep(50);
        s.close();
        return { replies, problems: [] };
      },
    },
    {
      name: '10,000 NOOPs and RSETs pipelined',
      run: async (s) => {
        await ehlo(s);
        s.write('NOOP\r\nRSET\r\n'.repeat(5000));
        const replies = await s.replies(10_000, 60_000);
        return {
          replies,
          problems:
            replies.length === 10_000 && replies.every((r) => codeOf(r) === 250) ? [] : [`${replies.length} replies`],
        };
      },
    },
    {
      name: 'AUTH and STARTTLS (not offered)',
      run: async (s) => {
        await ehlo(s);
        s.write('AUTH PLAIN AGFAYQ==\r\nSTARTTLS\r\n');
        const replies = await s.replies(2);
        return { replies, problems: expectCodes(replies, (c) => c >= 500 && c < 600, 'AUTH/STARTTLS') };
      },
    },
  ];
}
