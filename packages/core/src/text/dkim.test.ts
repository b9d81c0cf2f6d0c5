import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { authVerdict } from './auth.js';
import { verifyDkim, withoutSignaturesPast, type DkimCheck, type TxtResolver } from './dkim.js';

const body = 'From: a@example.com\r\nSubject: s\r\n\r\nDKIM-Signature: in the body stays\r\n';
const signature = (d: string) => `DKIM-Signature: v=1; a=rsa-sha256; d=${d}; s=s;\r\n\tbh=AAAA; h=from;\r\n b=AAAA\r\n`;

describe('withoutSignaturesPast', () => {
  it('keeps the first signatures, continuation lines included, and never touches the body', () => {
    const message = Buffer.from(
      signature('one.example') + 'dkim-signature  : v=1; d=two.example; s=s\r\n' + signature('three.example') + body,
    );
    const kept = withoutSignaturesPast(message, 2).toString();
    expect(kept).toBe(signature('one.example') + 'dkim-signature  : v=1; d=two.example; s=s\r\n' + body);
    expect(withoutSignaturesPast(message, 0).toString()).toBe(body);
    expect(withoutSignaturesPast(message, 5)).toBe(message); // nothing dropped: the same buffer
  });

  it('reads LF-only messages and a message without a body; a look-alike field name is not a signature', () => {
    const lf = Buffer.from('DKIM-Signature: d=a\nDKIM-Signature: d=b\n x\nDKIM-Signatures: d=c\nFrom: a@x\n\nbody\n');
    expect(withoutSignaturesPast(lf, 1).toString()).toBe(
      'DKIM-Signature: d=a\nDKIM-Signatures: d=c\nFrom: a@x\n\nbody\n',
    );
    expect(withoutSignaturesPast(Buffer.from('DKIM-Signature: d=a\r\nDKIM-Signature: d=b'), 1).toString()).toBe(
      'DKIM-Signature: d=a\r\n',
    );
  });

  it('is linear: 100,000 signature fields and a 1 MB continuation line', () => {
    const many = Buffer.from(
      signature('x.example').repeat(100_000) + `X-Long: a\r\n${' b'.repeat(500_000)}\r\n` + body,
    );
    const started = performance.now();
    const kept = withoutSignaturesPast(many, 5);
    expect(performance.now() - started).toBeLessThan(2_000); // quadratic would be hours; this is a sanity bound, not a benchmark
    expect(kept.toString().split('DKIM-Signature: v=1').length - 1).toBe(5);
  });
});

describe('verifyDkim DNS budget', () => {
  it('shares one budget across every lookup of a message: a resolver that never answers costs timeoutMs once', async () => {
    const lookups: string[] = [];
    const never: TxtResolver = (name) => {
      lookups.push(name);
      return new Promise(() => undefined);
    };
    // bh= is the simple-canonicalization hash of an empty body, so every signature gets as far as its key lookup.
    const signatures = ['a', 'b', 'c']
      .map((d) => signature(`${d}.example`).replace('bh=AAAA', 'bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY='))
      .join('');
    const started = performance.now();
    const results = await verifyDkim(Buffer.from(`${signatures}From: a@a.example\r\n\r\n`), {
      resolver: never,
      timeoutMs: 200,
    });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(lookups).toHaveLength(1); // after the first times out, the budget is spent: the others fail at once
    expect(results.map((r) => r.result)).toEqual(['temperror', 'temperror', 'temperror']);
    expect(results[0]!.comment).toBe('DNS failure: ETIMEOUT');
  });
});

describe('authVerdict with a dkimCheck', () => {
  const check = (result: string): DkimCheck => ({
    status: 'verified',
    results: [{ domain: 'example.com', result, selector: 's', comment: null }],
    checkedAt: '2026-12-02T00:00:00.000Z',
  });
  const from = { address: 'a@example.com', name: '' };

  it("reads Mailroom's results and ignores SendGrid's dkim field", () => {
    const claimsPass = { spf: null, dkim: [{ domain: 'example.com', result: 'pass' }] };
    expect(authVerdict({ from, auth: claimsPass, envelope: { from: null }, dkimCheck: check('fail') })).toMatchObject({
      aligned: false,
      dkimSource: 'mailroom',
    });
    expect(
      authVerdict({ from, auth: { spf: null, dkim: [] }, envelope: { from: null }, dkimCheck: check('pass') }),
    ).toMatchObject({ aligned: true, dkimSource: 'mailroom' });
  });

  it("still lets SendGrid's aligned SPF vouch (SPF is SendGrid's to check)", () => {
    const verdict = authVerdict({
      from,
      auth: { spf: 'pass', dkim: [] },
      envelope: { from: 'b@example.com' },
      dkimCheck: check('temperror'),
    });
    expect(verdict).toMatchObject({ aligned: true, rule: 'spf', dkimSource: 'mailroom' });
  });
});

describe('verifyDkim line endings', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = {
    signingDomain: 'example.com',
    selector: 's',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const resolver: TxtResolver = async () => [
    [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`],
  ];

  it('verifies LF-only and mixed messages longer than a chunk, a CRLF split across chunks included', async () => {
    const head = 'From: a@example.com\nSubject: lines\n\n';
    const build = (fillerLength: number) =>
      Buffer.from(`${head}${'x'.repeat(fillerLength)}\r\n${'line  with\tspace \n'.repeat(20_000)}end\n`);
    const signedWith = async (fillerLength: number) => {
      const lf = build(fillerLength);
      const { signatures } = await dkimSign(lf, { ...key, signatureData: [key] });
      return Buffer.concat([Buffer.from(signatures), lf]);
    };
    // The signature field's length does not depend on the filler: size the filler so the CR is the last byte of the first 64 KiB chunk.
    const signatureLength = (await signedWith(10)).length - build(10).length;
    const message = await signedWith(65_535 - signatureLength - head.length);
    expect([message[65_535], message[65_536]]).toEqual([0x0d, 0x0a]);
    expect((await verifyDkim(message, { resolver })).map((r) => r.result)).toEqual(['pass']);
    const tampered = Buffer.from(message.toString('latin1').replace('end\n', 'End\n'), 'latin1');
    expect((await verifyDkim(tampered, { resolver })).map((r) => r.comment)).toEqual(['body hash did not verify']);
  });
});
