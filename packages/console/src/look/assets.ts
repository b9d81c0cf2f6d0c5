import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { CONSOLE_CSS } from './styles.js';

/** The console's mark: an envelope on the accent colour. */
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f5bd3"/><rect x="6" y="9" width="20" height="14" rx="2" fill="#fff"/><path d="M7 10.5l9 7 9-7" fill="none" stroke="#2f5bd3" stroke-width="2" stroke-linejoin="round"/></svg>`;

const version = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 10);

/** Paths below the console's base; the version query changes with the content (cached for a year). */
export const ASSET_PATHS = {
  css: `/assets/console.css?v=${version(CONSOLE_CSS)}`,
  favicon: `/favicon.svg?v=${version(FAVICON_SVG)}`,
} as const;

const HEADERS = { 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' };

/** GET /assets/console.css and /favicon.svg (behind the console's auth like every other page). */
export function consoleAssets(): Hono {
  const assets = new Hono();
  assets.get('/assets/console.css', (c) =>
    c.body(CONSOLE_CSS, 200, { ...HEADERS, 'Content-Type': 'text/css; charset=utf-8' }),
  );
  assets.get('/favicon.svg', (c) => c.body(FAVICON_SVG, 200, { ...HEADERS, 'Content-Type': 'image/svg+xml' }));
  return assets;
}
