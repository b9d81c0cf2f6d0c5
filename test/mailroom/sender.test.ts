import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAuthenticatedSender } from '@mailroom/core';
import { createTestStore, type TestStore } from '@mailroom/core/testing';
import { deliver, testMailroom } from './support.js';

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store?.close();
});

describe('requireAuthenticatedSender', () => {
  it('lets aligned senders through and bounces spoofed ones with the verdict, per route', async () => {
    const handled: string[] = [];
    const mailroom = testMailroom(store)
      .route(
        'publish',
        'post@blog.example',
        (ctx) => {
          handled.push(ctx.email.from!.address);
        },
        { use: requireAuthenticatedSender() },
      )
      .route('open', 'open@blog.example', (ctx) => {
        handled.push(`open:${ctx.email.from!.address}`);
      });

    // The kit signs DKIM for the From domain by default: aligned.
    expect(await deliver(mailroom, { from: 'ann@author.example', to: 'post@blog.example' })).toMatchObject({
      status: 'delivered',
    });
    // Passing DKIM and SPF for someone else's domain do not vouch for From.
    const spoofed = await deliver(mailroom, {
      from: 'ann@author.example',
      to: 'post@blog.example',
      dkim: '{@evil.example : pass}',
      envelope: { from: 'x@evil.example' },
    });
    expect(spoofed.status).toBe('bounced');
    expect(spoofed.note).toMatch(
      /^sender not authenticated: no passing DKIM signature aligned with From domain author\.example/,
    );
    // A subdomain's signature aligns (relaxed alignment); other routes are not affected.
    expect(
      await deliver(mailroom, {
        from: 'ann@author.example',
        to: 'post@blog.example',
        dkim: '{@mail.author.example : pass}',
        spf: 'fail',
      }),
    ).toMatchObject({ status: 'delivered' });
    expect(
      await deliver(mailroom, { from: 'eve@evil.example', to: 'open@blog.example', dkim: 'none', spf: 'fail' }),
    ).toMatchObject({ status: 'delivered' });
    expect(handled).toEqual(['ann@author.example', 'ann@author.example', 'open:eve@evil.example']);
  });

  it('checks the expected sender, and can ignore instead of bounce (as Mailroom-wide middleware)', async () => {
    const owners: Record<string, string> = { k1: 'owner@author.example' };
    const handled: string[] = [];
    const mailroom = testMailroom(store)
      .use(requireAuthenticatedSender({ action: 'ignore', expectedSender: (ctx) => owners[ctx.params.key ?? ''] }))
      .route('avatar', 'avatar+{key}@avatars.example', (ctx) => {
        handled.push(ctx.params.key);
      });
    expect(await deliver(mailroom, { from: 'owner@author.example', to: 'avatar+k1@avatars.example' })).toMatchObject({
      status: 'delivered',
    });
    const other = await deliver(mailroom, { from: 'ann@author.example', to: 'avatar+k1@avatars.example' });
    expect(other).toMatchObject({
      status: 'ignored',
      note: 'sender not authenticated: From ann@author.example is not the expected sender owner@author.example',
    });
    expect(handled).toEqual(['k1']);
  });
});
