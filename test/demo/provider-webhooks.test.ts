/** The demo mounts Postmark's, Mailgun's and SES's endpoints when configured, and lists them on the home page. */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import {
  createSnsTestSigner,
  mailgunMimeRequest,
  postmarkInboundRequest,
  publishedSnsTestSigner,
  sesNotificationRequest,
} from '@mailroom/core/testing';
import { startTestDemo, type TestDemo } from './support.js';

let t: TestDemo | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const message = (subject: string) =>
  `From: Ann <ann@example.org>\r\nTo: help@support.example.test\r\nSubject: ${subject}\r\n` +
  `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\r\nDate: Sun, 6 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n`;

it('receives through POST /webhooks/postmark/inbound and /webhooks/mailgun/mime with the configured credentials', async () => {
  const signingKey = 'key-0123456789abcdef0123456789abcdef';
  t = await startTestDemo({
    MAILROOM_SEED: '0',
    POSTMARK_INBOUND_BASIC: 'postmark:a long postmark password',
    MAILGUN_WEBHOOK_SIGNING_KEY: signingKey,
  });
  const basic = { username: 'postmark', password: 'a long postmark password' };
  const postmark = await fetch(
    postmarkInboundRequest(message('Via Postmark'), { url: `${t.url}/webhooks/postmark/inbound`, basic }),
  );
  expect(postmark.status).toBe(200);
  const forged = await fetch(
    postmarkInboundRequest(message('Forged'), {
      url: `${t.url}/webhooks/postmark/inbound`,
      basic: { ...basic, password: 'guess' },
    }),
  );
  expect(forged.status).toBe(401);
  const mailgun = await fetch(
    mailgunMimeRequest(message('Via Mailgun'), { url: `${t.url}/webhooks/mailgun/mime`, signingKey }),
  );
  expect(mailgun.status).toBe(200);
  const rows = await t.demo.store.inbox.list({});
  expect(rows.map((row) => row.subject).sort()).toEqual(['Via Mailgun', 'Via Postmark']);
  const home = await (await t.get('/')).text();
  expect(home).toContain('POST /webhooks/postmark/inbound');
  expect(home).toContain('signed with MAILGUN_WEBHOOK_SIGNING_KEY');
});

it('mounts both with generated credentials in development, shown on the home page', async () => {
  t = await startTestDemo({ MAILROOM_SEED: '0' });
  const home = await (await t.get('/')).text();
  const password = /development credentials postmark:([\w-]+)/.exec(home)?.[1];
  const signingKey = /development signing key ([\w-]+)/.exec(home)?.[1];
  expect(password && signingKey).toBeTruthy();
  const postmark = await fetch(
    postmarkInboundRequest(message('Dev Postmark'), {
      url: `${t.url}/webhooks/postmark/inbound`,
      basic: { username: 'postmark', password: password! },
    }),
  );
  expect(postmark.status).toBe(200);
  const mailgun = await fetch(
    mailgunMimeRequest(message('Dev Mailgun'), { url: `${t.url}/webhooks/mailgun/mime`, signingKey: signingKey! }),
  );
  expect(mailgun.status).toBe(200);
  // SES without SES_SNS_TOPIC_ARNS: the testing kit's published test key stands in for AWS's (development only).
  expect(home).toContain('published test key, topic arn:aws:sns:us-east-1:123456789012:mailroom-inbound');
  const url = `${t.url}/webhooks/ses`;
  const ses = await fetch(sesNotificationRequest(message('Dev SES'), { url, signer: publishedSnsTestSigner() }));
  expect(ses.status).toBe(200);
  // A key of anyone's own, naming the same certificate URL: its signature does not verify.
  const forger = createSnsTestSigner({
    privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    certificate: '',
  });
  const forged = await fetch(sesNotificationRequest(message('Forged SES'), { url, signer: forger }));
  expect(forged.status).toBe(403);
  const rows = await t.demo.store.inbox.list({});
  expect(rows.map((row) => row.subject).sort()).toEqual(['Dev Mailgun', 'Dev Postmark', 'Dev SES']);
});

it('does not take the published SNS test key in production', async () => {
  t = await startTestDemo({
    NODE_ENV: 'production',
    MAILROOM_SECRET: 'a production secret of thirty-two or more characters',
    SENDGRID_PARSE_BASIC: 'sendgrid:a long production password',
    HOST: '127.0.0.1',
  });
  const ses = await fetch(
    sesNotificationRequest(message('Prod SES'), { url: `${t.url}/webhooks/ses`, signer: publishedSnsTestSigner() }),
  );
  expect(ses.status).toBe(404);
});

it('mounts POST /webhooks/ses with SES_SNS_TOPIC_ARNS, refusing what AWS did not sign', async () => {
  const topicArn = 'arn:aws:sns:eu-west-1:123456789012:demo-inbound';
  t = await startTestDemo({
    MAILROOM_SEED: '0',
    SES_SNS_TOPIC_ARNS: ` ${topicArn}, arn:aws:sns:us-east-1:123456789012:demo-other`,
  });
  const home = await (await t.get('/')).text();
  expect(home).toContain('POST /webhooks/ses');
  expect(home).toContain('SES_SNS_TOPIC_ARNS');
  // The demo fetches certificates from AWS: a test can only show what it refuses before fetching one.
  const signer = createSnsTestSigner({
    privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    certificate: '',
  });
  const url = `${t.url}/webhooks/ses`;
  const foreign = await fetch(
    sesNotificationRequest(message('Foreign cert'), {
      url,
      signer,
      topicArn,
      forge: { SigningCertURL: 'https://certs.example.com/SimpleNotificationService-1.pem' },
    }),
  );
  expect(foreign.status).toBe(403);
  expect(await foreign.json()).toMatchObject({ error: 'signing_cert_url_refused' });
  const otherTopic = await fetch(sesNotificationRequest(message('Other topic'), { url, signer }));
  expect(otherTopic.status).toBe(403);
  expect(await otherTopic.json()).toMatchObject({ error: 'topic_not_allowed' });
  expect((await fetch(url)).status).toBe(405);
  expect(await t.demo.store.inbox.list({})).toEqual([]);
});
