import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailContext } from '@mailroom/core';
import { createTestStore, type TestStore } from '@mailroom/core/testing';
import { deliver, testMailroom } from './support.js';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store?.close();
});

/** Records what each handler saw. */
function recorder() {
  const seen: Array<{ route: string; params: unknown; recipient: unknown }> = [];
  const handler = (ctx: MailContext<any>) => {
    seen.push({ route: ctx.route, params: { ...ctx.params }, recipient: ctx.recipient });
  };
  return { seen, handler };
}

describe('routing through a Mailroom (signed post → store → worker → handler)', () => {
  it('matches an exact address case-insensitively and records route and recipient', async () => {
    const { seen, handler } = recorder();
    const mailroom = testMailroom(store).route('support', 'support@example.com', handler);
    const record = await deliver(mailroom, { to: 'Support@EXAMPLE.com' });
    expect(record).toMatchObject({ status: 'delivered', route: 'support', recipient: 'Support@EXAMPLE.com' });
    expect(seen).toEqual([
      { route: 'support', params: {}, recipient: { address: 'Support@EXAMPLE.com', source: 'envelope' } },
    ]);
  });

  it('captures {param} placeholders in the local part and the domain', async () => {
    const { seen, handler } = recorder();
    const mailroom = testMailroom(store)
      .route('posts', 'post+{token}@blog.example.com', handler)
      .route('tenants', 'reply-{id}@{tenant}.example.com', handler);
    await deliver(mailroom, { to: 'post+Xy7q@blog.example.com' });
    await deliver(mailroom, { to: 'reply-42@acme.example.com' });
    expect(seen.map((s) => s.params)).toEqual([{ token: 'Xy7q' }, { id: '42', tenant: 'acme' }]);
  });

  it('matches wildcards, and RegExp named groups become params', async () => {
    const { seen, handler } = recorder();
    const mailroom = testMailroom(store)
      .route(/^(?<team>[a-z]+)-alerts@example\.com$/i, handler)
      .route('any', '*@example.com', handler);
    await deliver(mailroom, { to: 'ops-alerts@example.com' });
    await deliver(mailroom, { to: 'whoever@example.com' });
    expect(seen.map((s) => [s.route, s.params])).toEqual([
      ['/^(?<team>[a-z]+)-alerts@example\\.com$/i', { team: 'ops' }],
      ['any', {}],
    ]);
  });

  it('routes by predicate and by from/subject/header matchers', async () => {
    const { seen, handler } = recorder();
    const mailroom = testMailroom(store)
      .route('tickets', { to: 'help@example.com', from: '*@partner.test', subject: /\[#(?<ticket>\d+)\]/ }, handler)
      .route('lists', { header: { name: 'List-Id', value: /<(?<list>[^.]+)\.lists\.example\.com>/ } }, handler)
      .route('urgent', (email) => email.subject.startsWith('URGENT'), handler);
    expect(
      (await deliver(mailroom, { to: 'help@example.com', from: 'Ann <ann@partner.test>', subject: 'Re: [#7] printer' }))
        .route,
    ).toBe('tickets');
    // Same subject from another sender: the from condition fails, nothing else matches.
    expect((await deliver(mailroom, { to: 'help@example.com', from: 'eve@evil.test', subject: '[#7]' })).status).toBe(
      'unrouted',
    );
    expect(
      (await deliver(mailroom, { to: 'someone@x.test', headers: { 'List-Id': 'Dev <dev.lists.example.com>' } })).route,
    ).toBe('lists');
    expect((await deliver(mailroom, { to: 'someone@x.test', subject: 'URGENT: disk' })).route).toBe('urgent');
    expect(seen.map((s) => s.params)).toEqual([{ ticket: '7' }, { list: 'dev' }, {}]);
  });

  it('routes Bcc-only recipients through the envelope', async () => {
    const { seen, handler } = recorder();
    const mailroom = testMailroom(store).route('archive', 'archive@example.com', handler);
    const record = await deliver(mailroom, { to: 'friend@elsewhere.test', bcc: 'archive@example.com' });
    expect(record).toMatchObject({ status: 'delivered', recipient: 'archive@example.com' });
    expect(seen[0]?.recipient).toEqual({ address: 'archive@example.com', source: 'envelope' });
  });

  it('routes forwarded mail by X-Forwarded-To and Delivered-To', async () => {
    const { seen, handler } = recorder();
    const mailroom = testMailroom(store).route('team', '{team}@teams.example.com', handler);
    await deliver(mailroom, {
      to: 'old@legacy.test',
      envelope: { to: ['relay@gw.test'] },
      headers: { 'X-Forwarded-To': 'ops@teams.example.com' },
    });
    await deliver(mailroom, {
      to: 'old@legacy.test',
      envelope: { to: ['relay@gw.test'] },
      headers: { 'Delivered-To': 'dev@teams.example.com' },
    });
    expect(seen.map((s) => [s.params, s.recipient])).toEqual([
      [{ team: 'ops' }, { address: 'ops@teams.example.com', source: 'x-forwarded-to' }],
      [{ team: 'dev' }, { address: 'dev@teams.example.com', source: 'delivered-to' }],
    ]);
  });

  it('runs one handler: the first route in declaration order for the first matching recipient', async () => {
    const { seen, handler } = recorder();
    const mailroom = testMailroom(store)
      .route('sales', 'sales@example.com', handler)
      .route('billing', 'billing@example.com', handler)
      .route('billing-too', '*@example.com', handler);
    // To: sales@ is a header; billing@ is the envelope recipient, so billing wins though sales is declared first.
    await deliver(mailroom, { to: 'sales@example.com', envelope: { to: ['billing@example.com'] } });
    // Both envelope recipients match; the first one decides, and only one handler runs.
    await deliver(mailroom, { to: ['sales@example.com', 'billing@example.com'] });
    expect(seen.map((s) => s.route)).toEqual(['billing', 'sales']);
  });

  it('runs the fallback when nothing matches', async () => {
    const seen: unknown[] = [];
    const mailroom = testMailroom(store)
      .route('support', 'support@example.com', () => {})
      .fallback((ctx) => {
        seen.push([ctx.route, ctx.recipient, ctx.params]);
      });
    const record = await deliver(mailroom, { to: 'nobody@example.com' });
    expect(record).toMatchObject({ status: 'delivered', route: 'fallback', recipient: null });
    expect(seen).toEqual([['fallback', null, {}]]);
  });

  it('stores unmatched mail as unrouted (no retry), and a replay routes it once a route exists', async () => {
    const first = testMailroom(store).route('support', 'support@example.com', () => {});
    const record = await deliver(first, { to: 'sales@example.com' });
    expect(record).toMatchObject({ status: 'unrouted', attempts: 1, route: null });
    expect(record.note).toContain('sales@example.com');
    expect((await store.inbox.list({ status: 'unrouted' })).map((r) => r.id)).toContain(record.id);

    const { seen, handler } = recorder();
    const second = testMailroom(store).route('sales', 'sales@example.com', handler);
    expect(await second.replay(record.id)).toBe(1);
    await second.drain();
    expect(await store.inbox.get(record.id)).toMatchObject({ status: 'delivered', route: 'sales' });
    expect(seen).toHaveLength(1);
  });

  it('reroutes by name on replay, and refuses unknown route names', async () => {
    const { seen, handler } = recorder();
    const mailroom = testMailroom(store)
      .route('posts', 'post+{token}@blog.example.com', handler)
      .route('support', 'support@example.com', handler);
    const record = await deliver(mailroom, { to: 'support@example.com' });
    await expect(mailroom.replay(record.id, { route: 'nope' })).rejects.toThrow(/no route named "nope"/);
    await mailroom.replay(record.id, { route: 'posts' });
    await mailroom.drain();
    expect(await store.inbox.get(record.id)).toMatchObject({ status: 'delivered', route: 'posts' });
    expect(seen.map((s) => s.route)).toEqual(['support', 'posts']);
  });
});
