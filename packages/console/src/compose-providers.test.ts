/**
 * Compose as each provider the host configured, over real HTTP: the form (CSRF-checked, behind auth) and the JSON
 * API post that provider's own request through the endpoint mounted on the same server, and the stored email says
 * which provider it came from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailgunInbound, postmarkInbound, relayIngress, sesInbound } from '@mailroom/core/http';
import {
  DEFAULT_SNS_TOPIC_ARN,
  TEST_KEY_PAIR,
  createTestMailroom,
  publishedSnsTestSigner,
  type TestMailroom,
} from '@mailroom/core/testing';
import { ConsoleConfigurationError, createWebhookClient, mailroomConsole, type ConsoleProviders } from './index.js';

const AUTH = { username: 'admin', password: 'correct horse battery staple' };
const POSTMARK = { username: 'postmark', password: 'a long postmark password' };
const MAILGUN_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const RELAY_SECRET = 'c2VjcmV0LWZvci10aGUtcmVsYXktZW5kcG9pbnQ';
const basic = `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}`;

interface StoredEmail {
  email: {
    provider: string;
    subject: string;
    from: { address: string } | null;
    envelope: { from: string | null; to: string[] };
    text: string | null;
    attachments: Array<{ filename: string }>;
  };
}

describe('Compose as the providers the host configured', () => {
  let t: TestMailroom;
  const request = (path: string, init: RequestInit = {}) =>
    fetch(`${t.url}${path}`, { redirect: 'manual', ...init, headers: { authorization: basic, ...init.headers } });
  const form = (fields: Record<string, string>) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    return body;
  };
  const postForm = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    request(path, { method: 'POST', body: form(fields), headers: { origin: t.url, ...headers } });
  const stored = async (id: string) =>
    ((await (await request(`/mailroom/api/inbound/${id}`)).json()) as StoredEmail).email;
  const sentId = (response: Response) => {
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/mailroom\/inbox\/[^/?]+\?sent=1$/);
    return location.slice('/mailroom/inbox/'.length, location.indexOf('?'));
  };

  beforeAll(async () => {
    t = await createTestMailroom();
    // The endpoints on paths of the host's choosing (the console's defaults are the demo's).
    t.app.route('/hooks/postmark', postmarkInbound(t.mailroom, { basic: [POSTMARK] }));
    t.app.route('/hooks/mailgun', mailgunInbound(t.mailroom, { signingKey: MAILGUN_KEY }));
    t.app.route('/hooks/raw', relayIngress(t.mailroom, { secrets: [RELAY_SECRET] }));
    const signer = publishedSnsTestSigner();
    const topicArns = [DEFAULT_SNS_TOPIC_ARN];
    t.app.route('/hooks/ses', sesInbound(t.mailroom, { topicArns, fetchCertificate: signer.fetchCertificate }));
    const webhooks = createWebhookClient({
      fetch: (r) => t.app.fetch(r),
      baseUrl: () => t.url,
      parseKey: TEST_KEY_PAIR,
      eventsKey: TEST_KEY_PAIR,
    });
    const providers: ConsoleProviders = {
      postmark: { url: '/hooks/postmark/inbound', basic: POSTMARK },
      mailgun: { url: '/hooks/mailgun/mime', signingKey: MAILGUN_KEY },
      relay: { url: '/hooks/raw', secret: RELAY_SECRET },
      ses: { url: '/hooks/ses', signer },
    };
    const base = { store: t.store, mailroom: t.mailroom, auth: AUTH, webhooks };
    t.app.route('/mailroom', mailroomConsole({ ...base, providers }));
    t.app.route('/partial', mailroomConsole({ ...base, providers: { postmark: providers.postmark! } }));
    t.app.route('/plain', mailroomConsole(base));
  });
  afterAll(() => t?.close());

  it('offers a select of only the configured providers, SendGrid first and chosen by default', async () => {
    const options = async (path: string) => {
      const html = await (await request(path)).text();
      return [...html.matchAll(/<option value="(\w+)"( selected="")?>[^<]*<\/option>/g)]
        .filter((m) => ['sendgrid', 'postmark', 'mailgun', 'relay', 'ses'].includes(m[1]!))
        .map((m) => `${m[1]}${m[2] ? '*' : ''}`);
    };
    // The compose form and the .eml form each have one.
    expect(await options('/mailroom/compose')).toEqual([
      ...['sendgrid*', 'postmark', 'mailgun', 'relay', 'ses'],
      ...['sendgrid*', 'postmark', 'mailgun', 'relay', 'ses'],
    ]);
    expect(await options('/partial/compose')).toEqual(['sendgrid*', 'postmark', 'sendgrid*', 'postmark']);
    expect(await options('/mailroom/compose?provider=mailgun')).toEqual([
      ...['sendgrid', 'postmark', 'mailgun*', 'relay', 'ses'],
      ...['sendgrid', 'postmark', 'mailgun*', 'relay', 'ses'],
    ]);
    const plain = await (await request('/plain/compose')).text();
    expect(plain).not.toContain('name="provider"'); // SendGrid alone: nothing to choose
    const page = await (await request('/mailroom/compose')).text();
    expect(page).toContain('<code>POST /hooks/postmark/inbound</code>');
    expect(page).toContain('<code>POST /hooks/raw</code>');
  });

  for (const provider of ['postmark', 'mailgun', 'relay', 'ses'] as const) {
    it(`posts the form as ${provider} through its endpoint and stores an email with provider "${provider}"`, async () => {
      const response = await postForm('/mailroom/compose', {
        provider,
        from: 'Casey Customer <casey@customer.example>',
        to: 'support@support.example.test',
        bcc: 'audit@support.example.test',
        subject: `Via ${provider}`,
        text: `Sent as ${provider}.`,
        mode: 'parsed', // SendGrid's choice: the other providers post the raw message whatever it says
      });
      const email = await stored(sentId(response));
      expect(email.provider).toBe(provider);
      expect(email.subject).toBe(`Via ${provider}`);
      expect(email.from?.address).toBe('casey@customer.example');
      expect(email.text?.trim()).toBe(`Sent as ${provider}.`);
      expect(email.envelope.from).toBe('casey@customer.example');
      // Postmark reports the one address it received for (OriginalRecipient); the others the whole envelope.
      expect(email.envelope.to).toEqual(
        provider === 'postmark'
          ? ['support@support.example.test']
          : ['support@support.example.test', 'audit@support.example.test'],
      );
    });
  }

  it('posts a pasted .eml and a JSON compose as the chosen provider', async () => {
    const eml = [
      'From: Ann <ann@example.test>',
      'To: support@support.example.test',
      'Subject: Pasted',
      'Message-ID: <pasted-1@example.test>',
      '',
      'Pasted body.',
    ].join('\n');
    const pasted = await postForm('/mailroom/compose/eml', { provider: 'relay', eml });
    const email = await stored(sentId(pasted));
    expect(email).toMatchObject({ provider: 'relay', subject: 'Pasted' });
    expect(email.text?.trim()).toBe('Pasted body.');

    const api = await request('/mailroom/api/compose', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'mailgun',
        from: 'bob@example.test',
        to: 'support@support.example.test',
        subject: 'From the API',
        attachments: [{ filename: 'note.txt', content: Buffer.from('hello').toString('base64') }],
      }),
    });
    expect(api.status).toBe(201);
    const created = (await api.json()) as { id: string; webhook: { status: number } };
    expect(created.webhook.status).toBe(200);
    const fromApi = await stored(created.id);
    expect(fromApi.provider).toBe('mailgun');
    expect(fromApi.attachments.map((a) => a.filename)).toEqual(['note.txt']);

    const sendgrid = await postForm('/mailroom/compose', { from: 'c@example.test', to: 'x@example.test' });
    expect((await stored(sentId(sendgrid))).provider).toBe('sendgrid'); // no choice: SendGrid, as before
  });

  it('refuses a provider that is not configured with 400 and the reason, sending nothing', async () => {
    const before = (await t.store.inbox.list({ limit: 1000 })).length;
    const fields = { from: 'a@example.test', to: 'support@support.example.test', subject: 'nope' };
    const notHere = await postForm('/partial/compose', { ...fields, provider: 'mailgun' });
    expect(notHere.status).toBe(400);
    expect(await notHere.text()).toContain(
      'provider &quot;mailgun&quot; is not configured for Compose; choose one of sendgrid, postmark',
    );
    const unknown = await postForm('/mailroom/compose', { ...fields, provider: 'smtp' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('is not configured for Compose; choose one of sendgrid, postmark, mailgun');
    const eml = await postForm('/plain/compose/eml', { provider: 'relay', eml: 'From: a@example.test\n\nhi' });
    expect(eml.status).toBe(400);
    const api = await request('/partial/api/compose', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...fields, provider: 'relay' }),
    });
    expect(api.status).toBe(400);
    expect(await api.json()).toEqual({
      error: 'bad_request',
      reason: 'provider "relay" is not configured for Compose; choose one of sendgrid, postmark',
    });
    expect((await t.store.inbox.list({ limit: 1000 })).length).toBe(before);
  });

  it('keeps CSRF and auth on the form', async () => {
    const fields = { provider: 'postmark', from: 'a@example.test', to: 'support@support.example.test' };
    expect((await request('/mailroom/compose', { method: 'POST', body: form(fields) })).status).toBe(403);
    const evil = await postForm('/mailroom/compose', fields, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    const stranger = await fetch(`${t.url}/mailroom/compose`, {
      method: 'POST',
      body: form(fields),
      headers: { origin: t.url },
    });
    expect(stranger.status).toBe(401);
  });

  it('refuses providers without their credential at construction', () => {
    const base = { store: t.store, mailroom: t.mailroom, auth: AUTH, webhooks: null };
    const webhooks = createWebhookClient({
      fetch: (r) => t.app.fetch(r),
      baseUrl: () => t.url,
      parseKey: TEST_KEY_PAIR,
      eventsKey: TEST_KEY_PAIR,
    });
    const build =
      (providers: unknown, hooks: typeof webhooks | null = webhooks) =>
      () =>
        mailroomConsole({ ...base, webhooks: hooks, providers: providers as ConsoleProviders });
    expect(build({ postmark: { basic: { username: 'p', password: '' } } })).toThrow(ConsoleConfigurationError);
    expect(build({ mailgun: { signingKey: ' ' } })).toThrow(/providers\.mailgun needs signingKey/);
    expect(build({ relay: {} })).toThrow(/providers\.relay needs secret/);
    expect(build({ ses: { url: '/webhooks/ses' } })).toThrow(/providers\.ses needs signer/);
    expect(build({ smtp: { url: '/webhooks/smtp' } })).toThrow(/smtp is not a provider/);
    expect(build({ relay: { secret: RELAY_SECRET, url: 'webhooks/raw' } })).toThrow(/url must be a path/);
    expect(build({ relay: { secret: RELAY_SECRET } }, null)).toThrow(/need webhooks/);
  });
});
