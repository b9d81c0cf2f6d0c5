import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { members, moderation } from '../db/schema.js';
import { createList, upsertMember } from '../domain/index.js';
import { ADMIN_PASSWORD, DOMAIN, startHarness, type Harness } from '../testing/harness.js';

let h: Harness;
const basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
/** Links in mail point at the public URL; the test server is elsewhere. */
const local = (publicLink: string) => publicLink.replace('https://example.com', h.url);
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${h.url}/lists/api${path}`, {
    ...init,
    headers: { authorization: basic, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

beforeAll(async () => {
  h = await startHarness();
  const web = await createList(h.db, { slug: 'web', name: 'Web' });
  await upsertMember(h.db, web.id, { address: 'ann@members.test', name: 'Ann' });
  await upsertMember(h.db, web.id, { address: 'ben@members.test' });
  const secret = await createList(h.db, { slug: 'secret', name: 'Secret', archive: 'members' });
  await upsertMember(h.db, secret.id, { address: 'ann@members.test' });
});
afterAll(async () => h.close());

describe('one-click unsubscribe (RFC 8058)', () => {
  it('POST to the List-Unsubscribe URL unsubscribes exactly that member; bad tokens are refused', async () => {
    await h.post({ from: 'ann@members.test', to: `web@${DOMAIN}`, subject: 'Hi', text: 'hello' });
    const toBen = h.sent().find((m) => m.to[0]!.address === 'ben@members.test')!;
    const link = /<(https:[^>]+)>/.exec(toBen.headers['List-Unsubscribe']!)![1]!;
    const page = await fetch(local(link));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ben@members.test');

    // Flip a character in the middle of the token (the last one may only carry padding bits).
    const tampered = local(link).replace(
      /(\/unsubscribe\/.{10})(.)/,
      (_all, head: string, ch: string) => `${head}${ch === 'a' ? 'b' : 'a'}`,
    );
    expect(tampered).not.toBe(local(link));
    expect(
      (
        await fetch(tampered, {
          method: 'POST',
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(404);

    const response = await fetch(local(link), {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(200);
    const rows = await h.db.select().from(members).where(eq(members.address, 'ben@members.test'));
    expect(rows.map((r) => r.status)).toEqual(['unsubscribed']);
    expect(
      (await h.db.select().from(members).where(eq(members.address, 'ann@members.test'))).every(
        (r) => r.status === 'active',
      ),
    ).toBe(true);
  });
});

describe('archive', () => {
  it('shows threads and messages in order as plain readable HTML; message HTML is sanitized', async () => {
    await h.post({
      from: 'Ann <ann@members.test>',
      to: `web@${DOMAIN}`,
      subject: 'Styled <b>subject</b>',
      text: 'Look at this\n',
      html: '<p onclick="steal()">Look at <b>this</b></p><script>alert(1)</script><img src="https://tracker.test/p.gif"><a href="javascript:alert(2)">x</a>',
      messageId: '<styled@members.test>',
    });
    const index = await (await fetch(`${h.url}/lists/archive/web`)).text();
    expect(index).toContain('Styled &lt;b&gt;subject&lt;/b&gt;');
    const threadLink = /href="(\/lists\/archive\/web\/t\/[a-z0-9]+)"[^>]*>Styled/.exec(index)![1]!;
    const page = await fetch(`${h.url}${threadLink}`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('Look at this');
    expect(html).toContain('<b>this</b>');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('onclick');
    expect(html).not.toContain('tracker.test');
    expect(html).not.toContain('javascript:');
  });

  it('a members-only archive needs the member access link (or an admin session)', async () => {
    await h.post({ from: 'ann@members.test', to: `secret@${DOMAIN}`, subject: 'Private', text: 'members only' });
    expect((await fetch(`${h.url}/lists/archive/secret`)).status).toBe(403);
    const copy = h
      .sent()
      .filter((m) => m.to[0]!.address === 'ann@members.test')
      .at(-1)!;
    const archive = /<(https:[^>]+)>/.exec(copy.headers['List-Archive']!)![1]!;
    expect(archive).toContain('?access=');
    const response = await fetch(local(archive));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Private');
    expect((await fetch(`${h.url}/lists/archive/secret?access=${'a'.repeat(40)}`)).status).toBe(403);
  });
});

describe('admin UI', () => {
  async function login(): Promise<{ cookie: string; csrf: string }> {
    const form = (password: string, origin = h.url) =>
      fetch(`${h.url}/lists/login`, {
        method: 'POST',
        body: new URLSearchParams({ password }),
        headers: { origin },
        redirect: 'manual',
      });
    expect((await form('nope nope')).status).toBe(401);
    // Login CSRF: a cross-site form post is refused before the password is looked at.
    expect((await form(ADMIN_PASSWORD, 'https://evil.test')).status).toBe(403);
    const response = await form(ADMIN_PASSWORD);
    expect(response.status).toBe(303);
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(';')[0]!;
    const page = await (await fetch(`${h.url}/lists/admin`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    return { cookie, csrf };
  }

  it('needs a login; forms need the CSRF token; creates lists, adds members and moderates', async () => {
    expect((await fetch(`${h.url}/lists/admin`, { redirect: 'manual' })).status).toBe(303);
    const { cookie, csrf } = await login();
    const post = (path: string, form: Record<string, string>) =>
      fetch(`${h.url}/lists${path}`, {
        method: 'POST',
        body: new URLSearchParams(form),
        headers: { cookie, origin: h.url },
        redirect: 'manual',
      });

    expect((await post('/admin/lists', { slug: 'ops', name: 'Ops' })).status).toBe(403);
    expect((await post('/admin/lists', { csrf, slug: 'Bad Slug!', name: 'Ops' })).status).toBe(400);
    expect((await post('/admin/lists', { csrf, slug: 'ops', name: 'Ops', policy: 'moderated' })).status).toBe(303);
    expect((await post('/admin/lists', { csrf, slug: 'ops', name: 'Ops again' })).status).toBe(400);
    expect(
      (await post('/admin/lists/ops/members', { csrf, address: 'Op@Members.test', name: 'Op', role: 'member' })).status,
    ).toBe(303);
    const listPage = await (await fetch(`${h.url}/lists/admin/lists/ops`, { headers: { cookie } })).text();
    expect(listPage).toContain('op@members.test');

    await h.post({
      from: 'op@members.test',
      to: `ops@${DOMAIN}`,
      subject: 'Needs review',
      text: 'moderated list post',
    });
    expect(h.results.at(-1)).toMatchObject({ outcome: 'held', reason: 'moderated list' });
    const queue = await (await fetch(`${h.url}/lists/admin/lists/ops/moderation`, { headers: { cookie } })).text();
    expect(queue).toContain('moderated list post');
    const [item] = await h.db.select().from(moderation).where(eq(moderation.subject, 'Needs review'));
    expect((await post(`/admin/moderation/${item!.id}`, { decision: 'approve' })).status).toBe(403);
    expect((await post(`/admin/moderation/${item!.id}`, { csrf, decision: 'approve' })).status).toBe(303);
    await h.settle();
    expect(h.sent().some((m) => m.subject === 'Needs review' && m.to[0]!.address === 'op@members.test')).toBe(true);
    expect((await post(`/admin/moderation/${item!.id}`, { csrf, decision: 'reject' })).status).toBe(409);
  });

  it('the JSON API accepts the session cookie only with X-CSRF-Token', async () => {
    const { cookie, csrf } = await login();
    const create = (headers: Record<string, string>) =>
      fetch(`${h.url}/lists/api/lists`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ slug: 'cookie', name: 'Cookie' }),
      });
    expect((await create({})).status).toBe(403);
    expect((await create({ 'x-csrf-token': csrf })).status).toBe(201);
  });

  it('changes the admin password: other sessions end, the old password stops working, logout revokes the cookie', async () => {
    const one = await login();
    const two = await login();
    const post = (cookie: string, path: string, form: Record<string, string>) =>
      fetch(`${h.url}/lists${path}`, {
        method: 'POST',
        body: new URLSearchParams(form),
        headers: { cookie, origin: h.url },
        redirect: 'manual',
      });
    const page = await (await fetch(`${h.url}/lists/admin/password`, { headers: { cookie: one.cookie } })).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const next = 'a new admin password';
    expect((await post(one.cookie, '/admin/password', { current: ADMIN_PASSWORD, next, confirm: next })).status).toBe(
      403,
    );
    expect(
      (await post(one.cookie, '/admin/password', { _csrf: token, current: 'nope nope nope', next, confirm: next }))
        .status,
    ).toBe(401);
    expect(
      (await post(one.cookie, '/admin/password', { _csrf: token, current: ADMIN_PASSWORD, next, confirm: next }))
        .status,
    ).toBe(303);
    expect((await fetch(`${h.url}/lists/admin`, { headers: { cookie: one.cookie }, redirect: 'manual' })).status).toBe(
      200,
    );
    expect((await fetch(`${h.url}/lists/admin`, { headers: { cookie: two.cookie }, redirect: 'manual' })).status).toBe(
      303,
    );
    const basicAs = (password: string) => ({
      authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`,
    });
    expect((await fetch(`${h.url}/lists/api/lists`, { headers: basicAs(ADMIN_PASSWORD) })).status).toBe(401);
    expect((await fetch(`${h.url}/lists/api/lists`, { headers: basicAs(next) })).status).toBe(200);

    expect((await post(one.cookie, '/logout', { csrf: one.csrf })).status).toBe(303);
    expect((await fetch(`${h.url}/lists/admin`, { headers: { cookie: one.cookie }, redirect: 'manual' })).status).toBe(
      303,
    );
    // Put the harness password back for the other tests.
    const fresh = await (await import('../web/auth.js')).hashPassword(ADMIN_PASSWORD);
    await h.lists.kit.credentials.set('admin', fresh);
  });
});

describe('JSON API', () => {
  it('manages lists, members, threads and moderation with the admin password', async () => {
    expect((await fetch(`${h.url}/lists/api/lists`)).status).toBe(401);
    expect(
      (
        await fetch(`${h.url}/lists/api/lists`, {
          headers: { authorization: `Basic ${Buffer.from('admin:wrong password').toString('base64')}` },
        })
      ).status,
    ).toBe(401);

    const created = await api('/lists', {
      method: 'POST',
      body: JSON.stringify({ slug: 'api', name: 'API list', policy: 'members' }),
    });
    expect(created.status).toBe(201);
    expect((await api('/lists', { method: 'POST', body: JSON.stringify({ slug: 'api', name: 'dup' }) })).status).toBe(
      409,
    );
    expect(
      (await api('/lists', { method: 'POST', body: JSON.stringify({ slug: 'x', name: 'y', policy: 'anarchy' }) }))
        .status,
    ).toBe(400);
    expect((await api('/lists', { method: 'POST', body: 'not json' })).status).toBe(400);

    expect(
      (
        await api('/lists/api/members', {
          method: 'POST',
          body: JSON.stringify({ address: 'dee@members.test', role: 'owner' }),
        })
      ).status,
    ).toBe(201);
    expect(
      (await api('/lists/api/members', { method: 'POST', body: JSON.stringify({ address: 'not an address' }) })).status,
    ).toBe(400);
    const patched = await api('/lists/api/members/dee@members.test', {
      method: 'PATCH',
      body: JSON.stringify({ role: 'moderator' }),
    });
    expect((await patched.json()).member).toMatchObject({
      address: 'dee@members.test',
      role: 'moderator',
      status: 'active',
    });
    const { members: rows } = await (await api('/lists/api/members')).json();
    expect(rows.map((m: { address: string }) => m.address)).toEqual(['dee@members.test']);
    expect(rows[0]).not.toHaveProperty('confirmationTokenHash');

    await h.post({ from: 'outsider@elsewhere.test', to: `api@${DOMAIN}`, subject: 'From outside', text: 'let me in' });
    const { items } = await (await api('/lists/api/moderation')).json();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      sender: 'outsider@elsewhere.test',
      reason: 'sender is not a member',
      status: 'pending',
    });
    expect(
      (await api(`/moderation/${items[0].id}`, { method: 'POST', body: JSON.stringify({ decision: 'maybe' }) })).status,
    ).toBe(400);
    const decided = await api(`/moderation/${items[0].id}`, {
      method: 'POST',
      body: JSON.stringify({ decision: 'approve' }),
    });
    expect(decided.status).toBe(200);
    const { threadId } = await decided.json();

    const { threads } = await (await api('/lists/api/threads')).json();
    expect(threads.map((t: { id: string }) => t.id)).toEqual([threadId]);
    const thread = await (await api(`/threads/${threadId}`)).json();
    expect(thread.messages.map((m: { newText: string }) => m.newText)).toEqual(['let me in']);
    expect((await api('/threads/nope')).status).toBe(404);
    expect((await api('/lists/nope/members')).status).toBe(404);
    expect((await api('/lists/api/members/dee@members.test', { method: 'DELETE' })).status).toBe(204);
  });
});
