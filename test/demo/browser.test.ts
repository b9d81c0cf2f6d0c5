import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium } from '@mailroom/app-kit/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { demoAppModules } from '../../apps/demo/src/apps/index.js';
import { eventually, startTestDemo, type TestDemo } from './support.js';

const SCREENSHOTS = 'test-results/screenshots';
const hasApp = (name: string) => demoAppModules.some((m) => m.name === name);

interface OutboxItem {
  id: string;
  subject: string;
  to: Array<{ address: string }>;
}

// CI installs chromium; there a missing browser is a failure, locally the suite is skipped.
describe.runIf(browserTestsRun)('demo in a real browser', () => {
  let t: TestDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    t = await startTestDemo();
    url = t.demo.url;
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });

  /** Clicks a home page "Try it" link, sends the pre-filled email and waits on its inbox page until it is delivered. */
  async function tryIt(app: string, adjust?: () => Promise<void>): Promise<string> {
    await page.goto(`${url}/`);
    await Promise.all([page.waitForURL(/\/console\/compose\?/), page.click(`#${app} a.try-it`)]);
    await adjust?.();
    return sendComposed();
  }

  async function sendComposed(): Promise<string> {
    await Promise.all([
      page.waitForURL(/\/console\/inbox\/[0-9a-f-]+\?sent=1$/),
      page.click('button:text("Send through the webhook")'),
    ]);
    const id = /inbox\/([0-9a-f-]+)/.exec(page.url())![1]!;
    // The page refreshes itself while the email is pending or processing.
    await page.locator('dl.facts .badge.delivered').first().waitFor({ timeout: 20_000 });
    return id;
  }

  async function outboxMessage(match: (m: OutboxItem) => boolean, what: string): Promise<OutboxItem> {
    return eventually(
      async () => {
        const body = (await (await t.get('/console/api/outbox?limit=500')).json()) as { items: OutboxItem[] };
        return body.items.find(match);
      },
      what,
      20_000,
    );
  }

  it.runIf(hasApp('support'))(
    'composes a mail to the support address and the ticket appears in the support UI',
    async () => {
      await page.goto(`${url}/`);
      await shot('home');
      await tryIt('support', async () => {
        expect(await page.inputValue('#to')).toBe('support@support.example.test');
        await shot('console-compose');
      });
      expect(await page.textContent('dl.facts')).toContain('support@support.example.test');
      await shot('console-inbox-detail');
      await page.goto(`${url}/console/inbox`);
      await shot('console-inbox');

      await page.goto(`${url}/support/login`);
      await page.fill('input[name=email]', 'agent@example.test');
      await page.fill('input[name=password]', 'mailroom-demo');
      await Promise.all([page.waitForURL(`${url}/support/`), page.click('button[type=submit]')]);
      expect(await page.textContent('body')).toContain('My order has not arrived');
      await shot('support-queue');
    },
  );

  it.runIf(hasApp('support'))('replies as the recipient from the outbox and the ticket thread grows', async () => {
    const ack = await outboxMessage((m) => m.to[0]?.address === 'casey@customer.example', 'the acknowledgement');
    await page.goto(`${url}/console/outbox`);
    await shot('console-outbox');
    await Promise.all([page.waitForURL(`${url}/console/outbox/${ack.id}`), page.click(`tr[data-id="${ack.id}"] a`)]);
    await shot('console-outbox-detail');
    await Promise.all([page.waitForURL(/\/console\/compose\?/), page.click('a:text("Reply as recipient")')]);
    expect(await page.inputValue('#to')).toMatch(/reply\+.+@support\.example\.test/);
    expect(await page.inputValue('#inReplyTo')).toMatch(/^<.+>$/);
    const quoted = await page.inputValue('#text');
    expect(quoted).toContain('> ');
    await page.fill('#text', `It arrived this morning, thank you!${quoted}`);
    await sendComposed();

    await page.goto(`${url}/support/`);
    await Promise.all([page.waitForURL(/\/support\/tickets\/\d+$/), page.click('a:text("My order has not arrived")')]);
    await eventually(async () => {
      await page.reload();
      const conversation = (await page.textContent('.conversation')) ?? '';
      return (
        conversation.includes('It arrived this morning, thank you!') && conversation.includes('I ordered a teapot')
      );
    }, 'the reply on the ticket');
    await shot('support-ticket-thread');
  });

  it.runIf(hasApp('blog'))('posts to the blog by email and opens the post', async () => {
    await tryIt('blog');
    await page.goto(`${url}/blog/`);
    await Promise.all([page.waitForURL(/\/blog\/posts\/.+/), page.click('a:text("Hello from my inbox")')]);
    expect(await page.textContent('body')).toContain('This post was written in an email client.');
    await shot('blog-post');
  });

  it.runIf(hasApp('avatars'))('sends a photo and the avatar URL returns an image', async () => {
    await tryIt('avatars', async () => {
      expect(await page.isChecked('input[name=sample]')).toBe(true);
    });
    const hash = createHash('sha256').update('ada@example.test').digest('hex');
    const response = await page.goto(`${url}/avatars/avatar/${hash}?s=256&d=404`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^image\/(jpeg|webp)$/);
    expect((await response!.body()).length).toBeGreaterThan(500);
    await shot('avatar-image');
    await page.goto(`${url}/avatars/`);
    await shot('avatars-home');
  });

  it.runIf(hasApp('lists'))("simulates a bounce for a list message and the member's bounce count changes", async () => {
    await tryIt('lists');
    const copy = await outboxMessage(
      (m) => m.subject.includes('Hello, friends') && m.to.some((a) => a.address === 'bob@example.test'),
      "bob's copy",
    );
    await page.goto(`${url}/console/outbox/${copy.id}`);
    await page.selectOption('select[name=event]', 'bounce');
    await page.selectOption('select[name=email]', 'bob@example.test');
    await Promise.all([page.waitForURL(/simulated=bounce/), page.click('button:text("Post signed event")')]);
    expect(await page.textContent('table.events')).toContain('bob@example.test');
    await shot('console-outbox-bounce');
    await page.goto(`${url}/console/events`);
    await shot('console-events');

    await page.goto(`${url}/lists/login`);
    await page.fill('input[name=password]', 'mailroom-demo');
    await Promise.all([page.waitForURL(/\/lists\/admin/), page.click('button[type=submit]')]);
    await page.goto(`${url}/lists/admin/lists/friends`);
    const bobRow = page.locator('tr', { has: page.locator('td', { hasText: /^bob@example\.test$/ }) });
    await eventually(async () => {
      await page.reload();
      const cells = await bobRow.locator('td').allTextContents();
      return cells[4] === '1';
    }, "bob's bounce count to be 1");
    await shot('lists-members');
  });
});
