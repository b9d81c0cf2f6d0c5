import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../headers.js';
import { Field, KIT_ASSET_PATHS, kitAssets, notFoundHandler, Page, suiteNav, Table } from './index.js';

const APP = { name: 'Demo <app>', home: '/demo', base: '/demo' };

describe('the kit look over HTTP', () => {
  let server: ServerType;
  let url: string;

  beforeAll(async () => {
    const app = new Hono();
    app.use(securityHeaders());
    app.route('/', kitAssets());
    // The components are called as functions: this file is plain TypeScript (vitest picks up *.test.ts).
    app.get('/page', (c) =>
      c.html(
        Page({
          title: c.req.query('t') ?? '',
          app: APP,
          nav: [{ href: '/demo', label: 'Home', current: true }],
          children: [
            Table({ head: ['Name'], rows: [], empty: 'Nothing yet.' }),
            Field({ label: 'Address', name: 'address', type: 'email', required: true }),
          ],
        }),
      ),
    );
    const host = new Hono();
    host.use(suiteNav(() => [{ href: '/console/inbox', label: 'Console' }]));
    host.route('/demo', app);
    host.get('/bare', (c) => c.html(Page({ title: 'Bare', app: APP })));
    // /alone first: its pages answer before the host's suiteNav could run.
    const root = new Hono().route('/alone', app).route('/', host);
    root.notFound(notFoundHandler({ app: APP })); // Hono runs only the outermost app's notFound
    await new Promise<void>((resolve) => {
      server = serve({ fetch: (request) => root.fetch(request), port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the stylesheet and the favicon with their types, nosniff and a long cache', async () => {
    const css = await fetch(`${url}/demo${KIT_ASSET_PATHS.css}`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect(await css.text()).toContain('.appbar');
    const icon = await fetch(`${url}/demo${KIT_ASSET_PATHS.favicon}`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('renders the frame with escaped values, links its assets under the base path, and allows no inline style or script', async () => {
    const response = await fetch(`${url}/demo/page?t=${encodeURIComponent('<script>alert(1)</script>')}`);
    const html = await response.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<link rel="stylesheet" href="/demo${KIT_ASSET_PATHS.css}"/>`);
    expect(html).toContain(`<link rel="icon" type="image/svg+xml" href="/demo${KIT_ASSET_PATHS.favicon}"/>`);
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; · Demo &lt;app&gt;</title>');
    expect(html).not.toMatch(/<script|<style| style=/);
    expect(html).toContain('<a href="/demo" aria-current="page">Home</a>');
    expect(html).toContain('<div class="empty">Nothing yet.</div>');
    expect(html).toContain(
      '<label for="field-address">Address</label><input name="address" type="email" required="" id="field-address"/>',
    );
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('shows the suite bar only below suiteNav', async () => {
    expect(await (await fetch(`${url}/demo/page`)).text()).toContain(
      '<nav class="suite" aria-label="Demo"><div class="wrap"><span class="label">Mailroom demo</span><a href="/console/inbox">Console</a>',
    );
    expect(await (await fetch(`${url}/bare`)).text()).toContain('class="suite"');
    expect(await (await fetch(`${url}/alone/page`)).text()).not.toContain('class="suite"');
  });

  it('answers unknown paths with the styled 404, or JSON when asked for JSON', async () => {
    const page = await fetch(`${url}/demo/nothing/here`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).toContain('<p class="code">404</p><h1>Not found</h1>');
    expect(html).toContain('<a href="/demo">Back to Demo &lt;app&gt;</a>');
    const api = await fetch(`${url}/nothing`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: 'not found' });
  });
});
