import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestMailroom, type InboundDescription, type TestMailroom } from '@mailroom/core/testing';
import { createAuthor, createBlogApp, type BlogApp } from '@mailroom/app-blog';
import { postAndSettle } from './support/settle.js';
import { scaled } from './support/summary.js';

// The blog against forged senders, over a real HTTP server with the Mailroom's worker and deliverer running
// (no drain): posts go through the real webhook, as SendGrid's would. PGlite, or PostgreSQL with DATABASE_URL.

const DOMAIN = 'blog.example.com';
const ANN = 'ann@writers.test';
const FORGED = { dkim: 'none', spf: 'fail' } as const;

let t: TestMailroom;
let blog: BlogApp;
let secretAddress: string;

beforeAll(async () => {
  t = await createTestMailroom({ mail: { from: `Blog <blog@${DOMAIN}>` }, worker: { pollMs: 50 } });
  blog = await createBlogApp({
    mailroom: t.mailroom,
    store: t.store,
    config: {
      domain: DOMAIN,
      publicUrl: `${t.url}/blog`,
      keys: [{ id: 'k1', secret: 'reliability secret for the blog app keys' }],
    },
  });
  t.app.route('/blog', blog.web);
  const author = await createAuthor(blog.db, { email: ANN, name: 'Ann', password: 'ann password 123' });
  secretAddress = `post+${author.postingToken}@${DOMAIN}`;
  t.mailroom.start();
});
afterAll(async () => {
  await t?.close();
});

/** Posts through the webhook and waits until the running worker has processed it and the outbox is empty. */
const post = (description: InboundDescription) => postAndSettle(t, description);

const mailTo = (address: string) => t.sent.filter((m) => m.to.some((to) => to.address === address));
const publicPage = async (path: string) => (await fetch(`${t.url}/blog${path}`)).status;

describe('blog: forged senders over the real webhook', () => {
  it('holds a forged post to the secret address as a draft and tells only the author, in fixed words', async () => {
    const record = await post({
      from: `Ann <${ANN}>`,
      to: secretAddress,
      subject: 'Forged post',
      text: 'Spam.',
      replyTo: 'x@attacker.test',
      ...FORGED,
    });
    expect(record).toMatchObject({ status: 'delivered', route: 'blog-post' });
    expect(await publicPage('/posts/forged-post')).toBe(404);
    expect(t.sent.map((m) => m.to[0]!.address)).toEqual([ANN]);
    expect(t.sent[0]!.subject).toBe('A post sent to your posting address is held as a draft');
  });

  it('refuses a forged From at the plain address and a forged reply, changing nothing', async () => {
    const plain = await post({ from: ANN, to: `post@${DOMAIN}`, subject: 'Plain forgery', text: 'x', ...FORGED });
    expect(plain).toMatchObject({ status: 'bounced', note: expect.stringMatching(/^sender not authenticated/) });
    expect(await publicPage('/posts/plain-forgery')).toBe(404);

    const real = await post({ from: ANN, to: secretAddress, subject: 'Real post', text: 'Original.' });
    expect(real.status).toBe('delivered');
    const replyTo = mailTo(ANN).at(-1)!.replyTo[0]!.address;
    const reply = await post({ from: ANN, to: replyTo, subject: 'Re: Real post', text: 'Defaced.', ...FORGED });
    expect(reply).toMatchObject({
      status: 'bounced',
      route: 'blog-reply',
      note: expect.stringMatching(/^unauthenticated update/),
    });
    expect(await (await fetch(`${t.url}/blog/posts/real-post`)).text()).not.toContain('Defaced');
  });

  it('bounds what forgers rotating addresses make us send: strangers nothing, the author at most 3 a day in all', async () => {
    const before = t.sent.length;
    const count = scaled(40, 20);
    for (let i = 0; i < count; i++) {
      await post({
        from: `forger${i}@spam${i}.test`,
        to: `post@${DOMAIN}`,
        subject: `Spam ${i}`,
        text: 'x',
        ...FORGED,
      });
      await post({ from: ANN, to: `post@${DOMAIN}`, subject: `As Ann ${i}`, text: 'x', ...FORGED });
    }
    expect(t.sent.slice(before).every((m) => m.to[0]!.address === ANN)).toBe(true);
    expect(mailTo(ANN).length).toBeLessThanOrEqual(3); // core's per-recipient cap, all answers of the day included
  });

  it('stops an unmarked auto-responder loop within 3 answers (8 rounds)', async () => {
    const bo = await createAuthor(blog.db, { email: 'bo@writers.test', name: 'Bo', password: 'bo password 123' });
    await post({ from: 'bo@writers.test', to: `post+${bo.postingToken}@${DOMAIN}`, subject: 'Ping', text: 'First.' });
    for (let round = 1; round <= 8; round++) {
      const ours = mailTo('bo@writers.test').at(-1)!;
      await post({
        from: 'bo@writers.test',
        to: ours.replyTo[0]!.address,
        inReplyTo: `<${ours.messageId}>`,
        subject: `Re: ${ours.subject}`,
        text: `Thanks (${round}), I will reply soon.`,
      });
    }
    expect(mailTo('bo@writers.test')).toHaveLength(3);
  });
});
