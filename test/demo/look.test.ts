/**
 * One look: every page of every app in the demo renders through the kit's frame (its stylesheet applied, the
 * suite bar back to the console, a favicon), 404s are styled, and nothing is wider than the window at 1280 px
 * or 375 px. With MAILROOM_SCREENSHOTS=docs it refreshes docs/screenshots/<app>.png (one page per app, 1280 px).
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium } from '@mailroom/app-kit/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { demoAppModules } from '../../apps/demo/src/apps/index.js';
import { startTestDemo, type TestDemo } from './support.js';

const SCREENSHOTS = process.env.MAILROOM_SCREENSHOTS === 'docs' ? 'docs/screenshots' : 'test-results/screenshots';
const PASSWORD = 'mailroom-demo';
const hasApp = (name: string) => demoAppModules.some((m) => m.name === name);

/** The kit's app bar colour (#141a26): proof that kit.css loaded and applied, not only that it was linked. */
const APPBAR_BACKGROUND = 'rgb(20, 26, 38)';

interface Look {
  stylesheet: boolean;
  appbar: string | null;
  suiteConsole: boolean;
  favicon: string | null;
  overflow: number;
  /** How far the widest table scrolls inside its card (a phone may scroll a table; a desktop should not have to). */
  tableOverflow: number;
}

async function lookOf(page: Page): Promise<Look> {
  return page.evaluate(() => {
    const appbar = document.querySelector('header.appbar');
    const root = document.documentElement;
    return {
      // The apps load the kit's stylesheet, the console (its own package) console.css: the same look.
      stylesheet: !!document.querySelector(
        'link[rel=stylesheet][href*="/assets/kit.css"], link[rel=stylesheet][href*="/assets/console.css"]',
      ),
      appbar: appbar ? getComputedStyle(appbar).backgroundColor : null,
      suiteConsole: !!document.querySelector('nav.suite a[href="/console/inbox"]'),
      favicon: document.querySelector<HTMLLinkElement>('link[rel=icon]')?.href ?? null,
      overflow: root.scrollWidth - root.clientWidth,
      tableOverflow: Math.max(0, ...[...document.querySelectorAll('.table')].map((t) => t.scrollWidth - t.clientWidth)),
    };
  });
}

describe.runIf(browserTestsRun)('one look across the demo', () => {
  let t: TestDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  const failed: string[] = [];

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    t = await startTestDemo();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && r.request().resourceType() !== 'document') failed.push(`${r.status()} ${r.url()}`);
    });
    // Mail first, so the pages show rows (and the console's long reply+ addresses), not empty states.
    for (const app of ['support', 'blog']) if (hasApp(app)) await tryIt(app);
    // Sign in to the apps that have one, so their signed-in pages are checked too.
    if (hasApp('support'))
      await signIn('/support/login', { email: 'agent@example.test', password: PASSWORD }, /\/support\/$/);
    if (hasApp('lists')) await signIn('/lists/login', { password: PASSWORD }, /\/lists\/admin/);
    if (hasApp('blog'))
      await signIn('/blog/login', { email: 'grace@example.test', password: PASSWORD }, /\/blog\/admin/);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Sends a home page "Try it" email through the console's Compose form and waits until it is delivered. */
  async function tryIt(app: string) {
    await page.goto(`${t.url}/`);
    await Promise.all([page.waitForURL(/\/console\/compose\?/), page.click(`#${app} a.try-it`)]);
    await Promise.all([
      page.waitForURL(/\/console\/inbox\/[0-9a-f-]+\?sent=1$/),
      page.click('button:text("Send through the webhook")'),
    ]);
    await page.locator('dl.facts .badge.delivered').first().waitFor({ timeout: 20_000 });
  }

  async function signIn(path: string, fields: Record<string, string>, landing: RegExp) {
    await page.goto(`${t.url}${path}`);
    for (const [name, value] of Object.entries(fields)) await page.fill(`input[name=${name}]`, value);
    await Promise.all([page.waitForURL(landing), page.click('main button[type=submit]')]);
  }

  const pages: Array<{ app: string; path: string; shot?: string }> = [
    { app: 'blog', path: '/blog/', shot: 'blog' },
    { app: 'blog', path: '/blog/admin' },
    { app: 'blog', path: '/blog/admin/address' },
    { app: 'lists', path: '/lists/' },
    { app: 'lists', path: '/lists/admin/lists/friends', shot: 'lists' },
    { app: 'lists', path: '/lists/admin/password' },
    { app: 'support', path: '/support/', shot: 'support' },
    { app: 'support', path: '/support/password' },
    { app: 'avatars', path: '/avatars/', shot: 'avatars' },
    { app: 'console', path: '/console/inbox', shot: 'console' },
    { app: 'console', path: '/console/compose' },
    { app: 'console', path: '/console/outbox' },
    { app: 'console', path: '/console/events' },
  ];

  it('renders every page in the kit frame, with the way back to the console, and no sideways scrolling', async () => {
    const shown = pages.filter((p) => p.app === 'console' || hasApp(p.app));
    expect(shown.length).toBeGreaterThan(5);
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 800 });
      for (const { path, shot } of shown) {
        const response = await page.goto(`${t.url}${path}`);
        expect(response?.status(), path).toBe(200);
        const look = await lookOf(page);
        expect({ path, width, ...look }).toMatchObject({
          path,
          width,
          stylesheet: true,
          appbar: APPBAR_BACKGROUND,
          suiteConsole: true,
          overflow: 0,
        });
        expect(look.favicon, path).toMatch(/\/favicon\.svg\?v=/);
        if (width === 1280) expect(look.tableOverflow, `${path}: a table scrolls sideways at 1280 px`).toBe(0);
        if (shot && width === 1280) await page.screenshot({ path: `${SCREENSHOTS}/${shot}.png` });
      }
    }
    expect(cspViolations).toEqual([]);
    expect(failed).toEqual([]);
  }, 180_000);

  it('renders the home page in the kit frame', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${t.url}/`);
    const look = await lookOf(page);
    expect(look).toMatchObject({ stylesheet: true, appbar: APPBAR_BACKGROUND, overflow: 0 });
    expect(await page.locator('header.appbar a[href="/console/inbox"]').count()).toBe(1);
  });

  it('answers unknown paths with a styled 404, in an app and outside any', async () => {
    for (const path of [
      '/no-such-page',
      ...(hasApp('lists') ? ['/lists/archive/no-such-list', '/lists/no/such/page'] : []),
      ...(hasApp('support') ? ['/support/tickets/999999'] : []),
      '/console/inbox/00000000-0000-0000-0000-000000000000',
    ]) {
      const response = await page.goto(`${t.url}${path}`);
      expect(response?.status(), path).toBe(404);
      expect(await page.locator('.error-page h1').textContent(), path).toBe('Not found');
      expect((await lookOf(page)).appbar, path).toBe(APPBAR_BACKGROUND);
    }
    // An API client that asks for JSON gets JSON.
    const api = await t.get('/no-such-page', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: 'not found' });
  });

  it('serves the favicon and the stylesheet with their types, for every mount', async () => {
    const mounts = ['', '/console', ...demoAppModules.map((m) => m.mountPath)];
    for (const base of mounts) {
      const icon = await t.get(`${base}/favicon.svg`);
      expect(icon.status, base).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
      expect(await icon.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const css = await t.get(`${base}/assets/${base === '/console' ? 'console' : 'kit'}.css`);
      expect(css.status, base).toBe(200);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(css.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
