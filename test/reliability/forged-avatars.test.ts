import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestMailroom, type InboundDescription, type TestMailroom } from '@mailroom/core/testing';
import { createAvatarsApp } from '@mailroom/app-avatars';
import { postAndSettle } from './support/settle.js';
import { scaled } from './support/summary.js';

// The avatars app against forged senders, over a real HTTP server with the Mailroom's worker and deliverer running
// (no drain). The global cap on automatic answers is lowered to 5 an hour to show what senders rotating
// (authenticated) addresses can make us send. PGlite, or PostgreSQL with DATABASE_URL.

const DOMAIN = 'avatars.example.com';
const GLOBAL_MAX = 5;
const FORGED = { dkim: 'none', spf: 'fail' } as const;

let t: TestMailroom;
let photo: Buffer;

beforeAll(async () => {
  t = await createTestMailroom({
    mail: { from: `no-reply@${DOMAIN}`, autoReplyLimit: { globalMax: GLOBAL_MAX } },
    worker: { pollMs: 50 },
  });
  const avatars = await createAvatarsApp({
    mailroom: t.mailroom,
    store: t.store,
    config: { domain: DOMAIN, publicUrl: t.url, sessionSecret: 'reliability session secret, long enough!!' },
  });
  t.app.route('/', avatars.web);
  photo = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#3366cc' } })
    .jpeg()
    .toBuffer();
  t.mailroom.start();
});
afterAll(async () => {
  await t?.close();
});

/** Posts through the webhook and waits until the running worker has processed it and the outbox is empty. */
const post = (description: InboundDescription) => postAndSettle(t, description);

const api = (path: string, body: unknown, cookie?: string) =>
  fetch(`${t.url}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });

/** Registers and confirms through the JSON API; returns the session cookie and the secret upload address. */
async function signUp(address: string): Promise<{ cookie: string; uploadAddress: string }> {
  expect((await api('/register', { address })).status).toBe(202);
  let token: string | undefined;
  await vi.waitFor(
    () => {
      token = /\/confirm\/([0-9a-f]{64})/.exec(t.sent.findLast((m) => m.to[0]!.address === address)?.text ?? '')?.[1];
      expect(token).toBeTruthy();
    },
    { timeout: 15_000, interval: 50 },
  ); // the link mail goes out on the deliverer's next poll
  const session = await api('/session', { token });
  const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
  const me = (await (await fetch(`${t.url}/api/me`, { headers: { cookie } })).json()) as { uploadAddress: string };
  return { cookie, uploadAddress: me.uploadAddress };
}

const current = async (cookie: string) =>
  ((await (await fetch(`${t.url}/api/me`, { headers: { cookie } })).json()) as { current: unknown }).current;
const answersTo = (address: string) =>
  t.sent.filter((m) => m.to[0]!.address === address && m.headers['Auto-Submitted'] === 'auto-replied');

describe('avatars: forged senders over the real webhook', () => {
  it('never changes an avatar for an unauthenticated sender, at either address; the owner hears once, in fixed words', async () => {
    const { cookie, uploadAddress } = await signUp('owner@example.com');
    const attachments = [{ filename: 'me.jpg', contentType: 'image/jpeg', content: photo }];
    const rounds = scaled(10, 5);
    for (let i = 0; i < rounds; i++) {
      expect(
        await post({
          from: 'owner@example.com',
          to: `avatar@${DOMAIN}`,
          subject: `forged ${i}`,
          attachments,
          ...FORGED,
        }),
      ).toMatchObject({ status: 'bounced' });
      expect(
        await post({
          from: `prank${i}@elsewhere.example`,
          to: uploadAddress,
          subject: `forged ${i}`,
          attachments,
          ...FORGED,
        }),
      ).toMatchObject({ status: 'bounced' });
    }
    expect(await current(cookie)).toBeNull();
    const notices = answersTo('owner@example.com');
    expect(notices).toHaveLength(1); // one refusal a day per address
    expect(notices[0]!.text).not.toContain('forged');
    expect(t.sent.some((m) => m.to[0]!.address.endsWith('@elsewhere.example'))).toBe(false);
  });

  it('answers no unauthenticated stranger, and at most the global cap of authenticated ones', async () => {
    const before = t.sent.length;
    const count = scaled(20, 10);
    for (let i = 0; i < count; i++) {
      await post({ from: `victim${i}@spoofed${i}.example`, to: `avatar@${DOMAIN}`, ...FORGED });
    }
    expect(t.sent.length).toBe(before);
    for (let i = 0; i < count; i++) {
      // Authenticated (aligned) but unregistered: each would get one refusal; the global cap stops them at GLOBAL_MAX.
      await post({
        from: `stranger${i}@domain${i}.example`,
        to: `avatar@${DOMAIN}`,
        attachments: [{ filename: 'me.jpg', contentType: 'image/jpeg', content: photo }],
      });
    }
    const answers = t.sent.slice(before).filter((m) => m.headers['Auto-Submitted'] === 'auto-replied');
    expect(answers.length).toBeLessThanOrEqual(GLOBAL_MAX);
    expect(answers.length).toBeGreaterThan(0);
  });
});
