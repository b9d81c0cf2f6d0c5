import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsRun, launchChromium } from '@mailroom/app-kit/testing';
import type { Browser } from 'playwright-core';
import { startHarness, SUPPORT, AGENT, type Harness } from '../testing/harness.js';

// CI installs chromium; there a missing browser is a failure, locally the test is skipped.
describe.runIf(browserTestsRun)('agent UI in a real browser', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    h = await startHarness();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('logs in, opens a ticket and replies', async () => {
    await h.post({
      from: 'Bea Browser <bea@customer.test>',
      to: SUPPORT,
      cc: 'cy@customer.test',
      subject: 'Cannot log in',
      html: '<p>My login <b>fails</b>.<script>document.title="pwned"</script></p>',
      text: 'My login fails.',
    });
    const page = await browser.newPage();
    await page.goto(`${h.url}/`);
    expect(page.url()).toBe(`${h.url}/login`);
    await page.fill('input[name=email]', AGENT.email);
    await page.fill('input[name=password]', AGENT.password);
    await Promise.all([page.waitForURL(`${h.url}/`), page.click('button[type=submit]')]);

    await Promise.all([page.waitForURL(/\/tickets\/1000$/), page.click('a:text("Cannot log in")')]);
    expect(await page.textContent('h1')).toContain('[#1000] Cannot log in');
    expect(await page.textContent('.conversation')).toContain('My login fails.');
    await page.click('summary:text("Full original")');
    expect(await page.innerHTML('.conversation .html')).toContain('<b>fails</b>');
    expect(await page.title()).not.toBe('pwned');

    const before = h.sent.length;
    await page.fill('textarea[name=text]', 'Please try resetting your password.');
    await Promise.all([page.waitForURL(/sent=1/), page.click('button:text("Send reply")')]);
    expect(await page.textContent('[role=status]')).toContain('Reply sent.');
    expect(await page.textContent('.conversation')).toContain('Please try resetting your password.');
    expect(await page.textContent('h1')).toContain('pending');

    await h.settle();
    const mail = h.sent.slice(before);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.to.map((a) => a.address)).toEqual(['bea@customer.test']);
    expect(mail[0]!.cc.map((a) => a.address)).toEqual(['cy@customer.test']);
    expect(mail[0]!.subject).toBe('Re: [#1000] Cannot log in');
  });
});
