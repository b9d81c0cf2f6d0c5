import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium } from '@mailroom/app-kit/testing';
import type { Browser } from 'playwright-core';
import { ANN, startHarness, type Harness } from '../testing/harness.js';
import { colourPng, rotatedJpegWithGps } from '../testing/images.js';
import { XSS_CORPUS } from '../testing/xss-corpus.js';

const FROM = `${ANN.name} <${ANN.email}>`;

// CI installs chromium: there a missing browser is a failure; locally the test is skipped.
describe.runIf(browserTestsRun)('the published post in a real browser', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    h = await startHarness();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows the inline image and the gallery', async () => {
    await h.publish({
      subject: 'Sunrise',
      html: '<p>The <b>sun</b> came up.</p><p><img src="cid:sun" alt="sunrise"></p><p>Then breakfast.</p>',
      text: 'The sun came up.\n[image: sunrise.jpg]\nThen breakfast.',
      attachments: [
        {
          filename: 'sunrise.jpg',
          contentType: 'image/jpeg',
          content: await rotatedJpegWithGps(1200, 800),
          contentId: 'sun',
        },
        { filename: 'eggs.png', contentType: 'image/png', content: await colourPng(800, 600, '#ffcc00') },
        { filename: 'toast.png', contentType: 'image/png', content: await colourPng(800, 600, '#aa6633') },
      ],
    });
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    // Every resource the page loads must load (the browser's own /favicon.ico probe is not the page's).
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) failed.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${h.url}/posts/sunrise`);
    expect(await page.textContent('h1')).toBe('Sunrise');
    const inline = page.locator('.content img.inline');
    await inline.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>('.content img')];
      return imgs.length === 3 && imgs.every((img) => img.complete);
    });
    const sizes = await page.$$eval('.content img', (imgs) =>
      (imgs as HTMLImageElement[]).map((img) => ({
        cls: img.className,
        natural: img.naturalWidth,
        naturalHeight: img.naturalHeight,
        shown: img.getBoundingClientRect().width,
      })),
    );
    expect(sizes).toHaveLength(3);
    for (const size of sizes) {
      expect(size.natural).toBeGreaterThan(0);
      expect(size.shown).toBeGreaterThan(0);
    }
    // Upright: the EXIF-rotated landscape photo is displayed as a portrait.
    expect(sizes[0]!.naturalHeight).toBeGreaterThan(sizes[0]!.natural);
    expect(await page.locator('.gallery figure').count()).toBe(2);
    expect(failed).toEqual([]);
    await page.close();
  });

  it('runs nothing from the XSS corpus', async () => {
    await h.post({
      from: FROM,
      to: h.secretAddress,
      subject: 'Corpus',
      html: `<p><b>corpus</b></p>${XSS_CORPUS.join('<br>')}`,
      text: 'corpus',
    });
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.goto(`${h.url}/posts/corpus`);
    // Hover and click every link and element a payload could have hooked.
    for (const element of await page.$$('.content *')) {
      await element.hover({ timeout: 500 }).catch(() => undefined);
    }
    const hrefs = await page.$$eval('.content a', (links) => (links as HTMLAnchorElement[]).map((a) => a.href));
    expect(hrefs.every((href) => href === '' || /^https?:|^mailto:/.test(href))).toBe(true);
    expect(await page.$$eval('script, iframe, object, embed, svg, style', (els) => els.length)).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
