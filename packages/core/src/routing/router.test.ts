import { describe, expect, it } from 'vitest';
import { InboundEmail, parseAddressList, type Header } from '../message/index.js';
import { createRouter, recipientsOf, RouteNameError, RoutePatternError, compileAddressPattern } from './index.js';

interface Draft {
  envelopeTo?: string[];
  to?: string;
  cc?: string;
  from?: string;
  subject?: string;
  headers?: Header[];
}

function email(draft: Draft): InboundEmail {
  const headers: Header[] = [...(draft.headers ?? [])];
  if (draft.to) headers.push({ name: 'To', value: draft.to });
  if (draft.cc) headers.push({ name: 'Cc', value: draft.cc });
  return new InboundEmail({
    mode: 'raw',
    messageId: 'm@test',
    date: null,
    subject: draft.subject ?? '',
    from: parseAddressList(draft.from ?? 'alice@sender.test')[0] ?? null,
    to: parseAddressList(draft.to),
    cc: parseAddressList(draft.cc),
    replyTo: [],
    envelope: { from: 'bounce@sender.test', to: draft.envelopeTo ?? [] },
    inReplyTo: null,
    references: [],
    text: 'hi',
    html: null,
    headers,
    attachments: [],
    auth: { spf: null, dkim: [] },
    spam: null,
    senderIp: null,
  });
}

describe('recipientsOf', () => {
  it('orders envelope, To, Cc, X-Original-To, X-Forwarded-To, Delivered-To and keeps the first source', () => {
    const found = recipientsOf(
      email({
        envelopeTo: ['Hidden@Example.com', 'a@example.com'],
        to: 'A <a@example.com>, b@example.com',
        cc: 'c@example.com',
        headers: [
          { name: 'Delivered-To', value: 'd@example.com' },
          { name: 'X-Forwarded-To', value: 'f@example.com' },
          { name: 'X-Original-To', value: '<o@example.com>' },
          { name: 'Delivered-To', value: 'hidden@example.com' },
        ],
      }),
    );
    expect(found).toEqual([
      { address: 'Hidden@Example.com', source: 'envelope' },
      { address: 'a@example.com', source: 'envelope' },
      { address: 'b@example.com', source: 'to' },
      { address: 'c@example.com', source: 'cc' },
      { address: 'o@example.com', source: 'x-original-to' },
      { address: 'f@example.com', source: 'x-forwarded-to' },
      { address: 'd@example.com', source: 'delivered-to' },
    ]);
  });
});

describe('address patterns', () => {
  it.each([
    ['support@example.com', 'SUPPORT@Example.COM', {}],
    ['post+{token}@blog.example.com', 'post+AbC123@blog.example.com', { token: 'AbC123' }],
    ['{list}@lists.example.com', 'rust-users@Lists.Example.com', { list: 'rust-users' }],
    ['{user}@{domain}', 'bob@mail.example.org', { user: 'bob', domain: 'mail.example.org' }],
    ['*@example.com', 'anyone@example.com', {}],
    ['{a}+{b}@x.test', 'p+q+r@x.test', { a: 'p', b: 'q+r' }],
    ['reply-{id}@{tenant}.example.com', 'reply-42@acme.example.com', { id: '42', tenant: 'acme' }],
  ])('%s matches %s', (pattern, address, params) => {
    expect(compileAddressPattern(pattern).match(address)).toEqual(params);
  });

  it.each([
    ['support@example.com', 'support+x@example.com'],
    ['support@example.com', 'support@example.com.evil.test'],
    ['*@example.com', 'a@sub.example.com'],
    ['*@example.com', '@example.com'],
    ['post+{token}@blog.example.com', 'post+@blog.example.com'],
    ['a.b@example.com', 'aXb@example.com'],
  ])('%s does not match %s', (pattern, address) => {
    expect(compileAddressPattern(pattern).match(address)).toBeNull();
  });

  it.each([
    ['no-at-sign'],
    ['a@b@c'],
    ['{x@y.com'],
    ['{1x}@y.com'],
    ['{a}{b}@y.com'],
    ['{a}-{a}@y.com'],
    ['@y.com'],
    ['x@'],
    ['a b@c.com'],
  ])('rejects %s at definition time', (pattern) => {
    expect(() => createRouter().add(pattern, 1)).toThrow(RoutePatternError);
  });
});

describe('Router.match', () => {
  it('matches exact addresses case-insensitively and reports where the recipient came from', () => {
    const router = createRouter<string>();
    router.add('support', 'support@example.com', 'S');
    const found = router.match(email({ envelopeTo: ['Support@EXAMPLE.com'] }));
    expect(found).toMatchObject({
      route: { name: 'support', target: 'S' },
      recipient: { address: 'Support@EXAMPLE.com', source: 'envelope' },
    });
  });

  it('routes Bcc-only mail through the envelope (no header names the address)', () => {
    const router = createRouter<string>();
    router.add('archive', 'archive@example.com', 'A');
    const found = router.match(email({ envelopeTo: ['archive@example.com'], to: 'someone@else.test' }));
    expect(found?.recipient).toEqual({ address: 'archive@example.com', source: 'envelope' });
  });

  it('routes forwarded mail by X-Forwarded-To and Delivered-To', () => {
    const router = createRouter<string>();
    router.add('team', '{team}@teams.example.com', 'T');
    const viaForward = router.match(
      email({
        envelopeTo: ['relay@gw.test'],
        to: 'x@y.test',
        headers: [{ name: 'X-Forwarded-To', value: 'ops@teams.example.com' }],
      }),
    );
    expect(viaForward).toMatchObject({ params: { team: 'ops' }, recipient: { source: 'x-forwarded-to' } });
    const viaDelivered = router.match(
      email({ envelopeTo: ['relay@gw.test'], headers: [{ name: 'Delivered-To', value: 'dev@teams.example.com' }] }),
    );
    expect(viaDelivered).toMatchObject({ params: { team: 'dev' }, recipient: { source: 'delivered-to' } });
  });

  it('tries recipients in order, then routes in declaration order', () => {
    const router = createRouter<string>();
    router.add('catch-all', '*@example.com', 'catch-all');
    router.add('sales', 'sales@example.com', 'sales');
    router.add('billing', 'billing@example.com', 'billing');
    // The envelope recipient billing@ comes first: the first route matching it is the catch-all.
    expect(router.match(email({ envelopeTo: ['billing@example.com'], to: 'sales@example.com' }))?.route.name).toBe(
      'catch-all',
    );
    // An envelope match beats a route declared earlier that only matches a header recipient.
    const specific = createRouter<string>();
    specific.add('sales', 'sales@example.com', 'sales');
    specific.add('billing', 'billing@example.com', 'billing');
    const found = specific.match(email({ envelopeTo: ['billing@example.com'], to: 'sales@example.com' }));
    expect(found).toMatchObject({ route: { name: 'billing' }, recipient: { source: 'envelope' } });
  });

  it('uses RegExp named groups as params', () => {
    const router = createRouter<string>();
    router.add(/^(?<team>[a-z]+)-alerts@example\.com$/i, 'R');
    const found = router.match(email({ envelopeTo: ['Ops-Alerts@example.com'] }));
    expect(found).toMatchObject({
      route: { name: '/^(?<team>[a-z]+)-alerts@example\\.com$/i' },
      params: { team: 'Ops' },
    });
  });

  it('ignores lastIndex of global RegExps', () => {
    const router = createRouter<string>();
    router.add(/^x@example\.com$/g, 'R');
    const mail = email({ envelopeTo: ['x@example.com'] });
    expect(router.match(mail)).not.toBeNull();
    expect(router.match(mail)).not.toBeNull();
  });

  it('matches predicates on the whole email at the first recipient, calling them once', () => {
    const router = createRouter<string>();
    let calls = 0;
    router.add(
      'big',
      (mail) => {
        calls += 1;
        return mail.subject.startsWith('BIG');
      },
      'P',
    );
    expect(router.match(email({ envelopeTo: ['a@x.test', 'b@x.test'], subject: 'small' }))).toBeNull();
    expect(calls).toBe(1);
    expect(router.match(email({ envelopeTo: ['a@x.test', 'b@x.test'], subject: 'BIG news' }))).toMatchObject({
      recipient: { address: 'a@x.test' },
    });
  });

  it('combines from, subject and header conditions', () => {
    const router = createRouter<string>();
    router.add('tickets', { to: 'support@example.com', from: '*@partner.test', subject: /\[#(?<ticket>\d+)\]/ }, 'T');
    router.add('auto', { to: 'support@example.com', header: { name: 'Auto-Submitted', value: /^auto-/ } }, 'A');
    router.add('list', { header: { name: 'List-Id', value: '<dev.lists.example.com>' } }, 'L');
    router.add('from-regex', { from: /^(?<who>[^@]+)@vip\.test$/ }, 'V');
    expect(
      router.match(
        email({ envelopeTo: ['support@example.com'], from: 'Ann <ann@partner.test>', subject: 'Re: [#42] help' }),
      ),
    ).toMatchObject({ route: { name: 'tickets' }, params: { ticket: '42' } });
    // Same ticket subject from an unknown sender: the from condition fails.
    expect(
      router.match(email({ envelopeTo: ['support@example.com'], from: 'eve@evil.test', subject: '[#42]' })),
    ).toBeNull();
    expect(
      router.match(
        email({ envelopeTo: ['support@example.com'], headers: [{ name: 'Auto-Submitted', value: 'auto-replied' }] }),
      )?.route.name,
    ).toBe('auto');
    expect(
      router.match(
        email({ envelopeTo: ['z@x.test'], headers: [{ name: 'List-Id', value: '<DEV.lists.example.com>' }] }),
      )?.route.name,
    ).toBe('list');
    expect(router.match(email({ envelopeTo: ['z@x.test'], from: 'kim@vip.test' }))?.params).toEqual({ who: 'kim' });
  });

  it('rejects empty or unknown matcher keys', () => {
    expect(() => createRouter().add({}, 1)).toThrow(RoutePatternError);
    expect(() => createRouter().add({ too: 'x@y.z' } as never, 1)).toThrow(/unknown matcher key "too"/);
  });

  it('falls back, or returns null when there is no fallback', () => {
    const router = createRouter<string>();
    router.add('support', 'support@example.com', 'S');
    const mail = email({ envelopeTo: ['nobody@example.com'] });
    expect(router.match(mail)).toBeNull();
    router.fallback('F');
    expect(router.match(mail)).toMatchObject({
      route: { name: 'fallback', target: 'F' },
      fallback: true,
      recipient: null,
    });
  });

  it('names routes after their pattern and refuses duplicate or reserved names', () => {
    const router = createRouter<number>();
    expect(router.add('a@example.com', 1).name).toBe('a@example.com');
    expect(router.add('a@example.com', 2).name).toBe('a@example.com#2');
    expect(router.add({ to: 'b@example.com', subject: /x/ }, 3).name).toBe('to=b@example.com subject=/x/');
    expect(
      router.add(function vip() {
        return true;
      }, 4).name,
    ).toBe('predicate:vip');
    router.add('named', 'c@example.com', 5);
    expect(() => router.add('named', 'd@example.com', 6)).toThrow(RouteNameError);
    expect(() => router.add('fallback', 'd@example.com', 6)).toThrow(RouteNameError);
    expect(router.routes.map((r) => r.target)).toEqual([1, 2, 3, 4, 5]);
  });

  it('forces a route by name for replay, with params when it matches and empty params when not', () => {
    const router = createRouter<string>();
    router.add('posts', 'post+{token}@blog.example.com', 'P');
    router.add('support', 'support@example.com', 'S');
    const mail = email({ envelopeTo: ['support@example.com'], to: 'post+t1@blog.example.com' });
    expect(router.match(mail)?.route.name).toBe('support');
    expect(router.match(mail, { forcedRoute: 'posts' })).toMatchObject({
      route: { name: 'posts' },
      params: { token: 't1' },
      forced: true,
      recipient: { source: 'to' },
    });
    const other = email({ envelopeTo: ['x@elsewhere.test'] });
    expect(router.match(other, { forcedRoute: 'support' })).toMatchObject({
      params: {},
      forced: true,
      recipient: { address: 'x@elsewhere.test' },
    });
    expect(() => router.match(other, { forcedRoute: 'nope' })).toThrow(RouteNameError);
    expect(() => router.match(other, { forcedRoute: 'fallback' })).toThrow(RouteNameError);
    router.fallback('F');
    expect(router.match(mail, { forcedRoute: 'fallback' })).toMatchObject({ fallback: true, forced: true });
  });
});
