import { describe, expect, it } from 'vitest';
import { FormData } from './form.js';
import { MAX_DKIM_FIELD_LENGTH, parseDkim, parseSpf } from './form-fields.js';
import type { FormPart } from './multipart.js';

describe("parseDkim: SendGrid's `{@domain : result}` field, read strictly", () => {
  it('reads what SendGrid sends: one entry, several entries, several brace groups, none', () => {
    expect(parseDkim('{@gmail.com : pass}')).toEqual([{ domain: 'gmail.com', result: 'pass' }]);
    expect(parseDkim('{@NEILPOULIN-com.20150623.gappssmtp.com : pass}')).toEqual([
      { domain: 'NEILPOULIN-com.20150623.gappssmtp.com', result: 'pass' },
    ]);
    expect(parseDkim('{@company.com : pass, @sendgrid.com : temperror}')).toEqual([
      { domain: 'company.com', result: 'pass' },
      { domain: 'sendgrid.com', result: 'temperror' },
    ]);
    expect(parseDkim(' { @a.example : PASS } , { @b.example : fail } ')).toEqual([
      { domain: 'a.example', result: 'pass' },
      { domain: 'b.example', result: 'fail' },
    ]);
    expect(parseDkim('{@a.example:pass}{@b.example:fail}')).toHaveLength(2);
    expect(parseDkim('none')).toEqual([]);
    expect(parseDkim('')).toEqual([]);
    expect(parseDkim(undefined)).toEqual([]);
  });

  it('reads a hostile but well-formed value as what it says: only evil.com passed', () => {
    expect(parseDkim('{@evil.com : pass, @victim.com : fail}')).toEqual([
      { domain: 'evil.com', result: 'pass' },
      { domain: 'victim.com', result: 'fail' },
    ]);
  });

  it('gives no result at all for anything outside the grammar, so free text never becomes a passing domain', () => {
    const hostile = [
      '{{@victim.com : pass}}', // nested braces
      '{@evil.com : fail {@victim.com : pass}}',
      '{@victim.com:pass.evil.com : fail}', // a colon inside the domain
      '{@victim.com : pass : fail}',
      '{@victim.com : pass extra words}',
      '{@victim .com : pass}', // a blank inside the domain
      '{victim.com : pass}', // no @
      '@victim.com : pass', // no braces
      '{@victim.com : pass', // unclosed
      '{@victim.com : pass}}',
      '{@victim.com : pass}, junk',
      '{@victim.com : pass,}',
      '{}',
      '{@victim..com : pass}',
      '{@victim.com. : pass}',
      '{@victim.com : pa55}',
      '{@victim.com : pass}\r\nX-Injected: yes',
      `{@${'a'.repeat(64)}.com : pass}`, // a label longer than 63
      `{@${Array.from({ length: 130 }, () => 'a').join('.')} : pass}`, // a domain longer than 253
      `{${Array.from({ length: 33 }, (_, i) => `@d${i}.example : pass`).join(', ')}}`, // more than 32 entries
    ];
    for (const value of hostile) expect(parseDkim(value), value).toEqual([]);
  });

  it('bounds huge values: over 4 KiB is no result, and the work stays linear', () => {
    expect(parseDkim(`{@victim.com : pass}${' '.repeat(MAX_DKIM_FIELD_LENGTH)}x`)).toEqual([]);
    // Near-misses the size of the cap, built to make a backtracking grammar retry: each is refused in one pass.
    const almost = `{@${'a.'.repeat(1000)}`;
    expect(parseDkim(almost.slice(0, MAX_DKIM_FIELD_LENGTH))).toEqual([]);
    expect(parseDkim(`{@a.com${' '.repeat(4000)}: pass`)).toEqual([]);
    expect(parseDkim('x'.repeat(10 * 1024 * 1024))).toEqual([]);
  });
});

describe('parseSpf: one RFC 7208 result word or nothing', () => {
  it('keeps the results SendGrid reports, lower-cased', () => {
    for (const result of ['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror'])
      expect(parseSpf(` ${result.toUpperCase()} `)).toBe(result);
  });

  it('reads anything else as no result', () => {
    for (const value of ['', 'pass (because I say so)', 'pass, fail', 'passed', 'pass\r\nX: y', 'x'.repeat(100_000)])
      expect(parseSpf(value), value).toBeNull();
    expect(parseSpf(undefined)).toBeNull();
  });
});

describe('verdict fields sent twice', () => {
  const part = (name: string, value: string): FormPart => ({
    name,
    filename: undefined,
    contentType: undefined,
    data: Buffer.from(value),
  });

  it('reads a repeated dkim or SPF field as absent (a second copy can only be injected), a single one as sent', () => {
    const single = new FormData([part('dkim', '{@a.example : pass}'), part('SPF', 'pass')]).metadata().auth;
    expect(single).toEqual({ spf: 'pass', dkim: [{ domain: 'a.example', result: 'pass' }] });
    const injected = new FormData([
      part('dkim', '{@victim.example : pass}'),
      part('SPF', 'pass'),
      part('dkim', '{@a.example : fail}'),
      part('SPF', 'fail'),
    ]).metadata().auth;
    expect(injected).toEqual({ spf: null, dkim: [] });
  });
});
