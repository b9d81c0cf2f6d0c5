import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { KIT_CSS } from './styles.js';

/** The kit's mark: an envelope on the accent colour. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f5bd3"/><rect x="6" y="9" width="20" height="14" rx="2" fill="#fff"/><path d="M7 10.5l9 7 9-7" fill="none" stroke="#2f5bd3" stroke-width="2" stroke-linejoin="round"/></svg>`;

const version = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 10);

/** Paths of the kit's assets below an app's base path; the version query changes with the content (cached for a year). */
export const KIT_ASSET_PATHS = {
  css: `/assets/kit.css?v=${version(KIT_CSS)}`,
  favicon: `/favicon.svg?v=${version(FAVICON_SVG)}`,
} as const;

// nosniff here too: a host may mount the assets outside the kit's securityHeaders (the demo's root does).
const HEADERS = { 'Cache-Control': 'public, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' };

/** GET /assets/kit.css and /favicon.svg: mount with `web.route('/', kitAssets())` beside the app's pages. */
export function kitAssets(): Hono {
  const assets = new Hono();
  assets.get('/assets/kit.css', (c) => c.body(KIT_CSS, 200, { ...HEADERS, 'Content-Type': 'text/css; charset=utf-8' }));
  assets.get('/favicon.svg', (c) => c.body(FAVICON_SVG, 200, { ...HEADERS, 'Content-Type': 'image/svg+xml' }));
  return assets;
}
