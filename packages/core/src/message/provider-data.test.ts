import { describe, expect, it } from 'vitest';
import { emptyProviderData, MAX_PROVIDER_STRING, providerDataOf } from './provider-data.js';

const postmark = {
  name: 'postmark',
  messageId: '22c74902-a0c1-4511-804f-341342852c90',
  messageStream: 'inbound',
  mailboxHash: 'ticket-42',
  originalRecipient: 'support+ticket-42@inbound.example.com',
  tag: null,
  spamScore: -0.1,
  spamStatus: 'No',
  spamTests: 'DKIM_SIGNED,DKIM_VALID',
};

describe('providerDataOf', () => {
  it("keeps a provider's data as given, missing fields null and unknown keys dropped", () => {
    expect(providerDataOf('postmark', postmark)).toEqual(postmark);
    const { tag: _tag, ...withoutTag } = postmark;
    expect(providerDataOf('postmark', { ...withoutTag, extra: 'x' })).toEqual(postmark);
  });

  it('is no data for anything else: another name, a mistyped field, not an object', () => {
    const empty = emptyProviderData('postmark');
    expect(empty).toMatchObject({ name: 'postmark', messageId: null, spamScore: null });
    expect(providerDataOf('postmark', { ...postmark, name: 'mailgun' })).toEqual(empty);
    expect(providerDataOf('postmark', { ...postmark, spamScore: '5' })).toEqual(empty);
    expect(providerDataOf('postmark', { ...postmark, spamScore: Number.NaN })).toEqual(empty);
    expect(providerDataOf('postmark', { ...postmark, tag: ['a'] })).toEqual(empty);
    for (const value of [null, undefined, 'postmark', [postmark], 42]) {
      expect(providerDataOf('postmark', value)).toEqual(empty);
    }
    expect(providerDataOf('ses', { name: 'ses', spam: 'pass' })).toEqual(emptyProviderData('ses'));
    expect(providerDataOf('smtp', { name: 'smtp', tls: 'yes' })).toEqual(emptyProviderData('smtp'));
  });

  it('cuts every string, without a lone surrogate at the cut, and drops NUL', () => {
    const long = 'a'.repeat(MAX_PROVIDER_STRING - 1) + '😀' + 'b'.repeat(5000);
    const data = providerDataOf('mailgun', { name: 'mailgun', recipient: long, token: 'to\u0000ken' });
    expect(data).toMatchObject({ recipient: 'a'.repeat(MAX_PROVIDER_STRING - 1), token: 'token' });
    expect(JSON.stringify(data).length).toBeLessThan(MAX_PROVIDER_STRING + 200);
  });
});
