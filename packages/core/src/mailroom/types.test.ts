import { describe, expectTypeOf, it } from 'vitest';
import type { MatchedRecipient, NoParams } from '../routing/index.js';
import type { Mailroom, VerifiedReplyToken } from './index.js';

// Type-level checks (tsc verifies them; the runtime body only declares handlers on a typed stub).
declare const mailroom: Mailroom<{ billing: { charge(to: string): Promise<void> } }>;

describe('Mailroom handler types', () => {
  it('types params from the pattern, the recipient, and context extensions', () => {
    const check = () => {
      mailroom.route('posts', 'post+{token}@{host}.example.com', (ctx) => {
        expectTypeOf(ctx.params).toEqualTypeOf<{ token: string; host: string }>();
        expectTypeOf(ctx.recipient).toEqualTypeOf<MatchedRecipient>();
        expectTypeOf(ctx.billing.charge).parameter(0).toBeString();
        expectTypeOf(ctx.reply).toBeFunction();
        // @ts-expect-error: no such param
        void ctx.params.tokn;
      });
      mailroom.route({ to: 'reply-{id}@x.test', subject: /\[(?<tag>\w+)\]/ }, (ctx) => {
        expectTypeOf(ctx.params.id).toBeString();
        expectTypeOf(ctx.params).toMatchTypeOf<Record<string, string>>();
      });
      mailroom.route(
        (email) => email.subject === 'x',
        (ctx) => {
          expectTypeOf(ctx.params).toEqualTypeOf<NoParams>();
        },
      );
      mailroom.fallback((ctx) => {
        expectTypeOf(ctx.recipient).toEqualTypeOf<null>();
        expectTypeOf(ctx.bounce).toBeFunction();
      });
      const extended = mailroom.extend((ctx) => ({ tenant: ctx.route.length }));
      extended.route('t', 't@x.test', (ctx) => {
        expectTypeOf(ctx.tenant).toBeNumber();
        expectTypeOf(ctx.billing).not.toBeAny();
      });
    };
    expectTypeOf(check).toBeFunction();
  });

  it('gives ctx.replyToken only to routes declared with the replyToken option, naming a real param', () => {
    const check = () => {
      mailroom.route(
        'reply',
        'reply+{token}@replies.example.com',
        (ctx) => {
          expectTypeOf(ctx.replyToken).toEqualTypeOf<VerifiedReplyToken>();
          expectTypeOf(ctx.replyToken.scope).toBeString();
          expectTypeOf(ctx.params.token).toBeString();
        },
        { replyToken: 'token' },
      );
      mailroom.route(
        'reply+{token}@other.example.com',
        (ctx) => {
          expectTypeOf(ctx.replyToken.recipient).toEqualTypeOf<string | null>();
        },
        { replyToken: 'token', onInvalidToken: 'ignore' },
      );
      mailroom.route('plain', 'reply+{token}@replies.example.com', (ctx) => {
        // @ts-expect-error: no replyToken without the option
        void ctx.replyToken;
      });
      // @ts-expect-error: the pattern has no {tokn} param
      mailroom.route('typo', 'reply+{token}@replies.example.com', () => {}, { replyToken: 'tokn' });
      mailroom.route('guarded', 'admin@example.com', (ctx) => ctx.reply({ text: 'ok' }), {
        use: [async (_ctx, next) => next()],
      });
    };
    expectTypeOf(check).toBeFunction();
  });
});
