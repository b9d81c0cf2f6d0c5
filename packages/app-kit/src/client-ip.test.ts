import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailroomConfigurationError, startServer, type RunningServer } from '@mailroom/core';
import { createTestStore, type TestStore } from '@mailroom/core/testing';
import { clientAddress, createAppKit, parseTrustProxy, type TrustProxy } from './index.js';

describe('TRUST_PROXY', () => {
  it('trusts nobody unless told, and refuses settings that would let the client choose its address', () => {
    for (const off of [undefined, '', ' ', '0', 'false', 'FALSE']) expect(parseTrustProxy(off)).toBeNull();
    expect(() => parseTrustProxy('true')).toThrow(MailroomConfigurationError);
    expect(() => parseTrustProxy('true')).toThrow(/any client's X-Forwarded-For/);
    expect(() => parseTrustProxy('banana')).toThrow(/TRUST_PROXY: .*expected a number of proxies/);
    expect(() => parseTrustProxy('10.0.0.0/99')).toThrow(MailroomConfigurationError);
    expect(() => parseTrustProxy('-1')).toThrow(MailroomConfigurationError);
  });

  it('reads hop counts, addresses, CIDRs and proxy-addr names', () => {
    const hops = parseTrustProxy('2')!;
    expect([hops('203.0.113.1', 0), hops('203.0.113.1', 1), hops('203.0.113.1', 2)]).toEqual([true, true, false]);
    const listed = parseTrustProxy(' loopback , 10.0.0.0/8, 192.0.2.7')!;
    expect(['127.0.0.1', '::1', '10.9.8.7', '192.0.2.7'].map((a) => listed(a, 0))).toEqual([true, true, true, true]);
    expect(['192.0.2.8', '203.0.113.1'].map((a) => listed(a, 0))).toEqual([false, false]);
  });
});

/** A server answering with the address the throttle would key on, for one trust setting per path. */
describe('clientAddress over real HTTP (the TCP peer is 127.0.0.1)', () => {
  let server: RunningServer;
  let url: string;
  const settings: Record<string, TrustProxy> = {
    default: null,
    untrusted: parseTrustProxy('10.0.0.0/8'),
    loopback: parseTrustProxy('loopback'),
    'one-hop': parseTrustProxy('1'),
    chain: parseTrustProxy('loopback, 10.0.0.0/8'),
  };

  beforeAll(async () => {
    const app = new Hono();
    app.get('/:setting', (c) => c.text(clientAddress(c, settings[c.req.param('setting')] ?? null)));
    server = await startServer(app.fetch, { hostname: '127.0.0.1' });
    url = server.url;
  });
  afterAll(() => server?.close());

  const seen = async (setting: string, forwarded?: string) =>
    (
      await fetch(`${url}/${setting}`, { headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } })
    ).text();

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    expect(await seen('default', '203.0.113.9')).toBe('127.0.0.1');
    expect(await seen('untrusted', '203.0.113.9')).toBe('127.0.0.1');
    expect(await seen('default', `${'9.'.repeat(5000)}9`)).toBe('127.0.0.1');
  });

  it('believes a trusted peer, taking the right-most hop that is not a trusted proxy', async () => {
    expect(await seen('loopback', '203.0.113.9')).toBe('203.0.113.9');
    expect(await seen('one-hop', '203.0.113.9')).toBe('203.0.113.9');
    // The client wrote "6.6.6.6" itself; our proxy appended the address it saw.
    expect(await seen('loopback', '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9');
    expect(await seen('chain', '6.6.6.6, 203.0.113.9, 10.1.2.3')).toBe('203.0.113.9');
    expect(await seen('one-hop', '6.6.6.6, 203.0.113.9, 10.1.2.3')).toBe('10.1.2.3');
    // A trusted proxy that forwarded nothing: the peer itself.
    expect(await seen('loopback')).toBe('127.0.0.1');
  });

  it('keys on at most 64 characters, whatever a proxy passed on', async () => {
    expect((await seen('loopback', 'x'.repeat(10_000))).length).toBeLessThanOrEqual(64);
  });
});

/** The kit's throttle per address follows the setting: behind a trusted proxy each client has its own counter. */
describe('login throttling behind a reverse proxy', () => {
  let store: TestStore;
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    store = await createTestStore();
    const app = new Hono();
    for (const [realm, trustProxy] of [
      ['direct', null],
      ['proxied', parseTrustProxy('loopback')],
    ] as const) {
      const kit = await createAppKit({
        store,
        realm,
        trustProxy,
        secret: 'a test secret of at least thirty-two characters',
        cookie: { name: `${realm}_session`, path: '/', secure: false, ttlMs: 3600_000 },
        throttle: { address: { points: 3, durationSeconds: 3600, blockSeconds: 3600 } },
      });
      app.post(`/${realm}/login`, async (c) => {
        const result = await kit.login(c, String((await c.req.parseBody()).user), async () => null);
        return c.text(result.kind, result.kind === 'throttled' ? 429 : 401);
      });
    }
    server = await startServer(app.fetch, { hostname: '127.0.0.1' });
    url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await store?.close();
  });

  /** Wrong guesses at different accounts (only the per-address limit applies), each with its own X-Forwarded-For. */
  const guesses = async (realm: string, forwardedFor: (i: number) => string, count: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${url}/${realm}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor(i) },
        body: new URLSearchParams({ user: `user${i}@${realm}.test` }),
      });
      statuses.push(response.status);
    }
    return statuses;
  };

  it('without trust, rotating a spoofed X-Forwarded-For does not escape the per-address limit', async () => {
    expect(await guesses('direct', (i) => `198.51.100.${i}`, 5)).toEqual([401, 401, 401, 429, 429]);
  });

  it('behind a trusted proxy, each forwarded client has its own limit and spoofing the left of the header does not help', async () => {
    expect(await guesses('proxied', (i) => `${i}.${i}.${i}.${i}, 203.0.113.1`, 5)).toEqual([401, 401, 401, 429, 429]);
    // Another client behind the same proxy is not throttled by the first one's failures.
    expect(await guesses('proxied', () => '203.0.113.2', 1)).toEqual([401]);
  });
});
