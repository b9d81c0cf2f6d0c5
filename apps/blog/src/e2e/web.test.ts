import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANN, DOMAIN, page, startHarness, type Harness } from '../testing/harness.js';

const FROM = `${ANN.name} <${ANN.email}>`;
const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;

/** Keeps the session cookie and posts forms as a browser would (same-origin). */
class Browser {
  cookie = '';
  constructor(readonly h: Harness) {}
  get(path: string) {
    return fetch(`${this.h.url}${path}`, { redirect: 'manual', headers: this.cookie ? { cookie: this.cookie } : {} });
  }
  async form(path: string, fields: Record<string, string>, origin = this.h.origin) {
    const response = await fetch(`${this.h.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin,
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: new URLSearchParams(fields),
    });
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return response;
  }
  static csrf(html: string) {
    return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  }
}

describe('web: public blog, author UI and JSON API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ postsPerPage: 2 });
    for (const [i, title] of ['First light', 'Second wind', 'Third time'].entries()) {
      h.clock.now = new Date(Date.UTC(2026, 10, 26, 10 + i));
      await h.post({
        from: FROM,
        to: h.secretAddress,
        subject: title,
        text: `Post number ${i + 1}.\n[category Notes]`,
      });
    }
    await h.post({ from: FROM, to: h.secretAddress, subject: 'Secret draft', text: '[status draft]\nNot yet.' });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('paginates the index, newest first, with security headers', async () => {
    const response = await fetch(h.url);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const first = await response.text();
    expect(first.indexOf('Third time')).toBeLessThan(first.indexOf('Second wind'));
    expect(first).not.toContain('First light');
    expect(first).toContain('href="/blog?page=2"');
    expect(first).toContain('<link rel="stylesheet" href="/blog/assets/blog.css"');
    const second = await page(`${h.url}?page=2`);
    expect(second).toContain('First light');
    expect(second).toContain('href="/blog?page=1"');
    expect(second).not.toContain('Secret draft');
    const css = await fetch(`${h.url}/assets/blog.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('serves an Atom feed with absolute links', async () => {
    const response = await fetch(`${h.url}/feed.xml`);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = await response.text();
    expect(feed).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    expect(feed.match(/<entry>/g)).toHaveLength(3);
    expect(feed).toContain(`<link rel="self" type="application/atom+xml" href="${h.url}/feed.xml"/>`);
    expect(feed).toContain('<category term="Notes"/>');
    expect(feed).not.toContain('Secret draft');
  });

  it('signs in, lists posts with status, edits and publishes a draft', async () => {
    const b = new Browser(h);
    expect((await b.get('/admin')).headers.get('location')).toBe('/blog/login');
    const wrong = await b.form('/login', { email: ANN.email, password: 'wrong password!' });
    expect(wrong.status).toBe(401);
    const crossSite = await b.form('/login', { email: ANN.email, password: ANN.password }, 'https://evil.test');
    expect(crossSite.status).toBe(403);
    const ok = await b.form('/login', { email: ANN.email, password: ANN.password });
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/blog/);

    const list = await (await b.get('/admin')).text();
    expect(list).toMatch(/Secret draft<\/a><div class="meta">you asked for a draft/);
    expect(list).toContain('<span class="badge draft">draft</span>');
    expect(list.match(/<span class="badge published">published<\/span>/g)).toHaveLength(3);
    const id = /href="\/blog\/admin\/posts\/(\d+)">Secret draft/.exec(list)![1]!;

    // The author can preview the draft; readers cannot.
    expect(await (await b.get('/posts/secret-draft')).text()).toContain('Only you can see it');
    await page(`${h.url}/posts/secret-draft`, 404);

    const edit = await (await b.get(`/admin/posts/${id}`)).text();
    expect(edit).toMatch(/<textarea id="source" name="source"[^<>]*>Not yet\.<\/textarea>/);
    const csrf = Browser.csrf(edit);
    const noToken = await b.form(`/admin/posts/${id}`, { title: 'x', source: 'x', status: 'published' });
    expect(noToken.status).toBe(403);
    const saved = await b.form(`/admin/posts/${id}`, {
      _csrf: csrf,
      title: 'Now public',
      source: 'Ready **now**.',
      status: 'published',
    });
    expect(saved.status).toBe(303);
    const post = await page(`${h.url}/posts/secret-draft`);
    expect(post).toContain('<h1>Now public</h1>');
    expect(post).toContain('Ready <strong>now</strong>.');
  });

  it('shows, regenerates and switches off the secret address', async () => {
    const b = new Browser(h);
    await b.form('/login', { email: ANN.email, password: ANN.password });
    const before = await (await b.get('/admin/address')).text();
    const oldAddress = /<code class="address" id="posting-address">([^<]+)<\/code>/.exec(before)![1]!;
    expect(oldAddress).toBe(h.secretAddress);
    const done = await b.form('/admin/address/regenerate', { _csrf: Browser.csrf(before) });
    expect(done.headers.get('location')).toBe('/blog/admin/address?done=regenerated');
    const after = await (await b.get('/admin/address')).text();
    const newAddress = /<code class="address" id="posting-address">([^<]+)<\/code>/.exec(after)![1]!;
    expect(newAddress).not.toBe(oldAddress);
    expect(newAddress).toMatch(new RegExp(`^post\\+[a-z2-7]{26}@${DOMAIN.replace(/\./g, '\\.')}$`));

    const outcomes = h.outcomes.length;
    await h.post({ from: FROM, to: oldAddress, subject: 'Via old', text: 'x' });
    await h.post({ from: FROM, to: newAddress, subject: 'Via new', text: 'x' });
    expect(h.outcomes.slice(outcomes).map((o) => o.kind)).toEqual(['refused', 'created']);

    await b.form('/admin/address/disable', { _csrf: Browser.csrf(after) });
    await h.post({ from: FROM, to: newAddress, subject: 'While off', text: 'x' });
    expect(h.outcomes[h.outcomes.length - 1]).toMatchObject({ kind: 'refused' });
  });

  it('answers the JSON API', async () => {
    const list = await (await fetch(`${h.url}/api/posts?perPage=2`)).json();
    expect(list).toMatchObject({ page: 1, perPage: 2, total: expect.any(Number) });
    expect(list.items[0]).toMatchObject({
      title: expect.any(String),
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/blog\/posts\//),
      status: 'published',
    });
    const byTag = await (await fetch(`${h.url}/api/posts?category=notes`)).json();
    expect(byTag.total).toBe(3);

    const authors = await (await fetch(`${h.url}/api/authors`)).json();
    expect(authors.items).toEqual([{ id: expect.any(Number), name: ANN.name, posts: expect.any(Number) }]);
    expect(JSON.stringify(authors)).not.toContain(ANN.email);

    expect((await fetch(`${h.url}/api/me`)).status).toBe(401);
    expect(
      (await fetch(`${h.url}/api/me`, { headers: { authorization: basic(ANN.email, 'nope nope nope') } })).status,
    ).toBe(401);
    const auth = { authorization: basic(ANN.email, ANN.password) };
    const me = await (await fetch(`${h.url}/api/me`, { headers: auth })).json();
    expect(me).toMatchObject({
      email: ANN.email,
      postingAddress: expect.stringMatching(/^post\+/),
      postingAddressEnabled: false,
    });

    const mine = await (await fetch(`${h.url}/api/me/posts`, { headers: auth })).json();
    const target = mine.items.find((p: { title: string }) => p.title === 'Third time');
    const patched = await fetch(`${h.url}/api/posts/${target.id}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Third time lucky', status: 'draft' }),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ title: 'Third time lucky', status: 'draft' });
    expect((await fetch(`${h.url}/api/posts/${target.id}`)).status).toBe(404);
    expect((await fetch(`${h.url}/api/posts/${target.id}`, { headers: auth })).status).toBe(200);
    const bad = await fetch(`${h.url}/api/posts/${target.id}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'maybe' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/status/);

    // Session cookie without the CSRF header cannot write.
    const b = new Browser(h);
    await b.form('/login', { email: ANN.email, password: ANN.password });
    const csrfless = await fetch(`${h.url}/api/posts/${target.id}`, {
      method: 'DELETE',
      headers: { cookie: b.cookie },
    });
    expect(csrfless.status).toBe(403);

    const created = await fetch(`${h.url}/api/authors`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'Bo@Writers.test', name: 'Bo', password: 'bo password 123' }),
    });
    expect(created.status).toBe(201);
    const bo = await created.json();
    expect(bo).toMatchObject({
      email: 'bo@writers.test',
      postingAddress: expect.stringMatching(/^post\+[a-z2-7]{26}@/),
    });
    const notAdmin = await fetch(`${h.url}/api/authors`, {
      method: 'POST',
      headers: { authorization: basic('bo@writers.test', 'bo password 123'), 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'c@writers.test', name: 'C', password: 'c password 123' }),
    });
    expect(notAdmin.status).toBe(403);

    const deleted = await fetch(`${h.url}/api/posts/${target.id}`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(204);
    expect((await fetch(`${h.url}/api/nothing`)).status).toBe(404);
  });

  it('changes the password (old one refused, other sessions signed out) and refuses a session replayed after logout', async () => {
    const bo = { email: 'bo@writers.test', password: 'bo password 123' };
    const one = new Browser(h);
    const two = new Browser(h);
    expect((await one.form('/login', bo)).status).toBe(303);
    expect((await two.form('/login', bo)).status).toBe(303);
    const form = await (await one.get('/admin/password')).text();
    const csrf = Browser.csrf(form);
    const wrong = await one.form('/admin/password', {
      _csrf: csrf,
      current: 'not my password',
      next: 'bo new password 1',
      confirm: 'bo new password 1',
    });
    expect(wrong.status).toBe(401);
    const short = await one.form('/admin/password', {
      _csrf: csrf,
      current: bo.password,
      next: 'short',
      confirm: 'short',
    });
    expect(short.status).toBe(400);
    expect(
      (
        await one.form('/admin/password', {
          current: bo.password,
          next: 'bo new password 1',
          confirm: 'bo new password 1',
        })
      ).status,
    ).toBe(403);
    const changed = await one.form('/admin/password', {
      _csrf: csrf,
      current: bo.password,
      next: 'bo new password 1',
      confirm: 'bo new password 1',
    });
    expect(changed.headers.get('location')).toBe('/blog/admin/password?done=password');
    expect((await one.get('/admin')).status).toBe(200);
    expect((await two.get('/admin')).headers.get('location')).toBe('/blog/login');
    expect((await new Browser(h).form('/login', bo)).status).toBe(401);
    expect((await fetch(`${h.url}/api/me`, { headers: { authorization: basic(bo.email, bo.password) } })).status).toBe(
      401,
    );

    const stolen = one.cookie;
    const logoutPage = await (await one.get('/admin')).text();
    expect((await one.form('/logout', { _csrf: Browser.csrf(logoutPage) })).status).toBe(303);
    const replayed = await fetch(`${h.url}/admin`, { redirect: 'manual', headers: { cookie: stolen } });
    expect(replayed.headers.get('location')).toBe('/blog/login');
  });

  it('throttles password guessing on the form and on HTTP Basic (429 with Retry-After)', async () => {
    const guesser = new Browser(h);
    for (let i = 0; i < 5; i++)
      expect((await guesser.form('/login', { email: 'c@writers.test', password: `guess number ${i}` })).status).toBe(
        401,
      );
    const locked = await guesser.form('/login', { email: 'c@writers.test', password: 'guess number 6' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await locked.text()).toContain('Too many sign-in attempts');
    const api = await fetch(`${h.url}/api/me`, {
      headers: { authorization: basic('c@writers.test', 'guess number 7') },
    });
    expect(api.status).toBe(429);
  });
});
