/**
 * SES receipt rules through SNS end to end: kit-built SNS posts (signed with a test-only key and certificate from
 * ./fixtures) over real HTTP into `sesInbound` mounted on a test Mailroom's server, stored in a real store (PGlite,
 * or PostgreSQL with DATABASE_URL) and routed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sesInbound } from '@mailroom/core/http';
import { IngressConfigurationError, type SesInboundOptions } from '@mailroom/core/ingress';
import type { InboundEmail } from '@mailroom/core';
import {
  createSnsTestSigner,
  publishedSnsTestSigner,
  createTestMailroom,
  DEFAULT_SNS_TOPIC_ARN,
  sesNotificationRequest,
  snsSubscriptionRequest,
  type SesNotificationRequestOptions,
  type SnsTestSigner,
  type TestMailroom,
  type TestStore,
} from '@mailroom/core/testing';
import { createOutage, type Outage } from './outage.js';

// TEST ONLY: a self-signed certificate and its key, made with openssl for these tests; not AWS's.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const TEST_KEY = fixture('sns-test-only.key.pem');
const TEST_CERT = fixture('sns-test-only.cert.pem');
const EXPIRED_CERT = fixture('sns-test-only-expired.cert.pem');
const OTHER_TOPIC = 'arn:aws:sns:us-east-1:123456789012:someone-elses-topic';

let open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const thing of open.reverse()) await thing.close();
  open = [];
});

interface ReceiverOptions extends Partial<SesInboundOptions> {
  signer?: SnsTestSigner;
}

async function receiver(store?: TestStore, options: ReceiverOptions = {}) {
  const { signer = createSnsTestSigner({ privateKey: TEST_KEY, certificate: TEST_CERT }), ...sesOptions } = options;
  const handled: InboundEmail[] = [];
  const confirmed: string[] = [];
  const warnings: string[] = [];
  const faults: unknown[][] = [];
  const t: TestMailroom = await createTestMailroom(store ? { store } : {});
  open.push(t);
  t.mailroom.route('help', '*@support.example.com', async (ctx) => void handled.push(ctx.email));
  t.app.route(
    '/webhooks/ses',
    sesInbound(t.mailroom, {
      topicArns: [DEFAULT_SNS_TOPIC_ARN],
      fetchCertificate: signer.fetchCertificate,
      confirmSubscription: async (url) => void confirmed.push(url),
      logger: { error: (...args) => faults.push(args), warn: (line) => warnings.push(line) },
      ...sesOptions,
    }),
  );
  const url = `${t.url}/webhooks/ses`;
  const post = (content: string | Buffer, requestOptions: Partial<SesNotificationRequestOptions> = {}) =>
    send(sesNotificationRequest(content, { url, signer, ...requestOptions }));
  return { t, handled, confirmed, warnings, faults, signer, url, post };
}

function message(subject: string): string {
  return (
    `From: Ann Sender <ann@example.org>\r\nTo: Help <help@support.example.com>\r\nSubject: ${subject}\r\n` +
    `Message-ID: <${subject.replace(/\W/g, '')}.ses@example.org>\r\nDate: Sun, 6 Dec 2026 10:00:00 +0000\r\n` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n` +
    `Grüße from SES.\r\n`
  );
}

const envelope = { source: 'bounce@example.org', recipients: ['help@support.example.com'] };

async function send(request: Request) {
  const response = await fetch(request, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: Record<string, string>;
  try {
    body = JSON.parse(text) as Record<string, string>;
  } catch {
    body = { reason: `non-JSON body: ${text.slice(0, 200)}` };
  }
  return { status: response.status, headers: response.headers, body };
}

/** The same post again (SNS's retry: the same signed JSON), to `url`. */
async function resend(request: Request, url: string): Promise<Request> {
  return new Request(url, { method: 'POST', headers: request.headers, body: await request.text() });
}

describe('sesInbound', () => {
  it.each(['UTF8', 'BASE64'] as const)(
    'stores an SNS action notification (%s) as received, routed by recipient, once',
    async (action) => {
      const { t, handled, post, signer } = await receiver();
      const answer = await post(message(`Inline ${action}`), { ...envelope, action });
      expect(answer).toMatchObject({ status: 200, body: { duplicate: false } });
      await t.drain();
      expect(handled).toHaveLength(1);
      expect(handled[0]).toMatchObject({
        provider: 'ses',
        mode: 'raw',
        subject: `Inline ${action}`,
        envelope: { from: 'bounce@example.org', to: ['help@support.example.com'] },
      });
      expect(handled[0]!.text).toBe('Grüße from SES.\n');
      expect(await t.store.inbox.list({})).toMatchObject([{ id: answer.body.id, status: 'delivered' }]);
      expect(signer.fetched).toEqual([signer.signingCertUrl]);
    },
  );

  it("keeps SES's verdicts: SPF as email.auth.spf, every verdict in email.spam's report; odd statuses dropped", async () => {
    const { t, handled, post } = await receiver();
    const receipt = (verdicts: Record<string, unknown>) => ({
      receipt: {
        recipients: envelope.recipients,
        action: { type: 'SNS', topicArn: DEFAULT_SNS_TOPIC_ARN, encoding: 'UTF8' },
        ...verdicts,
      },
    });
    const failing = receipt({
      spamVerdict: { status: 'FAIL' },
      virusVerdict: { status: 'PASS' },
      spfVerdict: { status: 'FAIL' },
      dkimVerdict: { status: 'GRAY' },
      dmarcVerdict: { status: 'FAIL' },
    });
    const odd = receipt({
      spfVerdict: { status: 'pass; dkim=pass' },
      spamVerdict: 'PASS',
      dmarcVerdict: { status: 7 },
    });
    expect((await post(message('Verdicts fail'), { ...envelope, notification: failing })).status).toBe(200);
    expect((await post(message('Verdicts odd'), { ...envelope, notification: odd })).status).toBe(200);
    await t.drain();
    const bySubject = new Map(handled.map((email) => [email.subject, email]));
    expect(bySubject.get('Verdicts fail')).toMatchObject({
      auth: { spf: 'fail', dkim: [] },
      spam: { score: null, report: 'Amazon SES verdicts: spam=FAIL virus=PASS spf=FAIL dkim=GRAY dmarc=FAIL' },
    });
    // A status that is not SES's word, or not where SES puts it, is no verdict at all.
    expect(bySubject.get('Verdicts odd')).toMatchObject({ auth: { spf: null, dkim: [] }, spam: null });
    expect(bySubject.get('Verdicts odd')!.providerData).toMatchObject({ spam: null, spf: null, dmarc: null });
  });

  it("gives the handler SES's ids, action and verdicts, and the SNS message's, as providerData", async () => {
    const { t, handled, post } = await receiver();
    const snsMessageId = '95df01b4-ee98-5cb9-9903-4c221d41eb5e';
    const notification = {
      mail: { source: envelope.source, messageId: 'o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1' },
      receipt: {
        recipients: envelope.recipients,
        action: { type: 'SNS', topicArn: DEFAULT_SNS_TOPIC_ARN, encoding: 'UTF8' },
        spamVerdict: { status: 'PASS' },
        virusVerdict: { status: 'PASS' },
        spfVerdict: { status: 'GRAY' },
        dkimVerdict: { status: 'FAIL' },
        dmarcVerdict: { status: 'PROCESSING_FAILED' },
      },
    };
    const answer = await post(message('Provider data'), { ...envelope, notification, messageId: snsMessageId });
    expect(answer.status).toBe(200);
    await t.drain();
    expect(handled[0]!.providerData).toEqual({
      name: 'ses',
      messageId: 'o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1',
      receiptAction: 'SNS',
      spam: 'PASS',
      virus: 'PASS',
      spf: 'GRAY',
      dkim: 'FAIL',
      dmarc: 'PROCESSING_FAILED',
      topicArn: DEFAULT_SNS_TOPIC_ARN,
      snsMessageId,
    });
    expect(handled[0]!.auth.spf).toBe('none');
  });

  it("authenticates From by SES's SPF pass only when the envelope domain is From's: a forger's own pass is not", async () => {
    const { t, handled, post } = await receiver();
    // SES's verdicts default to PASS: SPF passes for whichever envelope domain the sender used.
    expect(
      (await post(message('Aligned'), { source: 'bounce@example.org', recipients: envelope.recipients })).status,
    ).toBe(200);
    // A forger sends From ann@example.org with an envelope sender on a domain it controls (SPF passes there).
    expect((await post(message('Forged'), { source: 'x@forger.test', recipients: envelope.recipients })).status).toBe(
      200,
    );
    await t.drain();
    const bySubject = new Map(handled.map((email) => [email.subject, email]));
    expect(bySubject.get('Aligned')!.authVerdict()).toMatchObject({ aligned: true, rule: 'spf' });
    expect(bySubject.get('Forged')!.auth.spf).toBe('pass');
    expect(bySubject.get('Forged')!.authVerdict()).toMatchObject({ aligned: false });
  });

  it('keeps 8-bit bytes exact with BASE64, and takes SignatureVersion 1 (RSA-SHA1)', async () => {
    const { t, handled, post } = await receiver();
    const latin1 = Buffer.concat([
      Buffer.from(
        'From: ann@example.org\r\nTo: help@support.example.com\r\nSubject: Latin-1\r\nMessage-ID: <latin1@example.org>\r\n' +
          'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf',
      ),
      Buffer.from([0xe9, 0x0d, 0x0a]),
    ]);
    const answer = await post(latin1, { ...envelope, action: 'BASE64', signatureVersion: '1' });
    expect(answer.status).toBe(200);
    await t.drain();
    expect(handled[0]!.text).toBe('Café\n');
  });

  it('reads an S3 action message through readS3Object, and says how to configure it when there is none', async () => {
    const reads: Array<{ bucket: string; key: string }> = [];
    const stored = new Map([['inbound/abc123', new Uint8Array(Buffer.from(message('From S3')))]]);
    const { t, handled, post } = await receiver(undefined, {
      readS3Object: async (object) => {
        reads.push(object);
        return stored.get(object.key)!;
      },
    });
    const s3 = { bucket: 'mail-bucket', key: 'inbound/abc123' };
    const answer = await post(message('ignored: S3 notifications carry no content'), { ...envelope, action: 'S3', s3 });
    expect(answer).toMatchObject({ status: 200, body: { duplicate: false } });
    expect(reads).toEqual([s3]);
    await t.drain();
    expect(handled.map((email) => email.subject)).toEqual(['From S3']);
    const setup = await post(message('Setup'), {
      action: 'S3',
      s3: { bucket: 'mail-bucket', key: 'inbound/AMAZON_SES_SETUP_NOTIFICATION' },
    });
    expect(setup).toMatchObject({ status: 200, body: { ignored: 'AMAZON_SES_SETUP_NOTIFICATION' } });
    expect(reads).toEqual([s3]);

    const bare = await receiver();
    const refused = await bare.post(message('S3'), { ...envelope, action: 'S3', s3 });
    expect(refused).toMatchObject({ status: 422, body: { error: 's3_reader_required' } });
    expect(refused.body.reason).toMatch(/readS3Object/);
  });

  it('stores a notification SNS delivers twice once', async () => {
    const { t, handled, url, signer } = await receiver();
    const request = sesNotificationRequest(message('Twice'), { url, signer, ...envelope });
    const again = await resend(request.clone(), url);
    const first = await send(request);
    const second = await send(again);
    expect(first).toMatchObject({ status: 200, body: { duplicate: false } });
    expect(second).toMatchObject({ status: 200, body: { id: first.body.id, duplicate: true } });
    await t.drain();
    expect(handled).toHaveLength(1);
    expect(await t.store.inbox.list({})).toHaveLength(1);
  });

  it("refuses the testing kit's published SNS test certificate in production, and takes it otherwise", async () => {
    const { post } = await receiver(undefined, { signer: publishedSnsTestSigner() });
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const refused = await post(message('Published key in production'));
      expect(refused).toMatchObject({ status: 403, body: { error: 'signing_certificate_invalid' } });
      expect(refused.body.reason).toMatch(/published SNS test certificate/);
    } finally {
      process.env.NODE_ENV = before;
    }
    // Refusals are not cached: outside production the same certificate serves the same kind of post.
    expect(await post(message('Published key in development'))).toMatchObject({ status: 200 });
  });

  it('refuses a forged signature (403) and an unsigned message (401)', async () => {
    const { t, post } = await receiver();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const impostor = createSnsTestSigner({ privateKey, certificate: TEST_CERT });
    const forged = await post(message('Forged'), { ...envelope, signer: impostor });
    expect(forged).toMatchObject({ status: 403, body: { error: 'signature_invalid' } });
    // A genuine signature, another message.
    const swapped = await post(message('Genuine'), {
      ...envelope,
      forge: { Message: '{"notificationType":"Received"}' },
    });
    expect(swapped).toMatchObject({ status: 403, body: { error: 'signature_invalid' } });
    const garbled = await post(message('Garbled'), { ...envelope, forge: { Signature: 'not base64!' } });
    expect(garbled).toMatchObject({ status: 403, body: { error: 'signature_invalid' } });
    const unsigned = await post(message('Unsigned'), { ...envelope, forge: { Signature: undefined } });
    expect(unsigned).toMatchObject({ status: 401, body: { error: 'signature_missing' } });
    const version = await post(message('Version'), { ...envelope, forge: { SignatureVersion: '3' } });
    expect(version).toMatchObject({ status: 401, body: { error: 'signature_version_unsupported' } });
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a topic that is not configured, by header before the body and by the signed TopicArn', async () => {
    const { t, post, signer } = await receiver();
    const other = await post(message('Other topic'), { ...envelope, topicArn: OTHER_TOPIC });
    expect(other).toMatchObject({ status: 403, body: { error: 'topic_not_allowed' } });
    expect(other.headers.get('connection')).toBe('close');
    // The header lies; the signed TopicArn decides.
    const lying = await post(message('Other topic'), {
      ...envelope,
      topicArn: OTHER_TOPIC,
      headers: { 'x-amz-sns-topic-arn': DEFAULT_SNS_TOPIC_ARN },
    });
    expect(lying).toMatchObject({ status: 403, body: { error: 'topic_not_allowed' } });
    expect(signer.fetched).toEqual([]);
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a SigningCertURL that is not an SNS certificate, and never fetches it', async () => {
    const { t, post, signer } = await receiver();
    const refused = [
      'https://evil.example.com/SimpleNotificationService-1.pem',
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem',
      'https://sns.s3.amazonaws.com/SimpleNotificationService-1.pem',
      'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem',
      'https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-1.pem',
      'https://user:pw@sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem',
      'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-1.pem',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem?x=1',
      'https://sns.us-east-1.amazonaws.com/a/../../evil.txt',
      'https://xsns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem',
      'not a url',
    ];
    for (const url of refused) {
      const answer = await post(message('Cert'), { ...envelope, forge: { SigningCertURL: url } });
      expect(answer, url).toMatchObject({ status: 403, body: { error: 'signing_cert_url_refused' } });
    }
    expect(signer.fetched).toEqual([]);
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a stale or future Timestamp (401) before fetching the certificate; the window is configurable', async () => {
    const { t, post, signer } = await receiver();
    const old = await post(message('Stale'), { ...envelope, timestamp: new Date(Date.now() - 3601_000) });
    expect(old).toMatchObject({ status: 401, body: { error: 'timestamp_stale' } });
    expect(old.body.reason).toMatch(/s old; messages up to 3600 s old are taken/);
    const future = await post(message('Future'), { ...envelope, timestamp: new Date(Date.now() + 3600_000) });
    expect(future).toMatchObject({ status: 401, body: { error: 'timestamp_stale' } });
    const invalid = await post(message('Invalid'), { ...envelope, fields: { Timestamp: 'yesterday' } });
    expect(invalid).toMatchObject({ status: 401, body: { error: 'timestamp_invalid' } });
    expect(signer.fetched).toEqual([]);
    const recent = await post(message('Recent'), { ...envelope, timestamp: new Date(Date.now() - 1800_000) });
    expect(recent.status).toBe(200);

    const strict = await receiver(undefined, { maxMessageAgeSeconds: 60 });
    const minutes = await strict.post(message('Minutes'), { ...envelope, timestamp: new Date(Date.now() - 120_000) });
    expect(minutes).toMatchObject({ status: 401, body: { error: 'timestamp_stale' } });
    expect((await t.store.inbox.list({})).map((row) => row.subject)).toEqual(['Recent']);
  });

  it('fetches a certificate once, refuses an expired one (403) and answers 503 when it cannot be fetched', async () => {
    const { post, signer } = await receiver();
    for (const subject of ['One', 'Two', 'Three']) expect((await post(message(subject), envelope)).status).toBe(200);
    expect(signer.fetched).toHaveLength(1);

    const expired = await receiver(undefined, {
      signer: createSnsTestSigner({ privateKey: TEST_KEY, certificate: EXPIRED_CERT }),
    });
    expect(await expired.post(message('Expired'), envelope)).toMatchObject({
      status: 403,
      body: { error: 'signing_certificate_expired' },
    });
    const notPem = await receiver(undefined, { fetchCertificate: async () => '<html>not a certificate</html>' });
    expect(await notPem.post(message('Not PEM'), envelope)).toMatchObject({
      status: 403,
      body: { error: 'signing_certificate_invalid' },
    });
    const down = await receiver(undefined, {
      fetchCertificate: async () => {
        throw new Error('connect ETIMEDOUT');
      },
    });
    const unavailable = await down.post(message('Down'), envelope);
    expect(unavailable).toMatchObject({ status: 503, body: { error: 'certificate_unavailable' } });
    expect(unavailable.headers.get('retry-after')).toBe('30');
  });

  it('answers malformed posts with a 4xx and a reason', async () => {
    const { t, url, post } = await receiver();
    const raw = (body: string, headers: Record<string, string> = {}) =>
      send(
        new Request(url, {
          method: 'POST',
          headers: {
            'content-type': 'text/plain; charset=UTF-8',
            'x-amz-sns-message-type': 'Notification',
            ...headers,
          },
          body,
        }),
      );
    expect(await raw('{"Type": "Notification",')).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    expect(await raw('[1, 2]')).toMatchObject({ status: 400, body: { error: 'invalid_sns_message' } });
    expect(await raw('{"Type":"Bogus"}')).toMatchObject({
      status: 400,
      body: { error: 'sns_message_type_unsupported' },
    });
    const rawDelivery = await raw(JSON.stringify({ notificationType: 'Received', content: message('Raw') }));
    expect(rawDelivery).toMatchObject({ status: 401, body: { error: 'signature_missing' } });
    expect(rawDelivery.body.reason).toMatch(/raw message delivery/);
    expect(await raw('{}', { 'x-amz-sns-message-type': 'Bogus' })).toMatchObject({ status: 400 });
    expect(await raw('{}', { 'content-type': 'multipart/form-data; boundary=x' })).toMatchObject({ status: 415 });
    expect((await send(new Request(url, { method: 'GET' }))).status).toBe(405);

    // Signed, but not an SES receipt notification.
    const notJson = await post(message('x'), { rawMessage: 'hello' });
    expect(notJson).toMatchObject({ status: 400, body: { error: 'invalid_ses_notification' } });
    const bounce = await post(message('x'), { notification: { notificationType: 'Bounce' } });
    expect(bounce).toMatchObject({ status: 422, body: { error: 'notification_type_unsupported' } });
    const lambda = await post(message('x'), {
      notification: { receipt: { recipients: [], action: { type: 'Lambda' } } },
    });
    expect(lambda).toMatchObject({ status: 422, body: { error: 'content_unavailable' } });
    const noContent = await post(message('x'), { notification: { content: undefined } });
    expect(noContent).toMatchObject({ status: 400, body: { error: 'invalid_ses_notification' } });
    const badBase64 = await post(message('x'), { action: 'BASE64', notification: { content: '***' } });
    expect(badBase64).toMatchObject({ status: 400, body: { error: 'invalid_ses_notification' } });
    const hostile = await post(message('x'), { recipients: ['help@support.example.com\r\nX: y'] });
    expect(hostile).toMatchObject({ status: 400, body: { error: 'invalid_envelope' } });
    const setup = await post(message('x'), { rawMessage: '{"notificationType":"AMAZON_SES_SETUP_NOTIFICATION"}' });
    expect(setup).toMatchObject({ status: 200, body: { ignored: 'AMAZON_SES_SETUP_NOTIFICATION' } });
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('refuses a body over limits.maxBodyBytes with 413 before anything is verified', async () => {
    const { t, post, signer } = await receiver(undefined, { limits: { maxBodyBytes: 2048 } });
    const big = message('Big').replace('Grüße', 'x'.repeat(4096));
    expect(await post(big, envelope)).toMatchObject({ status: 413 });
    expect(signer.fetched).toEqual([]);
    expect(await t.store.inbox.list({})).toEqual([]);
  });

  it('confirms a subscription by fetching SubscribeURL, and logs an unsubscription', async () => {
    const { url, signer, confirmed, warnings } = await receiver();
    const subscribeUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${DEFAULT_SNS_TOPIC_ARN}&Token=abc`;
    const answer = await send(snsSubscriptionRequest({ url, signer, subscribeUrl }));
    expect(answer).toMatchObject({ status: 200, body: { confirmed: true } });
    expect(confirmed).toEqual([subscribeUrl]);

    const elsewhere = await send(snsSubscriptionRequest({ url, signer, subscribeUrl: 'https://evil.example/confirm' }));
    expect(elsewhere).toMatchObject({ status: 403, body: { error: 'subscribe_url_refused' } });
    const forged = await send(snsSubscriptionRequest({ url, signer, forge: { SubscribeURL: `${subscribeUrl}x` } }));
    expect(forged).toMatchObject({ status: 403, body: { error: 'signature_invalid' } });
    const other = await send(snsSubscriptionRequest({ url, signer, topicArn: OTHER_TOPIC }));
    expect(other).toMatchObject({ status: 403, body: { error: 'topic_not_allowed' } });
    expect(confirmed).toHaveLength(1);

    const bye = await send(snsSubscriptionRequest({ url, signer, type: 'UnsubscribeConfirmation' }));
    expect(bye).toMatchObject({ status: 200, body: { unsubscribed: true } });
    expect(warnings).toEqual([expect.stringContaining(DEFAULT_SNS_TOPIC_ARN)]);
    expect(confirmed).toHaveLength(1);
  });

  it('answers 503 when the confirmation cannot be made, so SNS sends it again', async () => {
    const { url, signer, faults } = await receiver(undefined, {
      confirmSubscription: async () => {
        throw new Error('ECONNRESET');
      },
    });
    const answer = await send(snsSubscriptionRequest({ url, signer }));
    expect(answer).toMatchObject({ status: 503, body: { error: 'subscription_confirmation_failed' } });
    expect(faults).toHaveLength(1);
  });

  it('refuses to start without topicArns, with a malformed ARN or a window that is not positive', async () => {
    const t = await createTestMailroom();
    open.push(t);
    expect(() => sesInbound(t.mailroom, { topicArns: [] })).toThrow(IngressConfigurationError);
    expect(() => sesInbound(t.mailroom, {} as SesInboundOptions)).toThrow(IngressConfigurationError);
    expect(() => sesInbound(t.mailroom, { topicArns: ['inbound-mail'] })).toThrow(IngressConfigurationError);
    expect(() => sesInbound(t.mailroom, { topicArns: [DEFAULT_SNS_TOPIC_ARN], maxMessageAgeSeconds: 0 })).toThrow(
      IngressConfigurationError,
    );
  });

  it("answers 503 while the database is cut and stores SNS's retry once", async () => {
    const outage: Outage = await createOutage();
    open.push(outage);
    const before = await receiver(outage.store);
    expect((await before.post(message('Before the cut'), envelope)).status).toBe(200);

    await outage.cut();
    const request = sesNotificationRequest(message('During the cut'), {
      url: before.url,
      signer: before.signer,
      ...envelope,
    });
    const retry = request.clone();
    const during = await send(request);
    expect(during).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });
    expect(during.headers.get('retry-after')).toBe('60');

    const healed = await outage.heal();
    const after = healed === before.t.store ? before : await receiver(healed, { signer: before.signer });
    const body = await retry.text();
    const again = () => send(new Request(after.url, { method: 'POST', headers: retry.headers, body }));
    await expect.poll(async () => (await again()).status, { timeout: 15_000 }).toBe(200);
    expect(await again()).toMatchObject({ status: 200, body: { duplicate: true } });
    await after.t.drain();
    const subjects = (await healed.inbox.list({})).map((row) => row.subject).sort();
    expect(subjects).toEqual(['Before the cut', 'During the cut']);
  });
});
