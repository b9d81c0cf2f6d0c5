/**
 * `@mailroom/app-kit/testing`: the one browser-test launcher. Browser tests drive Debian's chromium through
 * playwright-core (never a downloaded browser); where it is missing they are skipped, unless CI or
 * MAILROOM_REQUIRE_BROWSER=1 asks for them, where the missing browser fails the run.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** For `describe.runIf(browserTestsRun)`. */
export const browserTestsRun = hasChromium || !!process.env.CI || process.env.MAILROOM_REQUIRE_BROWSER === '1';

/** Headless chromium, or an error saying what to install. */
export async function launchChromium(): Promise<Browser> {
  if (!hasChromium)
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package to run the browser tests`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
