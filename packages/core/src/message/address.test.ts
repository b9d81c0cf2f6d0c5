import { describe, expect, it } from 'vitest';
import { MAX_ADDRESSES, MAX_ADDRESS_CHARS, parseAddress, parseAddressList } from './address.js';

const recipients = (n: number) => Array.from({ length: n }, (_, i) => `"User ${i}, Esq." <user${i}@example.com>`);

describe('parseAddressList', () => {
  it('keeps quoted commas, groups, comments and encoded-word names', () => {
    expect(
      parseAddressList(
        '"Doe, Jane" <jane@example.com>, Team: a@example.com, (c) b@example.com;, =?utf-8?Q?J=C3=B5geva?= <j@example.com>',
      ),
    ).toEqual([
      { address: 'jane@example.com', name: 'Doe, Jane' },
      { address: 'a@example.com', name: '' },
      { address: 'b@example.com', name: 'c' },
      { address: 'j@example.com', name: 'Jõgeva' },
    ]);
    expect(parseAddressList('undisclosed-recipients:;')).toEqual([]);
    expect(parseAddress('Ann <ann@xn--mnchen-3ya.example>')).toEqual({
      address: 'ann@xn--mnchen-3ya.example',
      name: 'Ann',
    });
  });

  it('a 10,000-recipient To header yields all 10,000 mailboxes', () => {
    const list = parseAddressList(recipients(10_000).join(',\r\n '));
    expect(list).toHaveLength(10_000);
    expect(list[9_999]).toEqual({ address: 'user9999@example.com', name: 'User 9999, Esq.' });
  });

  it(`stops at ${MAX_ADDRESSES} mailboxes, cut at a separator outside quotes`, () => {
    const list = parseAddressList(recipients(MAX_ADDRESSES + 5_000).join(', '));
    expect(list).toHaveLength(MAX_ADDRESSES);
    expect(list.at(-1)).toEqual({
      address: `user${MAX_ADDRESSES - 1}@example.com`,
      name: `User ${MAX_ADDRESSES - 1}, Esq.`,
    });
    expect(parseAddressList('a@x.org, b@x.org, c@x.org', { maxAddresses: 2 })).toEqual([
      { address: 'a@x.org', name: '' },
      { address: 'b@x.org', name: '' },
    ]);
  });

  it(`reads at most ${MAX_ADDRESS_CHARS} characters, ending at the last whole mailbox`, () => {
    const value = `${'x'.repeat(MAX_ADDRESS_CHARS - 30)} <first@example.com>, second@example.com, ${'y'.repeat(200)}@example.com`;
    expect(parseAddressList(value).map((a) => a.address)).toEqual(['first@example.com']);
  });

  it.each([
    ['768 KB of "a,a,a,…"', 'a,'.repeat(384 * 1024), 0],
    ['768 KB of "a@a@a@…"', 'a@'.repeat(384 * 1024), 1],
    ['768 KB of ":" groups', 'a:'.repeat(384 * 1024), 0],
    ['768 KB of quoted names', '"a",'.repeat(192 * 1024), 0],
    ['768 KB of one unterminated comment', `(${'a@b.c, '.repeat(100 * 1024)}`, 0],
  ])('%s parses to a bounded result', (_, value, most) => {
    expect(parseAddressList(value).length).toBeLessThanOrEqual(most);
  });
});
