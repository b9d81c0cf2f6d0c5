/**
 * @mailroom/console in real Chromium, mounted at /mailroom on a test Mailroom's server: no page is wider than the
 * window at 1280 px or 390 px with long `reply+…` addresses seeded; it asks for credentials; a form posted from
 * another origin is refused; Replay on an incinerated email says so; Compose posts as the provider chosen in its
 * select. Screenshots go to /tmp/mailroom-console-*.png.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium } from '@mailroom/app-kit/testing';
import { postmarkInbound } from '@mailroom/core/http';
import { TEST_KEY_PAIR, createTestMailroom, type TestMailroom } from '@mailroom/core/testing';
import { createWebhookClient, mailroomConsole } from '@mailroom/console';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const AUTH = { username: 'admin', password: 'correct horse battery staple' };
const TOKEN = 'r1.9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0.x7Yq2LmN8pQ4rS6tU';
const LONG_REPLY = `reply+${TOKEN}@replies.support.example.test`;
const LONG_FROM = `a.very.long.sender.name.for.testing.wrapping+newsletter-2026-12@subdomain.customer-example.test`;
const POSTMARK = { username: 'postmark', password: 'a long postmark password' };

describe.runIf(browserTestsRun)('@mailroom/console in Chromium', () => {
  let t: TestMailroom;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let evil: Server;
  const ids: string[] = [];
  let outboxId: string;
  const at = (path: string) => `${t.url}/mailroom${path}`;

  beforeAll(async () => {
    t = await createTestMailroom({ mail: { from: 'Support <support@support.example.test>' } });
    const webhooks = createWebhookClient({
      fetch: (request) => t.app.fetch(request),
      baseUrl: () => t.url,
      parseKey: TEST_KEY_PAIR,
      eventsKey: TEST_KEY_PAIR,
    });
    t.app.route('/webhooks/postmark', postmarkInbound(t.mailroom, { basic: [POSTMARK] }));
    t.app.route(
      '/mailroom',
      mailroomConsole({
        store: t.store,
        mailroom: t.mailroom,
        auth: AUTH,
        webhooks,
        providers: { postmark: { url: '/webhooks/postmark/inbound', basic: POSTMARK } },
      }),
    );
    for (const n of [1, 2, 3]) {
      const response = await t.post({
        from: `Customer ${n} <${LONG_FROM}>`,
        to: LONG_REPLY,
        cc: `another.${LONG_REPLY}`,
        subject: `Re: [ticket #${n}] ${'a-subject-without-spaces-'.repeat(4)}`,
        text: `Reply ${n}\n\nOn Monday someone wrote:\n> ${'quoted '.repeat(40)}`,
        html: `<p>Reply <b>${n}</b></p>`,
      });
      ids.push(((await response.json()) as { id: string }).id);
    }
    const sent = await t.mailroom.mailer.send({
      to: LONG_FROM,
      replyTo: LONG_REPLY,
      subject: `Your ticket ${'with-a-long-unbroken-subject-'.repeat(3)}`,
      text: 'We are on it.',
      html: '<p>We are <i>on it</i>.</p>',
    });
    outboxId = sent.id;
    await t.drain();
    await t.postEvents([
      { email: LONG_FROM, event: 'delivered', timestamp: 1_764_756_000, sg_event_id: 'ev-1', mailroom_id: outboxId },
    ]);

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, httpCredentials: AUTH });
    page = await context.newPage();
    // A page on another origin with a form aimed at the console (what a CSRF attack looks like).
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form method="post" action="${at(`/inbox/${ids[0]}/replay`)}"><button id="go">go</button></form>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve()));
    await t?.close();
  });

  const pages = () => [
    ['inbox', '/inbox'],
    ['detail', `/inbox/${ids[0]}`],
    ['compose', '/compose'],
    ['outbox', '/outbox'],
    ['outbox-detail', `/outbox/${outboxId}`],
    ['events', '/events'],
  ];

  for (const width of [1280, 390]) {
    it(`fits every page in a ${width} px window (no sideways scrolling), styled, without CSP violations`, async () => {
      const violations: string[] = [];
      page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && violations.push(m.text())));
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path] of pages()) {
        const response = await page.goto(at(path!));
        expect(response?.status(), name).toBe(200);
        const look = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          appbar: getComputedStyle(document.querySelector('header.appbar')!).backgroundColor,
        }));
        expect(look.scrollWidth, `${name} at ${width}px`).toBeLessThanOrEqual(look.innerWidth);
        expect(look.appbar, name).toBe('rgb(20, 26, 38)'); // console.css loaded and applied
        await page.screenshot({ path: `/tmp/mailroom-console-${name}-${width}.png`, fullPage: true });
      }
      expect(violations).toEqual([]);
    });
  }

  it('renders the HTML part sanitized inside its sandboxed frame', async () => {
    await page.goto(at(`/inbox/${ids[0]}`));
    const frame = page.frameLocator('iframe.preview');
    expect(await frame.locator('b').textContent()).toBe('1');
    expect(await page.locator('iframe.preview').getAttribute('sandbox')).toBe('');
  });

  it('shows the inbox row with the long addresses cut, the whole value in the title', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(at('/inbox'));
    const cell = page.locator(`tr[data-id="${ids[0]}"] .clip`).first();
    expect(await cell.getAttribute('title')).toBe(LONG_FROM);
  });

  it('asks for credentials: 401 without them, 401 with wrong ones', async () => {
    // Headless Chromium cancels the sign-in prompt (net::ERR_INVALID_AUTH_CREDENTIALS); the 401 it got is what counts.
    const stranger = await browser.newContext();
    const tab = await stranger.newPage();
    const [response] = await Promise.all([tab.waitForResponse(at('/inbox')), tab.goto(at('/inbox')).catch(() => null)]);
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toMatch(/^Basic realm="Mailroom console"/);
    expect(await response.text()).not.toContain(ids[0]!);
    await stranger.close();
    // Chromium gives up on a wrong password (ERR_INVALID_AUTH_CREDENTIALS); its request context shows the answer.
    const wrong = await browser.newContext({ httpCredentials: { username: 'admin', password: 'wrong' } });
    expect((await wrong.request.get(at('/inbox'))).status()).toBe(401);
    await wrong.close();
  });

  it('refuses a form posted from another origin (403) and accepts its own', async () => {
    const other = await context.newPage();
    await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const [refused] = await Promise.all([other.waitForResponse(/\/replay$/), other.click('#go')]);
    expect(refused.status()).toBe(403);
    await other.close();

    await page.goto(at(`/inbox/${ids[1]}`));
    await Promise.all([page.waitForURL(/\?replayed=1$/), page.click('form.inline button:text("Replay")')]);
    expect(await page.locator('.flash').textContent()).toContain('Queued again.');
  });

  it('says why an incinerated email cannot be replayed', async () => {
    await t.drain();
    expect(await t.store.inbox.incinerate({ olderThanDays: 0, now: new Date(Date.now() + 2 * 86_400_000) })).toBe(3);
    await page.goto(at(`/inbox/${ids[2]}`));
    expect(await page.locator('.flash.error').textContent()).toContain('incinerated');
    const [response] = await Promise.all([
      page.waitForResponse(/\/replay$/),
      page.click('form.inline button:text("Replay")'),
    ]);
    expect(response.status()).toBe(409);
    expect(await page.locator('.error-page h1').textContent()).toBe('Cannot replay');
    expect(await page.locator('.error-page').textContent()).toContain(
      'Not replayed: incinerated (its bytes were removed).',
    );
    await page.screenshot({ path: '/tmp/mailroom-console-replay-incinerated.png' });
  });

  it('composes as the provider chosen in the select, through its endpoint', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(at('/compose'));
    const choices = await page.locator('#provider option').allTextContents();
    expect(choices).toEqual(['SendGrid Inbound Parse', 'Postmark inbound webhook']);
    expect(await page.inputValue('#provider')).toBe('sendgrid');
    await page.selectOption('#provider', 'postmark');
    await page.fill('#to', 'support@support.example.test');
    await page.fill('#subject', 'Chosen in the browser');
    await page.fill('#text', 'Posted as Postmark.');
    await Promise.all([
      page.waitForURL(/\/mailroom\/inbox\/[0-9a-f-]+\?sent=1$/),
      page.click('button:text("Send through the webhook")'),
    ]);
    const id = /inbox\/([0-9a-f-]+)/.exec(page.url())![1]!;
    const api = await context.request.get(at(`/api/inbound/${id}`));
    const { email } = (await api.json()) as { email: { provider: string; subject: string } };
    expect(email).toMatchObject({ provider: 'postmark', subject: 'Chosen in the browser' });
    await page.screenshot({ path: '/tmp/mailroom-console-composed-postmark.png', fullPage: true });
  });
});
