import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailroomConfigurationError, type PreparedMessage, type Transport } from '@mailroom/core';
import { createTestStore, type TestStore } from '@mailroom/core/testing';
import { deliver, testMailroom } from './support.js';

// Two apps on one Mailroom, each on its own reply domain (as the demo composes the sample apps): a route's
// `replyAddresses` signs the Reply-To of its ctx.reply and verifies its replyToken, independently of the other's.

const blogKeys = [{ id: 'b1', secret: 'the blog app signing secret, long enough' }];
const shopKeys = [{ id: 's1', secret: 'the shop app signing secret, long enough' }];

function capture() {
  const sent: PreparedMessage[] = [];
  const transport: Transport = { name: 'capture', maxBatchSize: 1, deliver: async (batch) => void sent.push(...batch) };
  return { sent, transport };
}

let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(async () => {
  await store?.close();
});

describe('a route with its own replyAddresses', () => {
  it('signs ctx.reply with the route signer and verifies replies with it, apart from other routes', async () => {
    const { sent, transport } = capture();
    const scopes: string[] = [];
    const blog = { keys: blogKeys, domain: 'blog.example' };
    const mailroom = testMailroom(store, { mail: { from: 'apps@mail.example', transport } })
      .route('blog-post', 'post@blog.example', (ctx) => ctx.autoReply({ text: 'saved' }, { scope: 'p:1' }), {
        replyAddresses: blog,
      })
      .route('blog-reply', 'reply+{token}@blog.example', (ctx) => void scopes.push(`blog ${ctx.replyToken.scope}`), {
        replyToken: 'token',
        replyAddresses: blog,
      })
      .route('shop-reply', 'reply+{token}@shop.example', (ctx) => void scopes.push(`shop ${ctx.replyToken.scope}`), {
        replyToken: 'token',
        replyAddresses: { keys: shopKeys, domain: 'shop.example' },
      });

    expect(await deliver(mailroom, { from: 'ann@writers.example', to: 'post@blog.example' })).toMatchObject({
      status: 'delivered',
    });
    const replyTo = sent[0]!.replyTo[0]!.address;
    expect(replyTo).toMatch(/^reply\+[a-z2-7]+@blog\.example$/);

    expect(await deliver(mailroom, { from: 'ann@writers.example', to: replyTo })).toMatchObject({
      status: 'delivered',
      route: 'blog-reply',
    });
    expect(scopes).toEqual(['blog p:1']);
    // The blog's token on the shop's domain is not the shop's: its key is unknown there.
    const foreign = replyTo.replace('@blog.example', '@shop.example');
    expect(await deliver(mailroom, { from: 'ann@writers.example', to: foreign })).toMatchObject({
      status: 'bounced',
      route: 'shop-reply',
      note: 'reply token rejected: unknown-key',
    });
    expect(scopes).toEqual(['blog p:1']);
  });

  it('needs outbound mail configured', () => {
    const mailroom = testMailroom(store);
    expect(() =>
      mailroom.route('r', 'reply+{token}@x.example', () => {}, {
        replyToken: 'token',
        replyAddresses: { keys: blogKeys, domain: 'x.example' },
      }),
    ).toThrow(MailroomConfigurationError);
  });
});
