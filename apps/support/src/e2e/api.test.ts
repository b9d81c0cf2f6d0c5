import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, SUPPORT, AGENT, type Harness } from '../testing/harness.js';
import { WebClient } from '../testing/web-client.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.post({
    from: 'Ann <ann@customer.test>',
    to: SUPPORT,
    cc: 'bob@customer.test',
    subject: 'API ticket',
    text: 'Hello API.',
  });
  await h.post({ from: 'zed@customer.test', to: SUPPORT, subject: 'Another one', text: 'Second.' });
});
afterAll(async () => {
  await h?.close();
});

const api = (path: string, init: RequestInit = {}, token: string | null = h.apiToken) =>
  fetch(`${h.url}/api${path}`, {
    ...init,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
  });

describe('JSON API', () => {
  it('needs a valid bearer token or a session', async () => {
    expect((await api('/tickets', {}, null)).status).toBe(401);
    const bad = await api('/tickets', {}, 'sk_not-a-token');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'invalid bearer token' });
  });

  it('lists and searches tickets', async () => {
    const all = (await (await api('/tickets')).json()) as {
      tickets: { number: number; subject: string; requester: { address: string } }[];
    };
    expect(all.tickets.map((t) => t.number).sort()).toEqual([1000, 1001]);
    const found = (await (await api('/tickets?status=all&q=ann%40customer')).json()) as {
      tickets: { number: number }[];
    };
    expect(found.tickets.map((t) => t.number)).toEqual([1000]);
    const byNumber = (await (await api('/tickets?status=all&q=%231001')).json()) as { tickets: { number: number }[] };
    expect(byNumber.tickets.map((t) => t.number)).toEqual([1001]);
    const wrong = await api('/tickets?status=everything');
    expect(wrong.status).toBe(400);
  });

  it('gets a ticket with its messages and participants', async () => {
    const response = await api('/tickets/1000');
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      ticket: { subject: string; status: string };
      messages: { kind: string; text: string }[];
      participants: { address: string; role: string }[];
    };
    expect(body.ticket).toMatchObject({ subject: 'API ticket', status: 'open' });
    expect(body.messages.map((m) => m.kind)).toEqual(['customer', 'ack']);
    expect(body.messages[0]!.text).toBe('Hello API.');
    expect(body.participants.map((p) => p.address)).toEqual(['ann@customer.test', 'bob@customer.test']);
    expect((await api('/tickets/999999')).status).toBe(404);
    expect((await api('/tickets/abc')).status).toBe(404);
  });

  it('replies (mail to requester and CCs) and changes status and assignee', async () => {
    const before = h.sent.length;
    const reply = await api('/tickets/1000/replies', {
      method: 'POST',
      body: JSON.stringify({ text: 'Answer from the API.', status: 'pending' }),
    });
    expect(reply.status).toBe(201);
    const body = (await reply.json()) as {
      ticket: { status: string };
      message: { kind: string; recipients: string[] };
    };
    expect(body.ticket.status).toBe('pending');
    expect(body.message).toMatchObject({ kind: 'agent', recipients: ['ann@customer.test', 'bob@customer.test'] });
    await h.settle();
    expect(h.sent.slice(before).map((m) => m.subject)).toEqual(['Re: [#1000] API ticket']);

    expect((await api('/tickets/1000/replies', { method: 'POST', body: JSON.stringify({ text: '   ' }) })).status).toBe(
      400,
    );
    expect((await api('/tickets/1000/replies', { method: 'POST', body: 'not json' })).status).toBe(400);

    const patched = await api('/tickets/1000', {
      method: 'PATCH',
      body: JSON.stringify({ status: 'closed', assignee: AGENT.email }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { ticket: unknown }).ticket).toMatchObject({
      status: 'closed',
      assignee: AGENT.email,
    });
    expect((await api('/tickets/1000', { method: 'PATCH', body: JSON.stringify({ status: 'solved' }) })).status).toBe(
      400,
    );
    expect(
      (await api('/tickets/1000', { method: 'PATCH', body: JSON.stringify({ assignee: 'nobody@staff.test' }) })).status,
    ).toBe(422);
    const mine = (await (await api('/tickets?status=mine')).json()) as { tickets: unknown[] };
    expect(mine.tickets).toEqual([]); // closed tickets are not in "mine"
  });

  it('accepts the session cookie only with the X-CSRF-Token header for changes', async () => {
    const web = new WebClient(h.url);
    await web.login(AGENT.email, AGENT.password);
    const listed = await fetch(`${h.url}/api/tickets?status=all`, { headers: { cookie: web.cookie } });
    expect(listed.status).toBe(200);
    const html = await (await web.get('/tickets/1001')).text();
    const body = JSON.stringify({ status: 'pending' });
    const headers = { cookie: web.cookie, 'content-type': 'application/json' };
    expect((await fetch(`${h.url}/api/tickets/1001`, { method: 'PATCH', headers, body })).status).toBe(403);
    const ok = await fetch(`${h.url}/api/tickets/1001`, {
      method: 'PATCH',
      headers: { ...headers, 'x-csrf-token': WebClient.csrfOf(html) },
      body,
    });
    expect(ok.status).toBe(200);
  });
});

describe('agent login', () => {
  it('rejects wrong passwords and cross-site login posts, sets a HttpOnly SameSite cookie', async () => {
    const web = new WebClient(h.url);
    expect((await web.login(AGENT.email, 'wrong password')).status).toBe(401);
    expect(
      (await web.postForm('/login', { email: AGENT.email, password: AGENT.password }, { origin: 'https://evil.test' }))
        .status,
    ).toBe(403);
    const ok = await fetch(`${h.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: h.url },
      body: new URLSearchParams({ email: AGENT.email, password: AGENT.password }).toString(),
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toMatch(
      /^support_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect((await new WebClient(h.url).get('/')).status).toBe(303);
  });

  it('changes the password, signs other sessions out, and refuses a cookie replayed after logout', async () => {
    const { createAgent } = await import('../domain/agents.js');
    await createAgent(h.support.services.db, { email: 'pat@staff.test', name: 'Pat', password: 'pat password 12' });
    const one = new WebClient(h.url);
    const two = new WebClient(h.url);
    expect((await one.login('pat@staff.test', 'pat password 12')).status).toBe(303);
    expect((await two.login('pat@staff.test', 'pat password 12')).status).toBe(303);
    const csrf = WebClient.csrfOf(await (await one.get('/password')).text());
    expect(
      (
        await one.postForm('/password', {
          _csrf: csrf,
          current: 'pat password 12',
          next: 'mismatch one!!',
          confirm: 'mismatch two!!',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await one.postForm('/password', {
          current: 'pat password 12',
          next: 'pat new password',
          confirm: 'pat new password',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await one.postForm('/password', {
          _csrf: csrf,
          current: 'pat password 12',
          next: 'pat new password',
          confirm: 'pat new password',
        })
      ).status,
    ).toBe(303);
    expect((await one.get('/')).status).toBe(200);
    expect((await two.get('/')).status).toBe(303);
    expect((await new WebClient(h.url).login('pat@staff.test', 'pat password 12')).status).toBe(401);
    expect((await new WebClient(h.url).login('pat@staff.test', 'pat new password')).status).toBe(303);

    const stolen = one.cookie;
    expect((await one.postForm('/logout', { _csrf: csrf })).status).toBe(303);
    expect((await fetch(`${h.url}/`, { redirect: 'manual', headers: { cookie: stolen } })).status).toBe(303);
    expect((await fetch(`${h.url}/api/tickets`, { headers: { cookie: stolen } })).status).toBe(401);
  });

  it('throttles guessing: the sixth wrong password in a row gets 429 with Retry-After', async () => {
    const web = new WebClient(h.url);
    for (let i = 0; i < 5; i++) expect((await web.login('guess@staff.test', `wrong guess ${i}`)).status).toBe(401);
    const throttled = await web.login('guess@staff.test', 'wrong guess 6');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
