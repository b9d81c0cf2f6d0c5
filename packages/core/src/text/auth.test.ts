import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { assertAuthenticatedSender, authVerdict, domainsAlign, type SenderEvidence } from './auth.js';
import { verifyDkim } from './dkim.js';

function evidence(
  from: string | null,
  dkim: Array<[string, string]>,
  spf: string | null = null,
  envelopeFrom: string | null = null,
): SenderEvidence {
  return {
    from: from ? { address: from, name: '' } : null,
    auth: { spf, dkim: dkim.map(([domain, result]) => ({ domain, result })) },
    envelope: { from: envelopeFrom },
  };
}

describe('authVerdict', () => {
  it('aligned: DKIM pass for the same domain', () => {
    expect(authVerdict(evidence('alice@example.com', [['@example.com', 'pass']]))).toEqual({
      aligned: true,
      rule: 'dkim',
      domain: 'example.com',
      dkimSource: 'sendgrid',
      reason: 'dkim=pass for example.com aligns with From domain example.com',
    });
  });

  it('aligned: DKIM pass for a subdomain (relaxed alignment), both directions', () => {
    expect(authVerdict(evidence('alice@example.com', [['mail.example.com', 'pass']])).aligned).toBe(true);
    expect(authVerdict(evidence('alice@eu.example.co.uk', [['example.co.uk', 'pass']])).aligned).toBe(true);
  });

  it('unaligned: DKIM pass for a different organisation (upspin: vanity.org signed by gmail.com)', () => {
    const v = authVerdict(evidence('me@vanity.org', [['@gmail.com', 'pass']], 'softfail'));
    expect(v.aligned).toBe(false);
    expect(v.rule).toBeNull();
    expect(v.reason).toBe(
      'no passing DKIM signature aligned with From domain vanity.org (dkim: gmail.com=pass); spf=softfail',
    );
  });

  it('look-alike domains never align', () => {
    expect(authVerdict(evidence('alice@example.com', [['examp1e.com', 'pass']])).aligned).toBe(false);
    expect(authVerdict(evidence('alice@example.com', [['example.com.evil.net', 'pass']])).aligned).toBe(false);
    expect(authVerdict(evidence('alice@example.com.evil.net', [['example.com', 'pass']])).aligned).toBe(false);
    expect(domainsAlign('alice.github.io', 'mallory.github.io')).toBe(false); // private suffix
    expect(domainsAlign('co.uk', 'example.co.uk')).toBe(false);
  });

  it('multiple signatures: one aligned pass is enough, an aligned fail is not', () => {
    const v = authVerdict(
      evidence('alice@example.com', [
        ['@esp.example', 'pass'],
        ['@example.com', 'fail'],
        ['@mail.example.com', 'pass'],
      ]),
    );
    expect(v).toMatchObject({ aligned: true, rule: 'dkim', domain: 'mail.example.com' });
    expect(
      authVerdict(
        evidence('alice@example.com', [
          ['@esp.example', 'pass'],
          ['@example.com', 'fail'],
        ]),
      ).aligned,
    ).toBe(false);
  });

  it('SPF only: pass with an aligned envelope sender', () => {
    expect(authVerdict(evidence('alice@example.com', [], 'pass', 'bounces@mail.example.com'))).toEqual({
      aligned: true,
      rule: 'spf',
      domain: 'mail.example.com',
      dkimSource: 'sendgrid',
      reason: 'spf=pass for envelope domain mail.example.com aligns with From domain example.com',
    });
  });

  it('SPF pass for a foreign envelope domain does not align', () => {
    const v = authVerdict(evidence('alice@example.com', [], 'pass', 'bounce-123@esp.example'));
    expect(v.aligned).toBe(false);
    expect(v.reason).toContain('spf=pass for envelope domain esp.example, which does not align');
  });

  it('none: no DKIM, no SPF', () => {
    const v = authVerdict(evidence('alice@example.com', [], null));
    expect(v).toEqual({
      aligned: false,
      rule: null,
      domain: null,
      dkimSource: 'sendgrid',
      reason: 'no passing DKIM signature aligned with From domain example.com (dkim: none); spf=none',
    });
  });

  it('no From address', () => {
    expect(authVerdict(evidence(null, [['example.com', 'pass']])).reason).toBe('no From address');
  });
});

describe('assertAuthenticatedSender', () => {
  const good = evidence('Alice@Example.com', [['example.com', 'pass']]);
  it('accepts an aligned sender, case-insensitively matching the expected address', () => {
    expect(assertAuthenticatedSender(good)).toEqual({ ok: true });
    expect(assertAuthenticatedSender(good, '<alice@example.com>')).toEqual({ ok: true });
  });
  it('rejects the wrong sender and unaligned mail with a reason', () => {
    expect(assertAuthenticatedSender(good, 'bob@example.com')).toEqual({
      ok: false,
      reason: 'From alice@example.com is not the expected sender bob@example.com',
    });
    const forged = assertAuthenticatedSender(
      evidence('alice@example.com', [['attacker.example', 'pass']]),
      'alice@example.com',
    );
    expect(forged.ok).toBe(false);
    expect(forged.ok === false && forged.reason).toContain('no passing DKIM signature aligned');
    expect(assertAuthenticatedSender(evidence(null, []))).toEqual({
      ok: false,
      reason: 'the message has no From address',
    });
  });
});

describe('verifyDkim (mailauth, offline resolver)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const lookups: string[] = [];
  const resolver = async (name: string, rrtype: string) => {
    lookups.push(`${rrtype} ${name}`);
    if (rrtype === 'TXT' && name === 'test._domainkey.example.com') return [[`v=DKIM1; k=rsa; p=${p}`]];
    throw Object.assign(new Error(`no record for ${name}`), { code: 'ENOTFOUND' });
  };
  const message = Buffer.from(
    'From: Alice <alice@example.com>\r\nTo: inbox@mailroom.example\r\nSubject: Signed\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\nMessage-ID: <s1@example.com>\r\n\r\nHello, signed world.\r\n',
  );

  async function signed(body = message): Promise<Buffer> {
    const key = { signingDomain: 'example.com', selector: 'test', privateKey: pem };
    // mailauth 4.x signs with the entries of `signatureData`; the top-level fields only satisfy its types.
    const result = await dkimSign(body, { ...key, signatureData: [key] });
    expect(result.errors).toEqual([]);
    return Buffer.concat([Buffer.from(result.signatures), body]);
  }

  it('passes a correctly signed message and feeds authVerdict', async () => {
    const results = await verifyDkim(await signed(), { resolver });
    expect(results).toEqual([{ domain: 'example.com', result: 'pass', selector: 'test', comment: null }]);
    expect(lookups).toContain('TXT test._domainkey.example.com');
    expect(
      authVerdict({
        from: { address: 'alice@example.com', name: '' },
        auth: { spf: null, dkim: results },
        envelope: { from: null },
      }).aligned,
    ).toBe(true);
  });

  it('fails a message whose body was altered after signing', async () => {
    const tampered = Buffer.from((await signed()).toString().replace('Hello, signed world.', 'Hello, forged world.'));
    const [result] = await verifyDkim(tampered, { resolver });
    expect(result!.domain).toBe('example.com');
    expect(result!.result).not.toBe('pass');
    expect(result!.comment).toMatch(/body hash/);
  });

  it('returns no results for an unsigned message', async () => {
    expect(await verifyDkim(message, { resolver })).toEqual([]);
  });
});
