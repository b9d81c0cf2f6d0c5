/**
 * Forged authentication over every ingress besides SendGrid's, through real HTTP and real SMTP against a child
 * server (support/providers-child.ts): wrong basic credentials (Postmark); forged, stale and replayed signatures
 * (Mailgun); wrong secrets (relay); forged and tampered SNS signatures, SigningCertURLs off SNS's hosts, stale
 * timestamps, unknown topics and forged subscription confirmations (Amazon SES through SNS); relay attempts to
 * foreign domains (SMTP, 550).
 *
 * What it proves: every forgery is refused with a 401/403 (SMTP: 550) and a reason, and nothing forged is stored;
 * a SigningCertURL off SNS's hosts is never fetched (the child counts its fetcher's calls: only the test
 * certificate's URL, once); a forged subscription confirmation confirms nothing; an SNS notification delivered
 * again (SNS retries the same signed message) is answered 200 `duplicate` and stored once. Genuine controls
 * through each ingress are stored, so the refusals are not a server refusing everything. Figures: the summary
 * table.
 *
 * Store: PostgreSQL when DATABASE_URL is set (a fresh database), else PGlite in memory.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnsTestSigner, DEFAULT_SNS_SIGNING_CERT_URL } from '@mailroom/core/testing';
import { total } from './support/effects.js';
import {
  MESSAGE_END,
  STORE,
  childStore,
  counts,
  post,
  sesCalls,
  startProviders,
  type Providers,
} from './support/providers-harness.js';
import {
  DOMAIN,
  MAILGUN_KEY,
  POSTMARK_BASIC,
  RELAY_SECRET,
  SES_TOPIC_ARN,
  SNS_CERT_FILE,
  basicAuthorization,
  codeOf,
  genuineMessage,
  mailgunRequest,
  mailgunSigned,
  postmarkPayload,
  postmarkRequest,
  rawSmtpSession,
  relayRequest,
  sesRequest,
  smtpSend,
  snsPost,
  wrapFor,
  type HttpProvider,
  type ProviderRequest,
} from './support/providers.js';
import { recordFigures } from './support/summary.js';

describe('forged authentication over every ingress besides SendGrid: refused, nothing stored', () => {
  let p: Providers;
  let store: Awaited<ReturnType<typeof childStore>>;
  beforeAll(async () => {
    store = await childStore(false);
    p = await startProviders(store.env);
  });
  afterAll(async () => {
    await p?.child.kill();
    await store?.drop();
  });

  it('answers 401/403 (HTTP) and 550 (SMTP relay attempts) with a reason and stores only the genuine controls', async () => {
    const runId = randomBytes(4).toString('hex');
    let n = 0;
    const forgedIds: string[] = [];
    const controlIds: string[] = [];
    const forged = () => {
      const id = `forged-${runId}-${++n}@${DOMAIN}`;
      forgedIds.push(id);
      return genuineMessage(id, 'forged');
    };
    const genuine = () => {
      const id = `genuine-${runId}-${++n}@${DOMAIN}`;
      controlIds.push(id);
      return genuineMessage(id, 'genuine');
    };
    const now = Math.floor(Date.now() / 1000);
    const withAuth = (request: ProviderRequest, authorization: string | null): ProviderRequest => {
      const { authorization: _dropped, ...headers } = request.headers;
      return { ...request, headers: authorization === null ? headers : { ...headers, authorization } };
    };
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const http: Array<{ provider: HttpProvider; name: string; expect: number[]; build: () => ProviderRequest }> = [
      // Postmark: HTTP basic.
      {
        provider: 'postmark',
        name: 'no credentials',
        expect: [401],
        build: () => postmarkRequest(postmarkPayload(forged()), { basic: null }),
      },
      {
        provider: 'postmark',
        name: 'wrong password',
        expect: [401],
        build: () => postmarkRequest(postmarkPayload(forged()), { basic: { ...POSTMARK_BASIC, password: 'guess' } }),
      },
      {
        provider: 'postmark',
        name: 'wrong user name',
        expect: [401],
        build: () => postmarkRequest(postmarkPayload(forged()), { basic: { ...POSTMARK_BASIC, username: 'admin' } }),
      },
      {
        provider: 'postmark',
        name: 'password with a suffix',
        expect: [401],
        build: () =>
          postmarkRequest(postmarkPayload(forged()), {
            basic: { ...POSTMARK_BASIC, password: `${POSTMARK_BASIC.password}x` },
          }),
      },
      {
        provider: 'postmark',
        name: 'password prefix',
        expect: [401],
        build: () =>
          postmarkRequest(postmarkPayload(forged()), {
            basic: { ...POSTMARK_BASIC, password: POSTMARK_BASIC.password.slice(0, -1) },
          }),
      },
      {
        provider: 'postmark',
        name: 'empty credentials',
        expect: [401],
        build: () => postmarkRequest(postmarkPayload(forged()), { basic: { username: '', password: '' } }),
      },
      {
        provider: 'postmark',
        name: 'credentials not base64',
        expect: [401],
        build: () => withAuth(postmarkRequest(postmarkPayload(forged())), 'Basic !!!not-base64!!!'),
      },
      {
        provider: 'postmark',
        name: 'no colon',
        expect: [401],
        build: () =>
          withAuth(
            postmarkRequest(postmarkPayload(forged())),
            `Basic ${b64(POSTMARK_BASIC.username + POSTMARK_BASIC.password)}`,
          ),
      },
      {
        provider: 'postmark',
        name: 'the password as a Bearer token',
        expect: [401],
        build: () => withAuth(postmarkRequest(postmarkPayload(forged())), `Bearer ${POSTMARK_BASIC.password}`),
      },
      {
        provider: 'postmark',
        name: 'the relay secret as Bearer',
        expect: [401],
        build: () => withAuth(postmarkRequest(postmarkPayload(forged())), `Bearer ${RELAY_SECRET}`),
      },
      {
        provider: 'postmark',
        name: 'credentials for another user with the right password',
        expect: [401],
        build: () =>
          withAuth(postmarkRequest(postmarkPayload(forged())), basicAuthorization('inbound', POSTMARK_BASIC.password)),
      },
      // Mailgun: HMAC of timestamp + token, each token once.
      {
        provider: 'mailgun',
        name: 'signed with another key',
        expect: [403],
        build: () => mailgunRequest(forged(), { signed: mailgunSigned('key-someone-else') }),
      },
      {
        provider: 'mailgun',
        name: 'signature of another token',
        expect: [403],
        build: () => mailgunRequest(forged(), { signed: { ...mailgunSigned(), signature: mailgunSigned().signature } }),
      },
      {
        provider: 'mailgun',
        name: 'signature not hex',
        expect: [403],
        build: () => mailgunRequest(forged(), { signed: { ...mailgunSigned(), signature: 'z'.repeat(64) } }),
      },
      {
        provider: 'mailgun',
        name: 'signature truncated',
        expect: [403],
        build: () => {
          const s = mailgunSigned();
          return mailgunRequest(forged(), { signed: { ...s, signature: s.signature.slice(0, 63) } });
        },
      },
      {
        provider: 'mailgun',
        name: 'stale: validly signed an hour ago',
        expect: [401],
        build: () => mailgunRequest(forged(), { signed: mailgunSigned(MAILGUN_KEY, now - 3600) }),
      },
      {
        provider: 'mailgun',
        name: 'from the future: signed for an hour ahead',
        expect: [401],
        build: () => mailgunRequest(forged(), { signed: mailgunSigned(MAILGUN_KEY, now + 3600) }),
      },
      {
        provider: 'mailgun',
        name: 'digits moved from the token to the timestamp',
        expect: [401],
        build: () => {
          const s = mailgunSigned(MAILGUN_KEY, now, `7${randomBytes(20).toString('hex')}`);
          return mailgunRequest(forged(), { signed: { ...s, timestamp: `${s.timestamp}7`, token: s.token.slice(1) } });
        },
      },
      {
        provider: 'mailgun',
        name: 'no signature',
        expect: [401],
        build: () => mailgunRequest(forged(), { omit: ['signature'] }),
      },
      {
        provider: 'mailgun',
        name: 'no token',
        expect: [401],
        build: () => mailgunRequest(forged(), { omit: ['token'] }),
      },
      {
        provider: 'mailgun',
        name: 'no timestamp',
        expect: [401],
        build: () => mailgunRequest(forged(), { omit: ['timestamp'] }),
      },
      {
        provider: 'mailgun',
        name: 'no signature fields at all',
        expect: [401],
        build: () => mailgunRequest(forged(), { omit: ['timestamp', 'token', 'signature'] }),
      },
      {
        provider: 'mailgun',
        name: 'timestamp not a number',
        expect: [401, 403],
        build: () => mailgunRequest(forged(), { signed: { ...mailgunSigned(), timestamp: 'yesterday' } }),
      },
      // Relay: Bearer secret.
      { provider: 'relay', name: 'no secret', expect: [401], build: () => relayRequest(forged(), { secret: null }) },
      {
        provider: 'relay',
        name: 'wrong secret',
        expect: [401],
        build: () => relayRequest(forged(), { secret: 'x'.repeat(RELAY_SECRET.length) }),
      },
      {
        provider: 'relay',
        name: 'secret with a suffix',
        expect: [401],
        build: () => relayRequest(forged(), { secret: `${RELAY_SECRET}A` }),
      },
      {
        provider: 'relay',
        name: 'secret prefix',
        expect: [401],
        build: () => relayRequest(forged(), { secret: RELAY_SECRET.slice(0, -1) }),
      },
      {
        provider: 'relay',
        name: 'the secret as Basic',
        expect: [401],
        build: () => withAuth(relayRequest(forged()), basicAuthorization('relay', RELAY_SECRET)),
      },
      {
        provider: 'relay',
        name: 'the secret without a scheme',
        expect: [401],
        build: () => withAuth(relayRequest(forged()), RELAY_SECRET),
      },
      {
        provider: 'relay',
        name: 'the Postmark password as the secret',
        expect: [401],
        build: () => relayRequest(forged(), { secret: POSTMARK_BASIC.password }),
      },
    ];

    let sent = 0;
    let rejected = 0;
    const problems: string[] = [];
    for (const c of http) {
      for (let i = 0; i < 3; i++) {
        const answer = await post(p, c.provider, c.build());
        sent++;
        const reason = 'body' in answer ? (JSON.parse(answer.body || '{}') as { reason?: string }).reason : undefined;
        if (!c.expect.includes(answer.status) || !reason?.trim()) {
          problems.push(`${c.provider} ${c.name}: ${answer.status} ${'body' in answer ? answer.body : answer.error}`);
        } else rejected++;
      }
    }

    // Mailgun replays: a genuine post is stored; its signed fields sent again, with its own or another message, are
    // refused (the token is spent), and so is a replay after the genuine post was refused for good.
    let replays = 0;
    for (let i = 0; i < 3; i++) {
      const signed = mailgunSigned();
      const original = genuine();
      expect((await post(p, 'mailgun', mailgunRequest(original, { signed }))).status).toBe(200);
      for (const body of [original, forged(), forged()]) {
        const answer = await post(p, 'mailgun', mailgunRequest(body, { signed }));
        sent++;
        replays++;
        if (answer.status !== 403 || !('body' in answer) || JSON.parse(answer.body).error !== 'token_replayed')
          problems.push(`mailgun replay: ${answer.status} ${'body' in answer ? answer.body : ''}`);
        else rejected++;
      }
      const refused = mailgunSigned();
      expect((await post(p, 'mailgun', mailgunRequest(Buffer.alloc(0), { signed: refused }))).status).toBe(400);
      const replay = await post(p, 'mailgun', mailgunRequest(forged(), { signed: refused }));
      sent++;
      replays++;
      if (replay.status !== 403) problems.push(`mailgun replay after a refusal: ${replay.status}`);
      else rejected++;
    }

    // SMTP: no AUTH, no relaying: a recipient outside the domain is refused at RCPT (550), so DATA has nobody to
    // deliver to; nodemailer's sends to foreign domains are refused too.
    const foreign = [
      'x@evil.example',
      `inbox@${DOMAIN}.evil.example`,
      `inbox@sub.${DOMAIN}`,
      'inbox@[127.0.0.1]',
      'inbox@[IPv6:::1]',
      `@${DOMAIN}:x@evil.example`,
      `x%evil.example@evil.example`,
      'postmaster@localhost',
      `inbox@${DOMAIN.replace('.com', '.co')}`,
      'x@xn--80ak6aa92e.com',
    ];
    let relayRefused = 0;
    for (const address of foreign) {
      const session = await rawSmtpSession(p.smtpPort);
      await session.replies(1);
      const id = `forged-${runId}-${++n}@${DOMAIN}`;
      forgedIds.push(id);
      session.write(`EHLO relay.example\r\nMAIL FROM:<spammer@evil.example>\r\nRCPT TO:<${address}>\r\nDATA\r\n`);
      const replies = await session.replies(4);
      const codes = replies.map(codeOf);
      sent++;
      if ((codes[2] ?? 0) >= 500 && codes[3] === 503) {
        relayRefused++;
        rejected++;
      } else {
        problems.push(`SMTP relay to ${address}: ${replies.join(' | ')}`);
        if (codes[3] === 354) session.write(`${genuineMessage(id).toString('latin1')}${MESSAGE_END}`);
      }
      session.write('QUIT\r\n');
      await session.replies(1);
      session.close();
    }
    for (const to of [['x@evil.example'], ['a@evil.example', 'b@other.example']]) {
      const outcome = await smtpSend(p.smtpPort, forged(), { from: 'spammer@evil.example', to });
      sent++;
      if (outcome.code === 550 || /5\.1\.2/.test(outcome.text)) {
        relayRefused++;
        rejected++;
      } else problems.push(`nodemailer relay to ${to.join(',')}: ${outcome.code} ${outcome.text}`);
    }

    // Genuine controls through each ingress prove the server does store what is authenticated.
    for (const provider of ['postmark', 'mailgun', 'relay'] as const) {
      expect((await post(p, provider, wrapFor(provider, genuine()))).status).toBe(200);
    }
    expect((await smtpSend(p.smtpPort, genuine())).code).toBe(250);

    const stored = await counts(p);
    const storedForgeries = forgedIds.filter((id) => stored.inbox[id]).length;
    recordFigures({
      scenario: `forged authentication (Postmark, Mailgun, relay, SMTP; ${STORE})`,
      sent: sent + controlIds.length,
      ok2xx: controlIds.length,
      stored: total(stored.inbox),
      processed: 0,
      lost: 0,
      duplicates: 0,
      server5xx: 0,
      rejected401or403or550: rejected,
      mailgunReplays: replays,
      smtpRelayRefused550: relayRefused,
      storedForgeries,
    });
    expect(problems).toEqual([]);
    expect(storedForgeries).toBe(0);
    expect(Object.keys(stored.inbox).sort()).toEqual(controlIds.map((id) => id).sort());
  });
  it('SES through SNS: forged, tampered, stale, off-host and unknown-topic notifications are a 401/403 with a reason; a redelivery is stored once', async () => {
    const runId = randomBytes(4).toString('hex');
    let n = 0;
    const forgedIds: string[] = [];
    const controlIds: string[] = [];
    const forged = () => {
      const id = `ses-forged-${runId}-${++n}@${DOMAIN}`;
      forgedIds.push(id);
      return genuineMessage(id, 'forged');
    };
    const genuine = () => {
      const id = `ses-genuine-${runId}-${++n}@${DOMAIN}`;
      controlIds.push(id);
      return genuineMessage(id, 'genuine');
    };
    // Another key, the real certificate's URL: what a forger can sign with.
    const impostor = createSnsTestSigner({
      privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
      certificate: readFileSync(SNS_CERT_FILE, 'utf8'),
    });
    const signedField = (request: ProviderRequest, name: string) =>
      (JSON.parse(request.body.toString('utf8')) as Record<string, string>)[name]!;
    const hour = 60 * 60 * 1000;
    const offHost = [
      'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0.pem',
      'https://evil.example/SimpleNotificationService-0.pem',
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem',
      'https://sns.s3.amazonaws.com/SimpleNotificationService-0.pem',
      'https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem',
      'https://user:secret@sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem',
      'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0.pem',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem?x=1',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.txt',
      'https://127.0.0.1/SimpleNotificationService-0.pem',
      'file:///etc/passwd',
      'not a URL',
    ];
    const subscription = (fields: Record<string, string> = {}) => ({
      Type: 'SubscriptionConfirmation',
      MessageId: randomUUID(),
      Token: randomBytes(32).toString('hex'),
      TopicArn: SES_TOPIC_ARN,
      Message: `You have chosen to subscribe to the topic ${SES_TOPIC_ARN}.`,
      SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${SES_TOPIC_ARN}&Token=x`,
      Timestamp: new Date().toISOString(),
      ...fields,
    });
    const cases: Array<{ name: string; expect: number[]; error: string; build: () => ProviderRequest }> = [
      {
        name: 'signed with another key',
        expect: [403],
        error: 'signature_invalid',
        build: () => sesRequest(forged(), { signer: impostor }),
      },
      {
        name: 'Message swapped for another notification after signing',
        expect: [403],
        error: 'signature_invalid',
        build: () =>
          sesRequest(genuineMessage(`ses-signed-${randomBytes(4).toString('hex')}@${DOMAIN}`), {
            forge: { Message: signedField(sesRequest(forged()), 'Message') },
          }),
      },
      {
        name: 'MessageId changed after signing',
        expect: [403],
        error: 'signature_invalid',
        build: () => sesRequest(forged(), { forge: { MessageId: randomUUID() } }),
      },
      {
        name: 'Timestamp moved after signing',
        expect: [403],
        error: 'signature_invalid',
        build: () => sesRequest(forged(), { forge: { Timestamp: new Date(Date.now() - 1000).toISOString() } }),
      },
      {
        name: 'Subject removed after signing',
        expect: [403],
        error: 'signature_invalid',
        build: () => sesRequest(forged(), { forge: { Subject: undefined } }),
      },
      {
        name: 'the signature of another notification',
        expect: [403],
        error: 'signature_invalid',
        build: () => sesRequest(forged(), { forge: { Signature: signedField(sesRequest(forged()), 'Signature') } }),
      },
      {
        name: 'SignatureVersion 1 on a version-2 signature',
        expect: [403],
        error: 'signature_invalid',
        build: () => sesRequest(forged(), { forge: { SignatureVersion: '1' } }),
      },
      {
        name: 'SignatureVersion 3',
        expect: [401],
        error: 'signature_version_unsupported',
        build: () => sesRequest(forged(), { forge: { SignatureVersion: '3' } }),
      },
      {
        name: 'Signature not base64',
        expect: [403],
        error: 'signature_invalid',
        build: () => sesRequest(forged(), { forge: { Signature: '!'.repeat(344) } }),
      },
      {
        name: 'Signature truncated',
        expect: [403],
        error: 'signature_invalid',
        build: () => {
          const request = sesRequest(forged());
          return sesRequest(forged(), { forge: { Signature: signedField(request, 'Signature').slice(0, 200) } });
        },
      },
      ...(['Signature', 'SigningCertURL', 'SignatureVersion'] as const).map((field) => ({
        name: `no ${field}`,
        expect: [401],
        error: 'signature_missing',
        build: () => sesRequest(forged(), { forge: { [field]: undefined } }),
      })),
      ...offHost.map((url, i) => ({
        name: `SigningCertURL off SNS's hosts #${i}`,
        expect: [403],
        error: 'signing_cert_url_refused',
        build: () => sesRequest(forged(), { forge: { SigningCertURL: url } }),
      })),
      {
        name: 'stale: validly signed two hours ago',
        expect: [401],
        error: 'timestamp_stale',
        build: () => sesRequest(forged(), { timestamp: new Date(Date.now() - 2 * hour) }),
      },
      {
        name: 'from the future: signed for an hour ahead',
        expect: [401],
        error: 'timestamp_stale',
        build: () => sesRequest(forged(), { timestamp: new Date(Date.now() + hour) }),
      },
      {
        name: 'Timestamp not ISO 8601 (validly signed)',
        expect: [401],
        error: 'timestamp_invalid',
        build: () => {
          const request = sesRequest(forged());
          const fields = JSON.parse(request.body.toString('utf8')) as Record<string, string>;
          const { Signature: _s, SignatureVersion: _v, SigningCertURL: _u, ...unsigned } = fields;
          return snsPost({ ...unsigned, Timestamp: String(Math.floor(Date.now() / 1000)) });
        },
      },
      {
        name: 'unknown topic (validly signed, named in the header)',
        expect: [403],
        error: 'topic_not_allowed',
        build: () => sesRequest(forged(), { topicArn: 'arn:aws:sns:us-east-1:123456789012:someone-elses-topic' }),
      },
      {
        name: 'unknown topic (validly signed, no header)',
        expect: [403],
        error: 'topic_not_allowed',
        build: () =>
          sesRequest(forged(), {
            topicArn: 'arn:aws:sns:eu-west-1:999999999999:mailroom-reliability',
            headers: { 'x-amz-sns-topic-arn': null },
          }),
      },
      {
        name: 'unknown topic in the signed TopicArn, the configured one in the header',
        expect: [403],
        error: 'topic_not_allowed',
        build: () =>
          sesRequest(forged(), {
            topicArn: 'arn:aws:sns:us-east-1:123456789012:someone-elses-topic',
            headers: { 'x-amz-sns-topic-arn': SES_TOPIC_ARN },
          }),
      },
      {
        name: 'the SES notification without its SNS envelope (unsigned)',
        expect: [401],
        error: 'signature_missing',
        build: () => {
          const request = sesRequest(forged());
          return { ...request, body: Buffer.from(signedField(request, 'Message'), 'utf8') };
        },
      },
      {
        name: 'SubscriptionConfirmation signed with another key',
        expect: [403],
        error: 'signature_invalid',
        build: () => snsPost(subscription(), { signer: impostor }),
      },
      {
        name: 'SubscriptionConfirmation, validly signed, SubscribeURL off SNS',
        expect: [403],
        error: 'subscribe_url_refused',
        build: () => snsPost(subscription({ SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription' })),
      },
    ];

    let sent = 0;
    let rejected = 0;
    const problems: string[] = [];
    for (const c of cases) {
      for (let i = 0; i < 3; i++) {
        const answer = await post(p, 'ses', c.build());
        sent++;
        const json = 'body' in answer ? (JSON.parse(answer.body || '{}') as { error?: string; reason?: string }) : {};
        if (!c.expect.includes(answer.status) || json.error !== c.error || !json.reason?.trim()) {
          problems.push(`ses ${c.name}: ${answer.status} ${'body' in answer ? answer.body : answer.error}`);
        } else rejected++;
      }
    }

    // Redelivery: SNS retries the very same signed message; and a notification of the same message re-signed under
    // a new MessageId. Each is answered 200 `duplicate` with the first one's id, and stored once.
    let redeliveries = 0;
    for (let i = 0; i < 3; i++) {
      const original = genuine();
      const request = sesRequest(original);
      const first = await post(p, 'ses', request);
      expect(first.status).toBe(200);
      const firstBody = JSON.parse((first as { body: string }).body) as { id: string; duplicate: boolean };
      expect(firstBody.duplicate).toBe(false);
      for (const again of [request, request, sesRequest(original)]) {
        const answer = await post(p, 'ses', again);
        sent++;
        redeliveries++;
        const body = 'body' in answer ? (JSON.parse(answer.body || '{}') as { id?: string; duplicate?: boolean }) : {};
        if (answer.status !== 200 || body.duplicate !== true || body.id !== firstBody.id) {
          problems.push(`ses redelivery: ${answer.status} ${'body' in answer ? answer.body : answer.error}`);
        }
      }
    }
    // A genuine subscription confirmation is confirmed (so the forged ones' zero confirmations mean something).
    const confirmation = await post(p, 'ses', snsPost(subscription()));
    expect(confirmation.status).toBe(200);

    const calls = await sesCalls(p);
    const stored = await counts(p);
    const storedForgeries = forgedIds.filter((id) => stored.inbox[id]).length;
    const offHostFetches = calls.certificateFetches.filter((url) => url !== DEFAULT_SNS_SIGNING_CERT_URL);
    recordFigures({
      scenario: `forged authentication (SES through SNS; ${STORE})`,
      sent: sent + controlIds.length + 1,
      ok2xx: controlIds.length + redeliveries + 1,
      stored: controlIds.filter((id) => stored.inbox[id]).length,
      processed: 0,
      lost: controlIds.filter((id) => !stored.inbox[id]).length,
      duplicates: controlIds.filter((id) => (stored.inbox[id] ?? 0) > 1).length,
      server5xx: 0,
      rejected401or403: rejected,
      redeliveries200duplicate: redeliveries,
      certificateFetches: calls.certificateFetches.length,
      offHostFetches: offHostFetches.length,
      confirmations: calls.confirmations.length,
      storedForgeries,
    });
    expect(problems).toEqual([]);
    expect(storedForgeries).toBe(0);
    expect(Object.fromEntries(controlIds.map((id) => [id, stored.inbox[id]]))).toEqual(
      Object.fromEntries(controlIds.map((id) => [id, 1])),
    );
    // No SigningCertURL off SNS's hosts was fetched; the test certificate was, once (then cached).
    expect(offHostFetches).toEqual([]);
    expect(calls.certificateFetches).toEqual([DEFAULT_SNS_SIGNING_CERT_URL]);
    // Only the genuine confirmation was confirmed.
    expect(calls.confirmations).toHaveLength(1);
  });
});
