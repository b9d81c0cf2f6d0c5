import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '@mailroom/core';
import { createTestStore, type TestStore } from '@mailroom/core/testing';
import {
  basicLogin,
  createAppKit,
  DUMMY_PASSWORD_HASH,
  firstPassword,
  generatePassword,
  hashPassword,
  hostAllowlist,
  secureCookieWarning,
  securityHeaders,
  verifyPassword,
  WeakPasswordError,
  type AppKit,
  type Session,
} from './index.js';

const PASSWORD = 'a long enough password';

describe('passwords: one scrypt policy', () => {
  it('hashes with a fresh salt and verifies only the right password', async () => {
    const [one, two] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(one).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(one).not.toBe(two);
    expect(await verifyPassword(PASSWORD, one)).toBe(true);
    expect(await verifyPassword(`${PASSWORD} `, one)).toBe(false);
    expect(await verifyPassword(PASSWORD, null)).toBe(false);
    expect(await verifyPassword('', DUMMY_PASSWORD_HASH)).toBe(false);
  });

  it('refuses short, over-long and forbidden passwords, and hashes of another parameter set', async () => {
    await expect(hashPassword('short pass')).rejects.toThrow(WeakPasswordError);
    await expect(hashPassword('x'.repeat(1025))).rejects.toThrow(/at most 1024/);
    await expect(hashPassword('mailroom-demo', ['mailroom-demo'])).rejects.toThrow(/published/);
    const hash = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, hash.replace('scrypt$32768$', 'scrypt$1024$'))).toBe(false);
    expect(await verifyPassword(PASSWORD, 'garbage')).toBe(false);
    expect(await verifyPassword('x'.repeat(10_000), hash)).toBe(false);
  });

  it('generates unambiguous random passwords the policy accepts', () => {
    const generated = new Set(Array.from({ length: 50 }, () => generatePassword()));
    expect(generated.size).toBe(50);
    for (const p of generated) expect(p).toMatch(/^[a-km-np-zAC-HJ-NP-Z2-9]{20}$/);
  });
});

describe('deployment defaults', () => {
  it('takes the first password from the environment, else generates one, announced only when used', () => {
    expect(() => firstPassword({ ADMIN_PASSWORD: 'mailroom-demo' }, 'ADMIN_PASSWORD', true)).toThrow(
      /ADMIN_PASSWORD: .*published/,
    );
    expect(() => firstPassword({ ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD', false)).toThrow(/at least 12/);
    const fromEnv = firstPassword({ ADMIN_PASSWORD: PASSWORD }, 'ADMIN_PASSWORD', true);
    expect(fromEnv.announcement()).toEqual([]);
    expect(fromEnv.take('blog admin')).toBe(PASSWORD);
    expect(fromEnv.announcement().join(' ')).not.toContain(PASSWORD);
    const generated = firstPassword({}, 'ADMIN_PASSWORD', true);
    const password = generated.take('lists admin');
    expect(generated.take('support agent')).toBe(password);
    expect(generated.announcement().join('\n')).toContain(password);
  });

  it('warns when production cookies are not Secure or the public URL is plain http', () => {
    expect(secureCookieWarning({ production: false, publicUrl: 'http://localhost', secureCookies: false })).toBeNull();
    expect(secureCookieWarning({ production: true, publicUrl: 'https://example.com', secureCookies: true })).toBeNull();
    expect(secureCookieWarning({ production: true, publicUrl: 'http://localhost:3000', secureCookies: true })).toMatch(
      /not https/,
    );
    expect(secureCookieWarning({ production: true, publicUrl: 'https://example.com', secureCookies: false })).toMatch(
      /not marked Secure/,
    );
  });

  it('answers 421 to a foreign Host and 400 to a malformed one', async () => {
    const app = new Hono().use(hostAllowlist(['localhost', '127.0.0.1'])).get('/', (c) => c.text('ok'));
    const status = async (host: string) => (await app.request('/', { headers: { host } })).status;
    expect(await status('localhost:3000')).toBe(200);
    expect(await status('127.0.0.1')).toBe(200);
    expect(await status('LOCALHOST')).toBe(200);
    expect(await status('evil.example')).toBe(421);
    expect(await status('localhost.evil.example')).toBe(421);
    expect(await status('evil.example@localhost')).toBe(400);
    expect(await status('localhost/x')).toBe(400);
    expect(await status('a'.repeat(400))).toBe(400);
    // An in-process Request carries no Host header: its URL's host is checked instead.
    expect((await app.request('http://localhost/')).status).toBe(200);
    expect((await app.request('http://evil.example/')).status).toBe(421);
  });
});

describe('kit over real HTTP: login, throttle, sessions, CSRF, headers', () => {
  let store: TestStore;
  let kit: AppKit;
  let server: RunningServer;
  let url: string;
  let hash: string;

  beforeAll(async () => {
    store = await createTestStore();
    kit = await createAppKit({
      store,
      realm: 'test',
      secret: 'a test secret of at least thirty-two characters',
      cookie: { name: 'test_session', path: '/', secure: false, ttlMs: 3600_000 },
      production: true,
    });
    hash = await kit.hashPassword(PASSWORD);
    const app = new Hono<{ Variables: { session: Session | null } }>();
    app.use(securityHeaders());
    app.use(kit.formOriginCheck);
    app.use(async (c, next) => {
      c.set('session', await kit.sessions.read(c));
      await next();
    });
    app.post('/login', async (c) => {
      const form = await c.req.parseBody();
      const name = String(form.user ?? '');
      const result = await kit.login(c, name, async () =>
        name === 'ann' && (await kit.verifyPassword(String(form.password), hash)) ? name : null,
      );
      if (result.kind === 'throttled')
        return c.text('slow down', 429, { 'Retry-After': String(result.retryAfterSeconds) });
      if (result.kind === 'failed') return c.text('wrong', 401);
      await kit.sessions.start(c, result.value);
      return c.text('in');
    });
    app.get('/me', (c) => (c.var.session ? c.text(c.var.session.account) : c.text('who?', 401)));
    app.get('/form', (c) => (c.var.session ? c.text(kit.csrfToken(c.var.session)) : c.text('who?', 401)));
    app.post('/act', async (c) => {
      const form = await c.req.parseBody();
      return kit.verifyCsrf(c.var.session, form._csrf) ? c.text('done') : c.text('bad token', 403);
    });
    app.post('/logout', async (c) => {
      await kit.sessions.end(c);
      return c.text('bye');
    });
    app.post('/password', async (c) => {
      const form = await c.req.parseBody();
      const result = await kit.changePassword(
        c,
        c.var.session!.account,
        c.var.session,
        { current: form.current, next: form.next, confirm: form.next },
        {
          verifyCurrent: (p) => kit.verifyPassword(p, hash),
          save: async (h) => void (hash = h),
        },
      );
      return result.ok ? c.text('changed') : c.text(result.error, result.status);
    });
    app.get(
      '/api',
      basicLogin(kit, {
        realm: 'test',
        verify: async (u, p) => (u === 'api' && (await kit.verifyPassword(p, hash)) ? u : null),
        onSuccess: () => undefined,
      }),
      (c) => c.text('api ok'),
    );
    server = await startServer(app.fetch, { hostname: '127.0.0.1' });
    url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await store?.close();
  });

  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, ...headers },
      body: new URLSearchParams(fields),
    });
  const cookieOf = (response: Response) => response.headers.get('set-cookie')!.split(';')[0]!;

  it('sends a strict CSP and the other security headers', async () => {
    const response = await fetch(`${url}/me`);
    const csp = response.headers.get('content-security-policy')!;
    for (const part of ["default-src 'none'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"])
      expect(csp).toContain(part);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('refuses cross-origin and origin-less form posts (login CSRF) with 403', async () => {
    expect((await post('/login', { user: 'ann', password: PASSWORD }, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    const bare = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=ann',
    });
    expect(bare.status).toBe(403);
    expect(
      (await post('/login', { user: 'ann', password: PASSWORD }, { origin: 'null', 'sec-fetch-site': 'cross-site' }))
        .status,
    ).toBe(403);
  });

  it('opens a session, refuses a form without the token, and refuses the replayed cookie after logout', async () => {
    const login = await post('/login', { user: 'ann', password: PASSWORD });
    expect(login.status).toBe(200);
    const cookie = cookieOf(login);
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(login.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
    expect(await (await fetch(`${url}/me`, { headers: { cookie } })).text()).toBe('ann');
    const token = await (await fetch(`${url}/form`, { headers: { cookie } })).text();
    expect((await post('/act', {}, { cookie })).status).toBe(403);
    expect((await post('/act', { _csrf: `${token.slice(0, -1)}x` }, { cookie })).status).toBe(403);
    expect((await post('/act', { _csrf: token }, { cookie })).status).toBe(200);
    // A tampered signature is refused without a lookup; a forged token has no row. The changed character is inside
    // the signature, not its last one (whose low bits may be base64 padding and decode the same).
    expect(
      (
        await fetch(`${url}/me`, {
          headers: { cookie: cookie.replace(/.(?=.{10}$)/, (ch) => (ch === 'A' ? 'B' : 'A')) },
        })
      ).status,
    ).toBe(401);

    expect((await post('/logout', {}, { cookie })).status).toBe(200);
    expect((await fetch(`${url}/me`, { headers: { cookie } })).status).toBe(401);
    expect((await post('/act', { _csrf: token }, { cookie })).status).toBe(403);
  });

  it('changes the password: the old one stops working and other sessions are revoked', async () => {
    const first = cookieOf(await post('/login', { user: 'ann', password: PASSWORD }));
    const second = cookieOf(await post('/login', { user: 'ann', password: PASSWORD }));
    expect(
      (await post('/password', { current: 'not the password', next: 'a brand new password' }, { cookie: first }))
        .status,
    ).toBe(401);
    expect((await post('/password', { current: PASSWORD, next: 'mailroom-demo' }, { cookie: first })).status).toBe(400);
    expect(
      (await post('/password', { current: PASSWORD, next: 'a brand new password' }, { cookie: first })).status,
    ).toBe(200);
    expect((await fetch(`${url}/me`, { headers: { cookie: first } })).status).toBe(200);
    expect((await fetch(`${url}/me`, { headers: { cookie: second } })).status).toBe(401);
    expect((await post('/login', { user: 'ann', password: PASSWORD })).status).toBe(401);
    expect((await post('/login', { user: 'ann', password: 'a brand new password' })).status).toBe(200);
    hash = await kit.hashPassword(PASSWORD);
  });

  it('throttles guessing: 5 wrong answers, then 429 with Retry-After even for the right password (lockout)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await post('/login', { user: 'bob', password: `guess number ${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const locked = await post('/login', { user: 'bob', password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    // Another account from the same address is not locked by bob's failures.
    expect((await post('/login', { user: 'ann', password: PASSWORD })).status).toBe(200);
  });

  it('counts a burst of parallel guesses before checking any of them', async () => {
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post('/login', { user: 'carol', password: `parallel guess ${i}` })),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('throttles HTTP Basic the same way (hono/basic-auth)', async () => {
    const basic = (password: string) =>
      fetch(`${url}/api`, { headers: { authorization: `Basic ${Buffer.from(`api:${password}`).toString('base64')}` } });
    expect((await basic(PASSWORD)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await basic(`wrong guess ${i}`)).status).toBe(401);
    const throttled = await basic(PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await fetch(`${url}/api`)).status).toBe(401);
  });

  it('in production, a built-in password never verifies, even against its own hash', async () => {
    const { hashPassword: plainHash } = await import('./passwords.js');
    expect(await kit.verifyPassword('mailroom-demo', await plainHash('mailroom-demo'))).toBe(false);
    await expect(kit.hashPassword('mailroom-demo')).rejects.toThrow(/published/);
  });
});
