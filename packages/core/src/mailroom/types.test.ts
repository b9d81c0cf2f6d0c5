import { describe, expectTypeOf, it } from 'vitest';
import type { MatchedRecipient, NoParams } from '../routing/index.js';
import type { Mailroom } from './index.js';

// Type-level checks (tsc verifies them; the runtime body only declares handlers on a typed stub).
declare const mailroom: Mailroom<{ mailer: { send(to: string): Promise<void> } }>;

describe('Mailroom handler types', () => {
  it('types params from the pattern, the recipient, and context extensions', () => {
    const check = () => {
      mailroom.route('posts', 'post+{token}@{host}.example.com', (ctx) => {
        expectTypeOf(ctx.params).toEqualTypeOf<{ token: string; host: string }>();
        expectTypeOf(ctx.recipient).toEqualTypeOf<MatchedRecipient>();
        expectTypeOf(ctx.mailer.send).parameter(0).toBeString();
        // @ts-expect-error: no such param
        void ctx.params.tokn;
      });
      mailroom.route({ to: 'reply-{id}@x.test', subject: /\[(?<tag>\w+)\]/ }, (ctx) => {
        expectTypeOf(ctx.params.id).toBeString();
        expectTypeOf(ctx.params).toMatchTypeOf<Record<string, string>>();
      });
      mailroom.route((email) => email.subject === 'x', (ctx) => {
        expectTypeOf(ctx.params).toEqualTypeOf<NoParams>();
      });
      mailroom.fallback((ctx) => {
        expectTypeOf(ctx.recipient).toEqualTypeOf<null>();
        expectTypeOf(ctx.bounce).toBeFunction();
      });
      const extended = mailroom.extend((ctx) => ({ tenant: ctx.route.length }));
      extended.route('t', 't@x.test', (ctx) => {
        expectTypeOf(ctx.tenant).toBeNumber();
        expectTypeOf(ctx.mailer).not.toBeAny();
      });
    };
    expectTypeOf(check).toBeFunction();
  });
});
