import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { base32Decode, base32Encode } from './base32.js';
import { createReplyAddresses, ReplyAddressError } from './reply-address.js';
import { createMessageIds } from './message-id.js';

const oldKey = { id: '2026-05', secret: 'old-secret-0123456789abcdef' };
const newKey = { id: '2026-11', secret: 'new-secret-0123456789abcdef' };
const domain = 'replies.example.com';

describe('base32', () => {
  it('round-trips any bytes and rejects non-canonical text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const text = base32Encode(bytes);
        expect(text).toMatch(/^[a-z2-7]*$/);
        expect(base32Decode(text)).toEqual(bytes);
      }),
    );
    expect(base32Decode('aa')).toEqual(new Uint8Array([0]));
    expect(base32Decode('ab')).toBeNull(); // trailing bits set
    expect(base32Decode('a1')).toBeNull();
    expect(base32Decode('abc')).toBeNull(); // impossible length
  });
});

describe('createReplyAddresses', () => {
  const addresses = createReplyAddresses({ keys: [newKey, oldKey], domain });

  it('creates a short lower-case address that verifies for its recipient', () => {
    const address = addresses.create({ scope: 'ticket:42', recipient: 'Ann@Example.com' });
    expect(address).toMatch(/^reply\+[a-z2-7]+@replies\.example\.com$/);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    const result = addresses.verify(address, { recipient: 'ann@example.com' });
    expect(result).toMatchObject({ ok: true, scope: 'ticket:42', recipient: 'ann@example.com', keyId: '2026-11' });
    if (result.ok) expect(result.expiresAt.getTime()).toBeGreaterThan(Date.now() + 179 * 86400_000);
  });

  it('still verifies after an MTA upper-cases or lower-cases the local part, and without the +', () => {
    const address = addresses.create({ scope: 'ticket:42', recipient: 'ann@example.com' });
    const token = addresses.createToken({ scope: 'ticket:42', recipient: 'ann@example.com' });
    for (const variant of [
      address.toUpperCase(),
      `<${address}>`,
      token,
      token.toUpperCase(),
      `reply${token}@${domain}`,
      `reply-${token}@${domain}`,
    ]) {
      expect(addresses.verify(variant, { recipient: 'ANN@example.com' })).toMatchObject({
        ok: true,
        scope: 'ticket:42',
      });
    }
  });

  it('refuses a different sender with wrong-recipient, but works as a bearer token without one', () => {
    const address = addresses.create({ scope: 'ticket:42', recipient: 'ann@example.com' });
    expect(addresses.verify(address, { recipient: 'mallory@example.com' })).toEqual({
      ok: false,
      reason: 'wrong-recipient',
    });
    expect(addresses.verify(address)).toMatchObject({ ok: true, scope: 'ticket:42', recipient: null });
  });

  it('detects forged tokens: every single-character change fails', () => {
    const token = addresses.createToken({ scope: 'ticket:42', recipient: 'ann@example.com' });
    for (let i = 0; i < token.length; i++) {
      const replacement = token[i] === 'a' ? 'b' : 'a';
      const forged = token.slice(0, i) + replacement + token.slice(i + 1);
      const result = addresses.verify(forged, { recipient: 'ann@example.com' });
      expect(result.ok, `position ${i}`).toBe(false);
    }
    // A token signed with a secret we do not hold but the same key id: bad-signature.
    const attacker = createReplyAddresses({ keys: [{ id: newKey.id, secret: 'guessed-secret-0123456789' }], domain });
    const forged = attacker.create({ scope: 'ticket:1', recipient: 'mallory@example.com' });
    expect(addresses.verify(forged, { recipient: 'mallory@example.com' })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(addresses.verify('reply+hello@replies.example.com')).toEqual({ ok: false, reason: 'malformed' });
    expect(addresses.verify('')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('expires', () => {
    let now = new Date('2026-11-26T12:00:00Z');
    const clocked = createReplyAddresses({ keys: [newKey], domain, now: () => now });
    const address = clocked.create({ scope: 'ticket:42', recipient: 'ann@example.com', ttlSeconds: 3600 });
    now = new Date('2026-11-26T12:59:59Z');
    expect(clocked.verify(address, { recipient: 'ann@example.com' })).toMatchObject({
      ok: true,
      expiresAt: new Date('2026-11-26T13:00:00Z'),
    });
    now = new Date('2026-11-26T13:00:00Z');
    expect(clocked.verify(address, { recipient: 'ann@example.com' })).toEqual({ ok: false, reason: 'expired' });
  });

  it('rotates keys: the old key still verifies, the new key signs, a removed key is unknown', () => {
    const before = createReplyAddresses({ keys: [oldKey], domain });
    const issuedBefore = before.create({ scope: 'ticket:7', recipient: 'ann@example.com' });
    const after = createReplyAddresses({ keys: [newKey, oldKey], domain });
    expect(after.verify(issuedBefore, { recipient: 'ann@example.com' })).toMatchObject({ ok: true, keyId: '2026-05' });
    const issuedAfter = after.create({ scope: 'ticket:7', recipient: 'ann@example.com' });
    expect(after.verify(issuedAfter, { recipient: 'ann@example.com' })).toMatchObject({ ok: true, keyId: '2026-11' });
    expect(before.verify(issuedAfter)).toEqual({ ok: false, reason: 'unknown-key' });
    const retired = createReplyAddresses({ keys: [newKey], domain });
    expect(retired.verify(issuedBefore)).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('rejects scopes that do not fit a 64-octet local part with a clear error', () => {
    expect(addresses.maxScopeBytes).toBe(18);
    const longest = 'x'.repeat(addresses.maxScopeBytes);
    const address = addresses.create({ scope: longest, recipient: 'ann@example.com' });
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(addresses.verify(address, { recipient: 'ann@example.com' })).toMatchObject({ ok: true, scope: longest });
    expect(() => addresses.create({ scope: `${longest}y`, recipient: 'ann@example.com' })).toThrow(ReplyAddressError);
    expect(() => addresses.create({ scope: `${longest}y`, recipient: 'ann@example.com' })).toThrow(/at most 18/);
    expect(() => addresses.create({ scope: '', recipient: 'ann@example.com' })).toThrow(/empty/);
    expect(() => createReplyAddresses({ keys: [{ id: 'k', secret: 'short' }], domain })).toThrow(/16 bytes/);
  });

  it('round-trips arbitrary scopes and recipients', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 6 }), fc.emailAddress(), (scope, recipient) => {
        const address = addresses.create({ scope, recipient });
        expect(addresses.verify(address, { recipient })).toMatchObject({ ok: true, scope });
      }),
      { numRuns: 200 },
    );
  });
});

describe('createMessageIds', () => {
  const ids = createMessageIds({ keys: [newKey, oldKey], domain: 'mail.example.com' });

  it('signs scopes into Message-IDs and finds them in In-Reply-To and References', () => {
    const first = ids.createMessageId('ticket:42');
    const second = ids.createMessageId('ticket:42');
    expect(first).not.toBe(second);
    expect(first).toMatch(/^[a-z2-7]+@mail\.example\.com$/);
    const other = ids.createMessageId('ticket:9');
    const found = ids.verifyMessageIds({
      inReplyTo: `<${second.toUpperCase()}>`,
      references: [other, first, 'x@gmail.com'],
    });
    expect(found.map((f) => f.scope)).toEqual(['ticket:42', 'ticket:9']);
  });

  it('ignores foreign, unsigned and tampered ids', () => {
    const id = ids.createMessageId('ticket:42');
    const [left, right] = id.split('@') as [string, string];
    const tampered = `${left.slice(0, 12)}${left[12] === 'a' ? 'b' : 'a'}${left.slice(13)}@${right}`;
    expect(
      ids.verifyMessageIds({ inReplyTo: tampered, references: [`${left}@evil.example`, ids.createMessageId()] }),
    ).toEqual([]);
    const stranger = createMessageIds({
      keys: [{ id: newKey.id, secret: 'someone-elses-secret-123' }],
      domain: 'mail.example.com',
    });
    expect(ids.verifyMessageId(stranger.createMessageId('ticket:1'))).toBeNull();
  });
});
