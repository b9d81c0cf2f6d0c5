import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Mailroom, PreparedMessage } from '@mailroom/core';
import {
  createTestMailroom,
  inboundRequest,
  TEST_KEY_PAIR,
  type TestMailroom,
  type TestStore,
} from '@mailroom/core/testing';
import { addressHash } from './domain/secrets.js';
import { createAvatarsApp } from './index.js';
import {
  animatedGif,
  heicBranded,
  jpegWithGps,
  orientedJpeg,
  pdfDocument,
  photoJpeg,
  plainPng,
  pngBomb,
  svgWithScript,
} from './test-support/images.js';

const DOMAIN = 'avatars.example.com';
let t: TestMailroom;
let store: TestStore;
let mailroom: Mailroom;
let base: string;
/** What the Mailroom's deliverer handed to the transport since the last clearing: real outbox rows, prepared. */
let delivered: PreparedMessage[];
async function sent(): Promise<PreparedMessage[]> {
  await t.drain();
  return delivered;
}

beforeAll(async () => {
  t = await createTestMailroom({ mail: { from: `no-reply@${DOMAIN}` } });
  ({ store, mailroom, url: base, sent: delivered } = t);
  const avatars = await createAvatarsApp({
    mailroom,
    store,
    // 1 MB instead of the default 10 MB keeps the oversize post small (the 10 MB default is covered by the pipeline tests).
    config: {
      domain: DOMAIN,
      publicUrl: base,
      sessionSecret: 'test-session-secret-that-is-long-enough!!',
      imagePolicy: { maxBytes: 1024 * 1024 },
    },
  });
  t.app.route('/', avatars.web);
});

afterAll(() => t.close());

beforeEach(() => sent().then(() => void (delivered.length = 0)));

type Description = Parameters<typeof inboundRequest>[0];

/** Posts like SendGrid (signed), waits for processing, returns the stored record. */
async function deliver(description: Description) {
  const response = await fetch(
    inboundRequest(description, { sign: TEST_KEY_PAIR, url: `${base}/webhooks/sendgrid/parse` }),
  );
  expect(response.status).toBe(200);
  const { id } = (await response.json()) as { id: string };
  await mailroom.drain();
  return (await store.inbox.get(id))!;
}

/** Registers and confirms an address through the JSON API; returns the session cookie. */
async function signUp(address: string): Promise<string> {
  const register = await fetch(`${base}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address }),
  });
  expect(register.status).toBe(202);
  const mail = (await sent()).findLast((m) => m.to[0]!.address === address.toLowerCase());
  const token = /\/confirm\/([0-9a-f]{64})/.exec(mail!.text!)![1];
  const session = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  expect(session.status).toBe(200);
  return session.headers.get('set-cookie')!.split(';')[0]!;
}

async function me(cookie: string) {
  const response = await fetch(`${base}/api/me`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    address: string;
    addressHash: string;
    uploadAddress: string;
    current: { version: number; crop: { left: number; top: number; size: number } } | null;
    history: Array<{ version: number; current: boolean }>;
  };
}

function photo(content: Buffer, filename = 'photo.jpg', contentType = 'image/jpeg') {
  return { filename, contentType, content };
}

async function avatarBytes(hash: string, size = 512, accept = 'image/webp') {
  const response = await fetch(`${base}/avatar/${hash}?s=${size}`, { headers: { accept } });
  expect(response.status).toBe(200);
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

describe('uploading by mail', () => {
  it('turns an authenticated photo into the avatar, upright, without GPS, and confirms with an inline preview', async () => {
    const cookie = await signUp('Ann@Example.com');
    delivered.length = 0;
    const record = await deliver({
      from: 'Ann <ann@example.com>',
      to: `avatar@${DOMAIN}`,
      subject: 'new me',
      text: 'here you go',
      attachments: [photo(await orientedJpeg(1200, 800), 'IMG_0001.JPG')],
    });
    expect(record.status).toBe('delivered');
    expect(record.route).toBe('avatars-upload');

    const profile = await me(cookie);
    expect(profile.current).toMatchObject({ version: 1, crop: { left: 0, size: 800 } });
    const { response, body } = await avatarBytes(addressHash('ann@example.com'));
    expect(response.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(body).metadata();
    expect([meta.width, meta.height, meta.exif]).toEqual([512, 512, undefined]);
    // Upright: the red corner (stored top-left, orientation 6) is now top-right.
    const { data, info } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const top = Math.round((120 - profile.current!.crop.top) * 0.64);
    expect(at(490, top)[0]).toBeGreaterThan(200);
    expect(at(490, top)[1]).toBeLessThan(60);
    expect(at(20, top)).toEqual(expect.arrayContaining([expect.any(Number)]));
    expect(Math.min(...at(20, top))).toBeGreaterThan(220);

    const mails = await sent();
    expect(mails).toHaveLength(1);
    const confirmation = mails[0]!;
    expect(confirmation.to).toEqual([{ address: 'ann@example.com', name: '' }]);
    expect(confirmation.inReplyTo).toBeTruthy();
    expect(confirmation.subject).toBe('Re: new me');
    expect(confirmation.headers['Auto-Submitted']).toBe('auto-replied');
    expect(confirmation.html).toContain('cid:avatar-preview@avatars');
    const preview = confirmation.attachments![0]!;
    expect(preview).toMatchObject({ contentType: 'image/jpeg', inline: true, contentId: 'avatar-preview@avatars' });
    expect((await sharp(preview.content).metadata()).width).toBe(256);
  });

  it('strips GPS from every stored rendition and keeps the previous avatar for one-click revert', async () => {
    const cookie = await signUp('gps@example.com');
    await deliver({
      from: 'gps@example.com',
      to: `avatar@${DOMAIN}`,
      attachments: [photo(await plainPng(400, 400, '#00aa00'), 'green.png', 'image/png')],
    });
    await deliver({
      from: 'gps@example.com',
      to: `avatar@${DOMAIN}`,
      attachments: [photo(await jpegWithGps(), 'gps.jpg')],
    });
    const hash = addressHash('gps@example.com');
    for (const size of [64, 128, 256, 512]) {
      for (const accept of ['image/webp', 'image/jpeg']) {
        const { body } = await avatarBytes(hash, size, accept);
        const meta = await sharp(body).metadata();
        expect(meta.exif).toBeUndefined();
        expect(body.includes(Buffer.from('GPS-1'))).toBe(false);
      }
    }
    expect((await me(cookie)).history.map((a) => [a.version, a.current])).toEqual([
      [2, true],
      [1, false],
    ]);

    const revert = await fetch(`${base}/api/revert`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(revert.status).toBe(200);
    expect(((await revert.json()) as { current: { version: number } }).current.version).toBe(1);
    const { body } = await avatarBytes(hash, 64);
    const { data } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]]).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
    expect(data[1]!).toBeGreaterThan(150); // green again
    expect(data[0]!).toBeLessThan(40);
    const again = await fetch(`${base}/api/revert`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(again.status).toBe(409);
  });

  it('accepts the secret upload address from any authenticated sender, and a regenerated secret retires the old one', async () => {
    const cookie = await signUp('secret@example.com');
    const { uploadAddress } = await me(cookie);
    delivered.length = 0;
    const ok = await deliver({
      from: 'someone@elsewhere.example',
      to: uploadAddress,
      attachments: [photo(await animatedGif(), 'wave.gif', 'image/gif')],
    });
    expect(ok.status).toBe('delivered');
    expect(ok.route).toBe('avatars-secret-upload');
    expect((await sent())[0]!.to[0]!.address).toBe('secret@example.com'); // the owner is told
    const { body } = await avatarBytes(addressHash('secret@example.com'), 128);
    const { data } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(data[0]!).toBeGreaterThan(200); // first frame is red
    expect((await sharp(body).metadata()).pages ?? 1).toBe(1);

    const regenerated = await fetch(`${base}/api/upload-address`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
    });
    const fresh = ((await regenerated.json()) as { uploadAddress: string }).uploadAddress;
    expect(fresh).not.toBe(uploadAddress);
    const stale = await deliver({
      from: 'someone@elsewhere.example',
      to: uploadAddress,
      attachments: [photo(await photoJpeg(300, 300))],
    });
    expect(stale.status).toBe('bounced');
    expect(stale.note).toContain('unknown-upload-address');
  });

  it('never lets an unauthenticated sender change an avatar through the secret address; the owner is told in fixed words', async () => {
    const cookie = await signUp('held@example.com');
    const { uploadAddress } = await me(cookie);
    delivered.length = 0;
    const forged = await deliver({
      from: 'Prankster <someone@elsewhere.example>',
      to: uploadAddress,
      subject: 'you have been pranked',
      dkim: 'none',
      spf: 'fail',
      attachments: [photo(await photoJpeg(300, 300))],
    });
    expect(forged.status).toBe('bounced');
    expect(forged.note).toMatch(/^secret-not-authenticated: /);
    expect((await me(cookie)).current).toBeNull();
    const mails = await sent();
    expect(mails.map((m) => m.to[0]!.address)).toEqual(['held@example.com']);
    expect(mails[0]!.subject).toBe('Your avatar was not changed');
    expect(`${mails[0]!.text}`).not.toMatch(/prank/i);
  });

  it('refuses unknown senders politely, at most once a day per address', async () => {
    const first = await deliver({
      from: 'stranger@example.org',
      to: `avatar@${DOMAIN}`,
      subject: 'me',
      attachments: [photo(await photoJpeg(300, 300))],
    });
    expect(first.status).toBe('bounced');
    expect(first.note).toBe('not-registered');
    expect(await sent()).toHaveLength(1);
    expect(delivered[0]!.text).toContain('not registered');
    expect(delivered[0]!.headers['Auto-Submitted']).toBe('auto-replied');
    const second = await deliver({
      from: 'Stranger@Example.org',
      to: `avatar@${DOMAIN}`,
      subject: 'me again',
      attachments: [photo(await photoJpeg(300, 300))],
    });
    expect(second.status).toBe('bounced');
    expect(second.note).toContain('refusal already sent');
    expect(await sent()).toHaveLength(1);
  });

  it('refuses a spoofed From even for a registered address', async () => {
    await signUp('victim@example.com');
    delivered.length = 0;
    const record = await deliver({
      from: 'victim@example.com',
      to: `avatar@${DOMAIN}`,
      envelope: { from: 'attacker@evil.example', to: [`avatar@${DOMAIN}`] },
      dkim: '{@evil.example : pass}',
      spf: 'pass',
      attachments: [photo(await photoJpeg(300, 300))],
    });
    expect(record.status).toBe('bounced');
    expect(record.note).toMatch(/^not-authenticated: /);
    expect((await fetch(`${base}/avatar/${addressHash('victim@example.com')}?d=404`)).status).toBe(404);
    expect(await sent()).toHaveLength(1);
    expect(delivered[0]!.text).toContain('could not verify');
  });

  it('answers with the reason when the image cannot be used', async () => {
    const cases: Array<[string, Array<ReturnType<typeof photo>>, RegExp]> = [
      ['heic', [photo(await heicBranded(), 'IMG_1234.HEIC', 'image/heic')], /HEIC.*JPEG/s],
      ['svg', [photo(svgWithScript(), 'me.svg', 'image/svg+xml')], /SVG/],
      ['pdf', [photo(pdfDocument(), 'me.jpg', 'image/jpeg')], /PDF/],
      ['too-many-pixels', [photo(pngBomb(), 'bomb.png', 'image/png')], /megapixels/],
      ['too-many-bytes', [photo(Buffer.alloc(1024 * 1024 + 1, 0xff), 'huge.jpg')], /limit is 1 MB/],
      ['too-small', [photo(await plainPng(100, 100), 'tiny.png', 'image/png')], /100×100/],
      ['none', [], /no image/],
    ];
    for (const [code, attachments, reason] of cases) {
      // One address per case: automatic answers to one address are capped at 3 a day (core's loop breaker).
      const address = `picky-${code}@example.com`;
      await signUp(address);
      delivered.length = 0;

      const record = await deliver({ from: address, to: `avatar@${DOMAIN}`, subject: code, attachments });
      expect(record.status, code).toBe('bounced');
      expect(record.note, code).toBe(`no usable image: ${code}`);
      expect(await sent(), code).toHaveLength(1);
      expect(delivered[0]!.text, code).toMatch(reason);
      expect((await fetch(`${base}/avatar/${addressHash(address)}?d=404`)).status).toBe(404);
    }
  });

  it('skips signature logos and takes the photo', async () => {
    const cookie = await signUp('logos@example.com');
    const logo = await plainPng(40, 40, '#ff00ff');
    const twice = await plainPng(200, 200, '#123456');
    const record = await deliver({
      from: 'logos@example.com',
      to: `avatar@${DOMAIN}`,
      html: '<p>Me!</p><img src="cid:twice1"><img src="cid:twice2"><img src="cid:logo">',
      attachments: [
        { filename: 'logo.png', contentType: 'image/png', content: logo, contentId: 'logo' },
        { filename: 'icon-a.png', contentType: 'image/png', content: twice, contentId: 'twice1' },
        { filename: 'icon-b.png', contentType: 'image/png', content: twice, contentId: 'twice2' },
        photo(await photoJpeg(640, 480), 'holiday.jpg'),
      ],
    });
    expect(record.status).toBe('delivered');
    expect((await sent()).at(-1)!.text).toContain('holiday.jpg');
    expect((await me(cookie)).current!.crop.size).toBe(480);
  });
});

describe('GET /avatar/<hash>', () => {
  it('serves the nearest size with ETag, Cache-Control and 304, WebP or JPEG by Accept, and a default', async () => {
    await signUp('etag@example.com');
    await deliver({
      from: 'etag@example.com',
      to: `avatar@${DOMAIN}`,
      attachments: [photo(await photoJpeg(800, 800))],
    });
    const hash = addressHash(' ETag@Example.com ');
    const webp = await fetch(`${base}/avatar/${hash}?s=100`, { headers: { accept: 'image/avif,image/webp,*/*' } });
    expect(webp.status).toBe(200);
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(webp.headers.get('cache-control')).toBe('public, max-age=300');
    expect(webp.headers.get('vary')).toBe('Accept');
    expect((await sharp(Buffer.from(await webp.arrayBuffer())).metadata()).width).toBe(128);
    const etag = webp.headers.get('etag')!;
    expect(etag).toMatch(/^"a\d+-128-webp"$/);
    const cached = await fetch(`${base}/avatar/${hash}?s=100`, {
      headers: { accept: 'image/webp', 'if-none-match': `W/"x", ${etag}` },
    });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);
    expect((await cached.arrayBuffer()).byteLength).toBe(0);

    const jpeg = await fetch(`${base}/avatar/${hash}?s=2048`, { headers: { accept: 'image/png,image/*;q=0.8' } });
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await jpeg.arrayBuffer())).metadata()).width).toBe(512);
    expect(
      (await fetch(`${base}/avatar/${hash}.jpg`, { headers: { accept: 'image/webp' } })).headers.get('content-type'),
    ).toBe('image/jpeg');

    const nobody = addressHash('nobody@example.com');
    const fallback = await fetch(`${base}/avatar/${nobody}?s=64`);
    expect(fallback.status).toBe(200);
    expect(fallback.headers.get('etag')).toBe('"default-64-jpeg"');
    expect((await sharp(Buffer.from(await fallback.arrayBuffer())).metadata()).width).toBe(64);
    expect((await fetch(`${base}/avatar/${nobody}?d=404`)).status).toBe(404);
    expect((await fetch(`${base}/avatar/not-a-hash`)).status).toBe(400);
    expect((await fetch(`${base}/avatar/${nobody}?s=0`)).status).toBe(400);
    expect((await fetch(`${base}/avatar/${nobody}?s=abc`)).status).toBe(400);
  });
});

describe('profile pages', () => {
  it('registers through the form, confirms by a POSTed link, and shows the secret address and history', async () => {
    const form = await fetch(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: 'address=page%40example.com',
    });
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Check your inbox');
    const link = /https?:\/\/\S+\/confirm\/[0-9a-f]{64}/.exec((await sent()).at(-1)!.text!)![0];
    // Following the link (as a mail scanner would) must not use the token up.
    const landing = await fetch(link);
    expect(await landing.text()).toContain('Confirm and sign in');
    const token = link.split('/').pop()!;
    const confirm = await fetch(`${base}/confirm`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: `token=${token}`,
    });
    expect(confirm.status).toBe(303);
    const cookie = confirm.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const page = await fetch(`${base}/profile`, { headers: { cookie: cookie.split(';')[0]! } });
    const html = await page.text();
    expect(html).toMatch(/avatar\+[0-9a-f]{24}@avatars\.example\.com/);
    expect(html).toContain('No avatar yet');
    // The token is single-use; a cross-site form post is refused.
    const reuse = await fetch(`${base}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: `token=${token}`,
    });
    expect(reuse.status).toBe(400);
    const forged = await fetch(`${base}/profile/revert`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
        cookie: cookie.split(';')[0]!,
      },
    });
    expect(forged.status).toBe(403);
    expect((await fetch(`${base}/api/me`)).status).toBe(401);
    // API calls without a JSON content type are treated like cross-site form posts.
    expect(
      (await fetch(`${base}/api/revert`, { method: 'POST', headers: { cookie: cookie.split(';')[0]! } })).status,
    ).toBe(403);
    const signOut = await fetch(`${base}/api/session`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
    });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.get('set-cookie')).toMatch(/avatars_session=;/);
  });

  it('sends a CSP on its pages and refuses a session cookie replayed after logout', async () => {
    const home = await fetch(`${base}/`);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(home.headers.get('content-security-policy')).toContain("form-action 'self'");
    const cookie = await signUp('replay@example.com');
    expect((await fetch(`${base}/api/me`, { headers: { cookie } })).status).toBe(200);
    const logout = await fetch(`${base}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(logout.status).toBe(303);
    expect((await fetch(`${base}/api/me`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${base}/profile`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303);
  });
});

describe('senders, loops and replays', () => {
  const FORGED = { dkim: 'none', spf: 'fail' };

  it('answers no unauthenticated stranger, at either address (no backscatter)', async () => {
    const shared = await deliver({
      from: 'victim@example.net',
      to: `avatar@${DOMAIN}`,
      subject: 'Buy now',
      ...FORGED,
      attachments: [photo(await photoJpeg(300, 300))],
    });
    expect(shared).toMatchObject({
      status: 'bounced',
      note: 'not-registered (sender not authenticated: not answered)',
    });
    const secret = await deliver({
      from: 'victim@example.net',
      to: `avatar+0123456789abcdef01234567@${DOMAIN}`,
      ...FORGED,
    });
    expect(secret).toMatchObject({
      status: 'bounced',
      note: 'unknown-upload-address (sender not authenticated: not answered)',
    });
    expect(await sent()).toEqual([]);
  });

  it('answers a subject that decodes to CR/LF with a one-line subject, and updates the avatar', async () => {
    await signUp('crlf@example.com');
    delivered.length = 0;
    const record = await deliver({
      mode: 'raw',
      from: 'crlf@example.com',
      to: `avatar@${DOMAIN}`,
      subject: 'me\r\nBcc: other@example.net',
      attachments: [photo(await photoJpeg(300, 300))],
    });
    expect(record.status).toBe('delivered');
    const mails = await sent();
    expect(mails.map((m) => [m.subject, m.to[0]!.address, m.bcc.length])).toEqual([
      ['Re: me Bcc: other@example.net', 'crlf@example.com', 0],
    ]);
  });

  it('stops answering an auto-responder that does not mark its mail after 3 answers (8 rounds)', async () => {
    await signUp('away@example.com');
    delivered.length = 0;
    for (let round = 1; round <= 8; round++) {
      await deliver({
        from: 'away@example.com',
        to: `avatar@${DOMAIN}`,
        subject: `Re: Your avatar was not changed`,
        text: `Thanks for your mail (${round}), I will answer soon.`,
      });
    }
    expect(await sent()).toHaveLength(3);
  });

  it('ends every outcome the same way when replayed, with no second avatar or answer', async () => {
    const cookie = await signUp('replayed@example.com');
    delivered.length = 0;
    const rows = [
      await deliver({
        from: 'replayed@example.com',
        to: `avatar@${DOMAIN}`,
        attachments: [photo(await photoJpeg(300, 300))],
      }),
      await deliver({
        from: 'replayed@example.com',
        to: `avatar@${DOMAIN}`,
        subject: 'Out of office',
        headers: { 'Auto-Submitted': 'auto-replied' },
      }),
      await deliver({ from: 'replayed@example.com', to: `avatar@${DOMAIN}`, subject: 'nothing attached' }),
      await deliver({
        from: 'newcomer@example.com',
        to: `avatar@${DOMAIN}`,
        attachments: [photo(await photoJpeg(300, 300))],
      }),
      await deliver({
        from: 'replayed@example.com',
        to: `avatar@${DOMAIN}`,
        ...FORGED,
        attachments: [photo(await photoJpeg(300, 300))],
      }),
    ];
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'ignored', 'bounced', 'bounced', 'bounced']);
    const before = { mails: (await sent()).length, history: (await me(cookie)).history };
    expect(before.mails).toBe(4); // the confirmation, no image and the forged-From notice to replay@; not registered to newcomer@
    for (const row of rows) {
      expect(await mailroom.replay(row.id)).toBe(1);
      await mailroom.drain();
      expect(await store.inbox.get(row.id)).toMatchObject({ status: row.status, note: row.note, route: row.route });
    }
    expect({ mails: (await sent()).length, history: (await me(cookie)).history }).toEqual(before);
  });
});
