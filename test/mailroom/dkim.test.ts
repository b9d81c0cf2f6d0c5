/**
 * `createMailroom({ senderAuth: { dkim: 'verify' } })` end to end: real DKIM signatures (mailauth's dkimSign with
 * RSA keys generated here), keys served by an injected resolver, real signed Inbound Parse posts over HTTP to a
 * running Mailroom, and a route behind `requireAuthenticatedSender`.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { dkimSign } from 'mailauth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMailroom, requireAuthenticatedSender, type AuthVerdict } from '@mailroom/core';
import { type InboxEvent } from '@mailroom/core/inbox';
import { type DkimCheck, type TxtResolver } from '@mailroom/core/text';
import {
  createTestMailroom,
  createTestStore,
  TEST_KEY_PAIR,
  type TestStore,
  multipartBody,
  multipartContentType,
  type BuiltPost,
  type TestMailroom,
  type TestMailroomOptions,
} from '@mailroom/core/testing';

function rsaKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    txt: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
  };
}
const author = rsaKey(); // the real author.example's key, published at sel._domainkey.author.example
const attacker = rsaKey(); // the attacker's own key, published for attacker.example

/** A resolver serving the given TXT records; it logs every lookup. */
function dns(records: Record<string, string>) {
  const lookups: string[] = [];
  const resolver: TxtResolver = async (name, rrtype) => {
    lookups.push(name);
    const record = rrtype === 'TXT' ? records[name] : undefined;
    if (record) return [[record]];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
  return { resolver, lookups };
}
const published = () =>
  dns({ 'sel._domainkey.author.example': author.txt, 'sel._domainkey.attacker.example': attacker.txt });

function message(from: string, body = 'Please publish this.\r\n', extraHeaders = ''): Buffer {
  return Buffer.from(
    `From: ${from}\r\nTo: post@blog.example\r\nSubject: New post\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\n` +
      `Message-ID: <${randomUUID()}@author.example>\r\n${extraHeaders}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

async function sign(raw: Buffer, domain: string, pem: string, extra: { maxBodyLength?: number } = {}): Promise<Buffer> {
  const key = { signingDomain: domain, selector: 'sel', privateKey: pem, ...extra };
  const result = await dkimSign(raw, { ...key, signatureData: [key] });
  expect(result.errors).toEqual([]);
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}

/** A raw-mode Inbound Parse body as SendGrid posts it, with SendGrid's own (claimed) dkim and SPF fields. */
function rawPost(email: Buffer, claims: { dkim?: string; spf?: string; envelopeFrom?: string } = {}): BuiltPost {
  const field = (name: string, value: string) => ({ name, value: Buffer.from(value) });
  const parts = [
    { name: 'email', value: email },
    field('dkim', claims.dkim ?? 'none'),
    field('SPF', claims.spf ?? 'none'),
    field('to', 'post@blog.example'),
    field(
      'envelope',
      JSON.stringify({ from: claims.envelopeFrom ?? 'bounce@relay.example', to: ['post@blog.example'] }),
    ),
    field('sender_ip', '192.0.2.25'),
  ];
  return { body: multipartBody(parts), contentType: multipartContentType(), headers: {} };
}

// One store for the file (every message has its own Message-ID): creating a PGlite database per test is the slow part.
let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store?.close();
});

let t: TestMailroom | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Seen {
  verdict: AuthVerdict;
  check: DkimCheck | null;
}

/** A running Mailroom whose `publish` route requires an authenticated sender; `seen` is what the handler saw. */
async function blog(options: TestMailroomOptions = {}) {
  const seen: Seen[] = [];
  t = await createTestMailroom({ ...options, store, worker: { backoff: { baseMs: 0, maxMs: 0 }, ...options.worker } });
  t.mailroom.route(
    'publish',
    'post@blog.example',
    (ctx) => void seen.push({ verdict: ctx.email.authVerdict(), check: ctx.email.dkimCheck }),
    {
      use: requireAuthenticatedSender(),
    },
  );
  const post = async (body: BuiltPost) => {
    const response = await t!.post(body);
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: string };
    return { id, record: (await t!.store.inbox.get(id))! };
  };
  return { seen, post, t };
}

describe("senderAuth: { dkim: 'verify' } (raw mode)", () => {
  it('a valid signature aligned with From is aligned, by Mailroom’s own verification', async () => {
    const { resolver, lookups } = published();
    const { seen, post } = await blog({ senderAuth: { dkim: 'verify', resolver } });
    const { record } = await post(
      rawPost(await sign(message('Ann <ann@author.example>'), 'author.example', author.pem)),
    );
    expect(record).toMatchObject({ status: 'delivered', attempts: 1, note: null });
    expect(lookups).toEqual(['sel._domainkey.author.example']);
    expect(seen[0]!.verdict).toMatchObject({
      aligned: true,
      rule: 'dkim',
      domain: 'author.example',
      dkimSource: 'mailroom',
    });
    expect(seen[0]!.verdict.reason).toBe(
      'dkim=pass (verified by Mailroom) for author.example aligns with From domain author.example',
    );
    expect(seen[0]!.check).toMatchObject({
      status: 'verified',
      results: [{ domain: 'author.example', result: 'pass', selector: 'sel' }],
    });
  });

  it('a body altered after signing is not aligned, though SendGrid’s field claims a pass', async () => {
    const { resolver } = published();
    const { seen, post } = await blog({ senderAuth: { dkim: 'verify', resolver } });
    const signed = await sign(
      message('Ann <ann@author.example>', 'Pay invoice 1 to account A.\r\n'),
      'author.example',
      author.pem,
    );
    const altered = Buffer.from(signed.toString('latin1').replace('account A', 'account Z'), 'latin1');
    const { record } = await post(rawPost(altered, { dkim: '{@author.example : pass}' }));
    expect(record.status).toBe('bounced');
    expect(record.note).toMatch(
      /^sender not authenticated: no passing DKIM signature \(verified by Mailroom\) aligned with From domain author\.example/,
    );
    expect(record.note).toContain('author.example=neutral (body hash did not verify)');
    expect(seen).toEqual([]);
  });

  it('a forged From domain is not aligned although SendGrid’s dkim field claims a pass for it (and was trusted without verification)', async () => {
    // Signed, validly, by the attacker's own domain; the claim in SendGrid's field names the forged one.
    const forge = () => sign(message('CEO <ceo@author.example>'), 'attacker.example', attacker.pem);
    const claims = { dkim: '{@author.example : pass}', spf: 'softfail' };
    const { resolver } = published();
    const verifying = await blog({ senderAuth: { dkim: 'verify', resolver } });
    const { record } = await verifying.post(rawPost(await forge(), claims));
    expect(record.status).toBe('bounced');
    expect(record.note).toContain('(dkim: attacker.example=pass); spf=softfail');
    await verifying.t.close();
    t = undefined;

    const trusting = await blog(); // no senderAuth: SendGrid's field decides
    const trusted = await trusting.post(rawPost(await forge(), claims));
    expect(trusted.record.status).toBe('delivered');
    expect(trusting.seen[0]!.verdict).toMatchObject({ aligned: true, dkimSource: 'sendgrid' });
  });

  it('a signature claiming d= of a domain that publishes no key fails', async () => {
    const { resolver, lookups } = published();
    const { post } = await blog({ senderAuth: { dkim: 'verify', resolver } });
    // The attacker signs with their own private key but names author.example under a selector that has no key.
    const raw = message('Ann <ann@author.example>');
    const key = { signingDomain: 'author.example', selector: 'forged', privateKey: attacker.pem };
    const { signatures } = await dkimSign(raw, { ...key, signatureData: [key] });
    const { record } = await post(
      rawPost(Buffer.concat([Buffer.from(signatures), raw]), { dkim: '{@author.example : pass}' }),
    );
    expect(lookups).toEqual(['forged._domainkey.author.example']);
    expect(record.status).toBe('bounced');
    expect(record.note).toContain('author.example=neutral (no key)');
  });

  it('a key lookup that times out retries the email with backoff, then processes it as temperror (not aligned)', async () => {
    const lookups: string[] = [];
    const hanging: TxtResolver = (name) => {
      lookups.push(name);
      return new Promise(() => undefined); // never answers
    };
    const { post, t: running } = await blog({
      senderAuth: { dkim: 'verify', resolver: hanging, timeoutMs: 50, dnsAttempts: 3 },
    });
    const retries: InboxEvent[] = [];
    const unsubscribe = running.store.onEvent((event) => void (event.event === 'retry' && retries.push(event)));
    const { id } = await post(rawPost(await sign(message('Ann <ann@author.example>'), 'author.example', author.pem)));
    // drain() processes retries that are due (backoff 0 here): three attempts, the last one without retrying.
    await running.drain();
    const record = (await running.store.inbox.get(id))!;
    expect(record).toMatchObject({ status: 'bounced', attempts: 3 });
    unsubscribe();
    expect(retries.filter((r) => r.id === id)).toHaveLength(2);
    expect(JSON.stringify(retries.at(-1))).toMatch(
      /DKIM key lookup failed \(author\.example: DNS failure: ETIMEOUT\); retried with backoff \(attempt 2 of 3/,
    );
    expect(record.note).toContain('author.example=temperror (DNS failure: ETIMEOUT)');
    expect(lookups).toHaveLength(3);
  });

  it('a DNS failure that clears is retried into a pass', async () => {
    const { resolver: good } = published();
    let failures = 1;
    const flaky: TxtResolver = async (name, rrtype) => {
      if (failures-- > 0) throw Object.assign(new Error('queryTxt ESERVFAIL'), { code: 'ESERVFAIL' });
      return good(name, rrtype);
    };
    const { post, t: running, seen } = await blog({ senderAuth: { dkim: 'verify', resolver: flaky } });
    const { id } = await post(rawPost(await sign(message('Ann <ann@author.example>'), 'author.example', author.pem)));
    await running.drain();
    expect(await running.store.inbox.get(id)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(seen[0]!.verdict).toMatchObject({ aligned: true, dkimSource: 'mailroom' });
  });

  it('a replay reads the stored verification: the same verdict after the key is gone from DNS', async () => {
    const records: Record<string, string> = { 'sel._domainkey.author.example': author.txt };
    const { resolver, lookups } = dns(records);
    const { post, seen, t: running } = await blog({ senderAuth: { dkim: 'verify', resolver } });
    const { id } = await post(rawPost(await sign(message('Ann <ann@author.example>'), 'author.example', author.pem)));
    delete records['sel._domainkey.author.example']; // the sender rotated its key away
    expect(await running.mailroom.replay(id)).toBe(1);
    await running.drain();
    expect(await running.store.inbox.get(id)).toMatchObject({ status: 'delivered' });
    expect(lookups).toHaveLength(1);
    expect(seen.map((s) => s.verdict.aligned)).toEqual([true, true]);
    expect(seen[1]!.check).toEqual(seen[0]!.check);
  });

  it('checks at most maxSignatures signatures: a pile of junk signatures costs 5 lookups, not 200', async () => {
    const { resolver, lookups } = published();
    const { post } = await blog({ senderAuth: { dkim: 'verify', resolver } });
    const genuine = await sign(message('Ann <ann@author.example>'), 'author.example', author.pem);
    const junk = Array.from(
      { length: 200 },
      (_, i) =>
        `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=junk${i}.example; s=s${i}; l=${i}; bh=AAAA; h=from; b=AAAA\r\n`,
    );
    const { record } = await post(rawPost(Buffer.concat([Buffer.from(junk.join('')), genuine])));
    // Junk on top pushes the genuine signature past the cap: the sender only hurt itself.
    expect(record.status).toBe('bounced');
    expect(lookups.length).toBeLessThanOrEqual(5);
    expect(lookups.every((name) => name.includes('junk'))).toBe(true);
  });

  it('a signature with l= covering only part of the body does not pass (an appended body is unsigned)', async () => {
    const { resolver } = published();
    const { post } = await blog({ senderAuth: { dkim: 'verify', resolver } });
    const signed = await sign(message('Ann <ann@author.example>', 'Hi.\r\n'), 'author.example', author.pem, {
      maxBodyLength: 5,
    });
    const { record } = await post(rawPost(Buffer.concat([signed, Buffer.from('Also wire $10,000 to account Z.\r\n')])));
    expect(record.status).toBe('bounced');
    expect(record.note).toMatch(/author\.example=policy \(l= leaves \d+ bytes of the body unsigned\)/);
  });

  it('parsed mode cannot be verified: SendGrid’s fields decide, and the verdict says so', async () => {
    const { resolver, lookups } = published();
    const { post, seen } = await blog({ senderAuth: { dkim: 'verify', resolver } });
    const field = (name: string, value: string) => ({ name, value: Buffer.from(value) });
    const parsed = multipartBody([
      field(
        'headers',
        `From: Ann <ann@author.example>\r\nTo: post@blog.example\r\nSubject: Parsed\r\nMessage-ID: <${randomUUID()}@author.example>\r\n`,
      ),
      field('from', 'Ann <ann@author.example>'),
      field('to', 'post@blog.example'),
      field('subject', 'Parsed'),
      field('text', 'Hello'),
      field('dkim', '{@author.example : pass}'),
      field('SPF', 'pass'),
      field('envelope', JSON.stringify({ from: 'ann@author.example', to: ['post@blog.example'] })),
    ]);
    const { record } = await post({ body: parsed, contentType: multipartContentType(), headers: {} });
    expect(record.status).toBe('delivered');
    expect(lookups).toEqual([]);
    expect(seen[0]).toMatchObject({ check: null, verdict: { aligned: true, dkimSource: 'sendgrid' } });
  });

  it('refuses a bad senderAuth option with a specific configuration error', async () => {
    const security = { publicKeys: [TEST_KEY_PAIR.publicKey] };
    expect(() => createMailroom({ store, security, senderAuth: { dkim: 'yes' as never } })).toThrow(
      "senderAuth.dkim must be 'verify' or 'sendgrid', not \"yes\"",
    );
    expect(() => createMailroom({ store, security, senderAuth: { dkim: 'verify', timeoutMs: 0 } })).toThrow(
      'senderAuth.timeoutMs must be a positive integer, not 0',
    );
  });
});
