/**
 * `mailroom inspect` on a captured request of each provider, built with the testing kit's builders and written as
 * HTTP/1.1 bytes: told apart without --provider, read as that provider's endpoint reads it (the same InboundEmail the
 * endpoint hands to the inbox), printed the same way for all, with `provider` set.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mailroom/core';
import { mailgunInbound, postmarkInbound, relayIngress, sesInbound } from '@mailroom/core/http';
import { storedFormOf, type MimeDelivery } from '@mailroom/core/ingress';
import {
  TEST_KEY_PAIR,
  DEFAULT_SNS_TOPIC_ARN,
  buildInboundPost,
  createSnsTestSigner,
  httpRequestBytes,
  mailgunMimeRequest,
  postmarkInboundRequest,
  sesNotificationRequest,
  snsSubscriptionRequest,
} from '@mailroom/core/testing';
import { expectOneLineReason, runCli } from './test-support.js';

const POSTMARK = { username: 'postmark', password: 'a long postmark password' };
const MAILGUN_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const RELAY_SECRET = 'c2VjcmV0LWZvci10aGUtcmVsYXktZW5kcG9pbnQ';
// TEST ONLY: the SES tests' self-signed certificate and key (test/ingress/fixtures), not AWS's.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../test/ingress/fixtures/${name}`, import.meta.url), 'utf8');
const SNS_SIGNER = createSnsTestSigner({
  privateKey: fixture('sns-test-only.key.pem'),
  certificate: fixture('sns-test-only.cert.pem'),
});

const MESSAGE = [
  'Return-Path: <ann@example.org>',
  'From: Ann Example <ann@example.org>',
  'To: Support <support@example.test>, sales@example.test',
  'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from every provider',
  'Date: Thu, 03 Dec 2026 10:00:00 +0000',
  'Message-ID: <every-provider-1@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'The same message, however it arrives.',
  '',
].join('\r\n');

const inspect = (argv: string[], stdin: Buffer[] = []) => runCli(['inspect', ...argv], { stdin });

/** The request as captured HTTP/1.1 bytes (the test kit's serialiser), headers and body as built. */
async function captureOf(request: Request, options: { chunked?: boolean } = {}): Promise<Buffer> {
  const body = Buffer.from(await request.arrayBuffer());
  const headers = Object.fromEntries(request.headers);
  const contentType = request.headers.get('content-type') ?? '';
  return httpRequestBytes({ body, contentType, headers }, { url: request.url, ...options });
}

/** What the provider's real endpoint (mounted where the test kit posts) hands the inbox for `request`, as JSON. */
async function endpointEmail(mount: (target: { deliver: Deliver }) => Hono, request: Request) {
  let delivered: MimeDelivery | undefined;
  const app = mount({
    deliver: async (delivery) => {
      delivered = delivery;
      return { id: 'captured', duplicate: false };
    },
  });
  const response = await app.fetch(request);
  expect(response.status).toBe(200);
  const post = await storedFormOf(delivered!);
  return JSON.parse(JSON.stringify(post.email!.toJSON())) as Record<string, unknown>;
}
type Deliver = (delivery: MimeDelivery) => Promise<{ id: string; duplicate: boolean }>;

function relayRequest(message: string, envelope: { from?: string; to?: string } = {}): Request {
  return new Request('http://localhost/webhooks/raw', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${RELAY_SECRET}`,
      'content-type': 'message/rfc822',
      ...(envelope.from !== undefined ? { 'x-mailroom-envelope-from': envelope.from } : {}),
      ...(envelope.to !== undefined ? { 'x-mailroom-envelope-to': envelope.to } : {}),
    },
    body: message,
  });
}

let dir: string;
const file = (name: string) => join(dir, name);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailroom-inspect-providers-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('mailroom inspect: a captured request of every provider', () => {
  const cases = [
    {
      provider: 'postmark',
      request: () => postmarkInboundRequest(MESSAGE, { basic: POSTMARK }),
      mount: (target: { deliver: Deliver }) =>
        new Hono().route('/webhooks/postmark', postmarkInbound(target, { basic: [POSTMARK] })),
      envelope: { from: 'ann@example.org', to: ['support@example.test'] },
    },
    {
      provider: 'mailgun',
      request: () => mailgunMimeRequest(MESSAGE, { signingKey: MAILGUN_KEY, recipient: 'sales@example.test' }),
      mount: (target: { deliver: Deliver }) =>
        new Hono().route('/webhooks/mailgun', mailgunInbound(target, { signingKey: MAILGUN_KEY })),
      envelope: { from: 'ann@example.org', to: ['sales@example.test'] },
    },
    {
      provider: 'ses',
      request: () =>
        sesNotificationRequest(MESSAGE, {
          signer: SNS_SIGNER,
          source: 'bounces@example.org',
          recipients: ['support@example.test'],
        }),
      mount: (target: { deliver: Deliver }) =>
        new Hono().route(
          '/webhooks/ses',
          sesInbound(target, { topicArns: [DEFAULT_SNS_TOPIC_ARN], fetchCertificate: SNS_SIGNER.fetchCertificate }),
        ),
      envelope: { from: 'bounces@example.org', to: ['support@example.test'] },
    },
    {
      provider: 'relay',
      request: () =>
        relayRequest(MESSAGE, { from: 'bounces@example.org', to: 'support@example.test, audit@example.test' }),
      mount: (target: { deliver: Deliver }) =>
        new Hono().route(
          '/webhooks/raw',
          relayIngress({ ...target, store: { logger: silentLogger } }, { secrets: [RELAY_SECRET] }),
        ),
      envelope: { from: 'bounces@example.org', to: ['support@example.test', 'audit@example.test'] },
    },
  ] as const;

  for (const { provider, request, mount, envelope } of cases) {
    it(`${provider}: detected, and printed as the endpoint reads it`, async () => {
      const built = request();
      const expected = await endpointEmail(mount, built.clone());
      await writeFile(file(`${provider}.http`), await captureOf(built));

      const detected = await inspect([file(`${provider}.http`)]);
      expect(detected.stderr).toBe('');
      expect(detected.code).toBe(0);
      const { reply, classification, auth, ...fields } = JSON.parse(detected.stdout);
      const { auth: expectedAuth, ...expectedFields } = expected;
      expect(fields).toEqual(expectedFields);
      // The provider's own data is printed too (the endpoint's, field for field, above).
      expect(fields.providerData.name).toBe(provider);
      const reported = Object.values(fields.providerData as object).filter((value) => value !== null);
      expect(reported.length).toBeGreaterThan(provider === 'relay' ? 0 : 1);
      expect(auth).toMatchObject(expectedAuth as object);
      // SES reports its SPF verdict (PASS for bounces@example.org, aligned with From's example.org): the From is
      // then authenticated by SPF, as with SendGrid's SPF field; the others report none.
      expect(auth.verdict).toMatchObject(provider === 'ses' ? { aligned: true, rule: 'spf' } : { aligned: false });
      expect(reply.text).toBe('The same message, however it arrives.');
      expect(classification.kind).toBe('human');
      expect(fields).toMatchObject({
        provider,
        mode: 'raw',
        subject: 'Grüße from every provider',
        messageId: 'every-provider-1@example.org',
        from: { address: 'ann@example.org', name: 'Ann Example' },
        envelope,
      });
      expect(Object.keys(fields)[0]).toBe('provider');

      const named = await inspect(['--provider', provider, file(`${provider}.http`)]);
      expect(named.code).toBe(0);
      expect(named.stdout).toBe(detected.stdout);
    });
  }

  it('prints every provider the same way: SendGrid included, the same fields in the same order', async () => {
    const sendgrid = httpRequestBytes(buildInboundPost({ mode: 'raw', subject: 'Via SendGrid' }));
    await writeFile(file('sendgrid.http'), sendgrid);
    const outputs = await Promise.all(
      ['sendgrid', 'postmark', 'mailgun', 'ses', 'relay'].map(async (name) => {
        const outcome = await inspect([file(`${name}.http`)]);
        expect(outcome.code, name).toBe(0);
        return JSON.parse(outcome.stdout) as Record<string, unknown>;
      }),
    );
    expect(outputs.map((json) => json.provider)).toEqual(['sendgrid', 'postmark', 'mailgun', 'ses', 'relay']);
    const keys = Object.keys(outputs[0]!);
    for (const json of outputs) expect(Object.keys(json)).toEqual(keys);
    expect(keys.slice(0, 2)).toEqual(['provider', 'mode']);
  });

  it('reads chunked captures from stdin, urlencoded Mailgun forms and a bare .eml as the relay', async () => {
    const chunked = await captureOf(postmarkInboundRequest(MESSAGE, { basic: POSTMARK }), { chunked: true });
    const fromStdin = await inspect(['-'], [chunked]);
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout).provider).toBe('postmark');

    const urlencoded = mailgunMimeRequest(MESSAGE, { signingKey: MAILGUN_KEY, encoding: 'urlencoded' });
    await writeFile(file('mailgun-urlencoded.http'), await captureOf(urlencoded));
    const form = JSON.parse((await inspect([file('mailgun-urlencoded.http')])).stdout);
    expect(form).toMatchObject({ provider: 'mailgun', subject: 'Grüße from every provider' });
    expect(form.envelope.to).toEqual(['support@example.test', 'sales@example.test']);

    // A message as an MTA hands it over: no request line, no envelope (routing then reads the headers).
    await writeFile(file('bare.eml'), MESSAGE);
    for (const args of [[], ['--provider', 'relay'], ['--content-type', 'message/rfc822']]) {
      const bare = await inspect([...args, file('bare.eml')]);
      expect(bare.code, args.join(' ')).toBe(0);
      expect(JSON.parse(bare.stdout)).toMatchObject({
        provider: 'relay',
        subject: 'Grüße from every provider',
        envelope: { from: null, to: [] },
      });
    }

    // Mailroom's own DKIM check works on every raw-MIME provider's message (unsigned here: no DNS asked).
    const verified = JSON.parse((await inspect(['--verify-dkim', file('mailgun.http')])).stdout);
    expect(verified.auth.dkimCheck).toMatchObject({ status: 'verified', results: [] });
    expect(verified.auth.verdict).toMatchObject({ aligned: false, dkimSource: 'mailroom' });
  });

  it('exits 2 with one line for a bad --provider, and for --public-key on another provider', async () => {
    const unknown = await inspect(['--provider', 'sparkpost', file('postmark.http')]);
    expect(unknown.code).toBe(2);
    expectOneLineReason(
      unknown,
      /--provider must be one of sendgrid, postmark, mailgun, ses, relay \(got "sparkpost"\)/,
    );
    const empty = await inspect(['--provider', '', file('postmark.http')]);
    expect(empty.code).toBe(2);
    for (const args of [['--provider', 'postmark'], []]) {
      const keyed = await inspect([...args, '--public-key', TEST_KEY_PAIR.publicKey, file('postmark.http')]);
      expect(keyed.code).toBe(2);
      expectOneLineReason(keyed, /--public-key verifies SendGrid signatures; the capture is read as postmark's/);
    }
  });

  it('exits 1 with one line for a capture no provider posted, or one its provider would refuse', async () => {
    const cases: Array<[string, string | Buffer | Promise<Buffer>, string[], RegExp]> = [
      [
        'text.body',
        'hello',
        ['--content-type', 'text/plain'],
        /cannot tell which provider sent this: Content-Type "text\/plain"; pass --provider sendgrid\|postmark\|mailgun\|ses\|relay$/m,
      ],
      [
        'other.json',
        '{"Subject":"x"}',
        ['--content-type', 'application/json'],
        /a JSON body without RawEmail or MessageID/,
      ],
      [
        'broken.json',
        '{"RawEmail":',
        ['--content-type', 'application/json'],
        /an application\/json body that is not JSON/,
      ],
      [
        'form.body',
        'a=1&b=2',
        ['--content-type', 'application/x-www-form-urlencoded'],
        /a form with neither SendGrid's envelope/,
      ],
      [
        'no-raw.http',
        captureOf(postmarkInboundRequest(MESSAGE, { basic: POSTMARK, rawEmail: false })),
        [],
        /has no RawEmail.*\(422 raw_email_required\)/,
      ],
      [
        'parsed.http',
        captureOf(mailgunMimeRequest(MESSAGE, { signingKey: MAILGUN_KEY, format: 'parsed' })),
        [],
        /no body-mime field.*\(422 body_mime_required\)/,
      ],
      [
        'as-mailgun.http',
        captureOf(postmarkInboundRequest(MESSAGE, { basic: POSTMARK })),
        ['--provider', 'mailgun'],
        /\(415 unsupported_media_type\)/,
      ],
      [
        'as-relay.http',
        captureOf(postmarkInboundRequest(MESSAGE, { basic: POSTMARK })),
        ['--provider', 'relay'],
        /the relay posts message\/rfc822 \(415 unsupported_media_type\)/,
      ],
      [
        'ses-s3.http',
        captureOf(sesNotificationRequest(MESSAGE, { signer: SNS_SIGNER, action: 'S3' })),
        [],
        /the message is in S3 \(s3:\/\/mailroom-inbound\/.*\(422 s3_reader_required\)/,
      ],
      [
        'ses-subscription.http',
        captureOf(snsSubscriptionRequest({ signer: SNS_SIGNER })),
        [],
        /an SNS SubscriptionConfirmation carries no message \(422 not_a_notification\)/,
      ],
      [
        'bad-envelope.http',
        captureOf(relayRequest(MESSAGE, { to: 'two words@example.test' })),
        [],
        /contains a space.*\(400 malformed_envelope\)/,
      ],
      ['bare-as-postmark.eml', MESSAGE, ['--provider', 'postmark'], /not an HTTP request .*nor an RFC 822 message/],
      ['garbage.bin', 'hello world, not a request', [], /not an HTTP request/],
    ];
    for (const [name, content, args, reason] of cases) {
      await writeFile(file(name), await content);
      const outcome = await inspect([...args, file(name)]);
      expect(outcome.code, name).toBe(1);
      expectOneLineReason(outcome, reason);
    }
  });
});
