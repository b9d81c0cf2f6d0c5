/** The envelope headers' rules, on values no HTTP client would send (CR, LF, NUL): the endpoint must refuse them too. */
import { describe, expect, it } from 'vitest';
import { IngressError } from '../errors.js';
import { parseRelayEnvelope, relayEnvelopeHeaders, splitAddressList } from './envelope.js';

describe('parseRelayEnvelope', () => {
  it('refuses control characters, so no value can smuggle a header line or cut an address short', () => {
    for (const to of ['a@x.example.com\r\nBcc: evil@example.org', 'a@x.example.com\n', 'a@x\u0000.example.com']) {
      const refused = (() => {
        try {
          return parseRelayEnvelope(null, to);
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toBeInstanceOf(IngressError);
      expect(refused).toMatchObject({ status: 400, code: 'malformed_envelope' });
    }
    expect(() => parseRelayEnvelope('bounce@example.org\r', null)).toThrow(/control character/);
  });

  it('reads the null sender, brackets, empty entries and quoted commas', () => {
    expect(parseRelayEnvelope('<>', ' <a@x.example.com> ,, "b,\\"c"@y.example.com ,')).toEqual({
      from: null,
      to: ['a@x.example.com', '"b,\\"c"@y.example.com'],
    });
    expect(parseRelayEnvelope('', '')).toEqual({ from: null, to: [] });
    expect(parseRelayEnvelope(null, null)).toEqual({ from: null, to: [] });
    expect(splitAddressList('"unterminated, a@b')).toEqual(['"unterminated, a@b']);
  });

  it('round-trips what relayEnvelopeHeaders writes, UTF-8 included', () => {
    const envelope = { from: 'jörg@example.org', to: ['ü@x.example.com', '"a b"@y.example.com'] };
    const headers = relayEnvelopeHeaders(envelope);
    expect(headers['X-Mailroom-Envelope-From']).toBe(Buffer.from('jörg@example.org').toString('latin1'));
    expect(parseRelayEnvelope(headers['X-Mailroom-Envelope-From']!, headers['X-Mailroom-Envelope-To']!)).toEqual(
      envelope,
    );
    expect(relayEnvelopeHeaders({ from: null, to: [] })).toEqual({});
    expect(() => relayEnvelopeHeaders({ from: null, to: ['a@x.example.com,b@x.example.com'] })).toThrow(/comma/);
    expect(() => relayEnvelopeHeaders({ from: 'a\nb@example.org', to: [] })).toThrow(/control character/);
  });
});
