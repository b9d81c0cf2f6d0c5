import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SENDGRID_BOUNDARY,
  TEST_KEY_PAIR,
  createTestMailroom,
  inboundFormParts,
  multipartBody,
  multipartContentType,
  type TestMailroom,
} from '@mailroom/core/testing';
import { ConsoleConfigurationError, createWebhookClient, mailroomConsole } from './index.js';
import { grusseRawPost, JPEG } from './test-support.js';

const AUTH = { username: 'admin', password: 'correct horse battery staple' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('mailroomConsole: configuration', () => {
  it('refuses to build without auth, and refuses development mode in production', async () => {
    const t = await createTestMailroom();
    try {
      const base = { store: t.store, mailroom: t.mailroom };
      expect(() => mailroomConsole({ ...base } as never)).toThrow(ConsoleConfigurationError);
      expect(() => mailroomConsole({ ...base } as never)).toThrow(/auth is required/);
      expect(() => mailroomConsole({ ...base, auth: { username: 'admin', password: '' } })).toThrow(
        /non-empty username and password/,
      );
      const previous = process.env.NODE_ENV;
      process.env.NODE_ENV = 'production';
      try {
        expect(() => mailroomConsole({ ...base, auth: 'development' })).toThrow(/refused with NODE_ENV=production/);
        expect(() => mailroomConsole({ ...base, auth: { username: 'a', password: 'short' } })).toThrow(/12 characters/);
      } finally {
        process.env.NODE_ENV = previous;
      }
    } finally {
      await t.close();
    }
  });
});

describe('mailroomConsole behind a mount that strips its path (Express: app.use("/ops", …))', () => {
  it('builds every link and redirect from basePath', async () => {
    const t = await createTestMailroom();
    try {
      const app = mailroomConsole({ store: t.store, mailroom: t.mailroom, auth: 'development', basePath: '/ops' });
      const root = await app.request('/');
      expect(root.headers.get('location')).toBe('/ops/inbox');
      const inbox = await (await app.request('/inbox')).text();
      expect(inbox).toContain('href="/ops/compose"');
      expect(inbox).toMatch(/<link rel="stylesheet" href="\/ops\/assets\/console\.css\?v=/);
      expect((await app.request('/assets/console.css')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('mailroomConsole mounted on a real server', () => {
  let t: TestMailroom;
  let id: string;
  const get = (path: string, init: RequestInit = {}) =>
    fetch(`${t.url}${path}`, {
      ...init,
      headers: { authorization: basic(AUTH.username, AUTH.password), ...init.headers },
    });

  beforeAll(async () => {
    t = await createTestMailroom();
    const webhooks = createWebhookClient({
      fetch: (request) => t.app.fetch(request),
      baseUrl: () => t.url,
      parseKey: TEST_KEY_PAIR,
      eventsKey: TEST_KEY_PAIR,
    });
    t.app.route('/mailroom', mailroomConsole({ store: t.store, mailroom: t.mailroom, auth: AUTH, webhooks }));
    const response = await t.post(grusseRawPost());
    id = ((await response.json()) as { id: string }).id;
  });
  afterAll(() => t?.close());

  it('answers 401 without credentials and with wrong ones, 200 with the right ones', async () => {
    expect((await fetch(`${t.url}/mailroom/inbox`)).status).toBe(401);
    const wrong = await fetch(`${t.url}/mailroom/inbox`, { headers: { authorization: basic('admin', 'nope') } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm="Mailroom console"/);
    expect((await fetch(`${t.url}/mailroom/assets/console.css`)).status).toBe(401);
    const inbox = await get('/mailroom/inbox');
    expect(inbox.status).toBe(200);
    expect(await inbox.text()).toContain(`href="/mailroom/inbox/${id}"`);
  });

  it('sends a script-free CSP and refuses a form post without a valid origin', async () => {
    const page = await get(`/mailroom/inbox/${id}`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('script-src');
    expect(page.headers.get('x-frame-options')).toBe('DENY');

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const noOrigin = await get(`/mailroom/inbox/${id}/replay`, { method: 'POST', headers: form, body: '' });
    expect(noOrigin.status).toBe(403);
    const evil = await get(`/mailroom/inbox/${id}/replay`, {
      method: 'POST',
      headers: { ...form, origin: 'https://evil.example' },
      body: '',
    });
    expect(evil.status).toBe(403);
    const same = await get(`/mailroom/inbox/${id}/replay`, {
      method: 'POST',
      headers: { ...form, origin: t.url },
      body: '',
      redirect: 'manual',
    });
    expect(same.status).toBe(303);
    expect(same.headers.get('location')).toBe(`/mailroom/inbox/${id}?replayed=1`);
    await t.drain();
  });

  it('shows the raw source in its declared charsets, and binary parts as a hex summary', async () => {
    const html = await (await get(`/mailroom/inbox/${id}`)).text();
    const raw = html.slice(html.indexOf('<pre class="raw">'));
    expect(raw).toContain('Grüße aus Köln');
    expect(raw).toContain('Subject: Grüße'); // a UTF-8 header (RFC 6532)
    expect(raw).not.toContain('GrÃ¼');
    expect(raw).toMatch(
      /\[binary: image\/jpeg &quot;photo\.jpg&quot;, base64, [\d,]+ bytes encoded · 600 bytes · ff d8 ff e0/,
    );
    expect(raw).not.toContain(JPEG.subarray(0, 600).toString('base64').slice(0, 40)); // never the bytes themselves
  });

  it('serves the HTML part sanitized, with a sandboxing CSP, framed by the detail page', async () => {
    const detail = await (await get(`/mailroom/inbox/${id}`)).text();
    expect(detail).toContain(`<iframe class="preview" sandbox="" title="HTML part" src="/mailroom/inbox/${id}/html"`);
    const preview = await get(`/mailroom/inbox/${id}/html`);
    const body = await preview.text();
    expect(preview.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);
    expect(body).toContain('<b>Grüße</b>');
    expect(body).not.toMatch(/<script|onerror|javascript:/i);
  });

  it('says why an incinerated email cannot be replayed (as `mailroom replay` does)', async () => {
    const later = new Date(Date.now() + 2 * 86_400_000);
    expect(await t.store.inbox.incinerate({ olderThanDays: 0, now: later })).toBeGreaterThan(0);
    const origin = { origin: t.url, 'content-type': 'application/x-www-form-urlencoded' };
    const page = await get(`/mailroom/inbox/${id}/replay`, { method: 'POST', headers: origin, body: '' });
    expect(page.status).toBe(409);
    const text = await page.text();
    expect(text).toContain('Not replayed: incinerated (its bytes were removed).');
    expect(text).not.toContain('Not found');
    const json = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
    const api = await get(`/mailroom/api/inbound/${id}/replay`, json);
    expect(api.status).toBe(409);
    expect(await api.json()).toEqual({ error: 'not_replayable', reason: 'incinerated (its bytes were removed)' });
    const unknown = await get(`/mailroom/api/inbound/00000000-0000-0000-0000-000000000000/replay`, json);
    expect(await unknown.json()).toEqual({ error: 'not_found', reason: 'no such inbound email' });
  });

  it('decodes a parsed-mode field in the charset SendGrid declared for it', async () => {
    const parts = inboundFormParts({ text: 'Grüße', charset: { text: 'iso-8859-1' } });
    const response = await t.post({
      body: multipartBody(parts),
      contentType: multipartContentType(SENDGRID_BOUNDARY),
      headers: { 'content-type': multipartContentType(SENDGRID_BOUNDARY) },
    });
    const posted = ((await response.json()) as { id: string }).id;
    const html = await (await get(`/mailroom/inbox/${posted}`)).text();
    const raw = html.slice(html.indexOf('<pre class="raw">'));
    expect(raw).toContain('form field: text</span>Grüße');
  });
});
