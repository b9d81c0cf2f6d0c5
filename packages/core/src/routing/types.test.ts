import { describe, expectTypeOf, it } from 'vitest';
import type { InboundEmail } from '../message/index.js';
import type { NoParams, ParamNames, ParamsOf, PatternParams } from './index.js';

describe('param types', () => {
  it('infers placeholder names from pattern strings', () => {
    expectTypeOf<ParamNames<'post+{token}@blog.example.com'>>().toEqualTypeOf<'token'>();
    expectTypeOf<ParamNames<'{user}@{domain}'>>().toEqualTypeOf<'user' | 'domain'>();
    expectTypeOf<PatternParams<'post+{token}@blog.example.com'>>().toEqualTypeOf<{ token: string }>();
    expectTypeOf<PatternParams<'support@example.com'>>().toEqualTypeOf<{}>();
    expectTypeOf<PatternParams<string>>().toEqualTypeOf<Record<string, string>>();
  });

  it('derives handler params for every pattern form', () => {
    expectTypeOf<ParamsOf<'{list}@lists.example.com'>>().toEqualTypeOf<{ list: string }>();
    expectTypeOf<ParamsOf<RegExp>>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<ParamsOf<(email: InboundEmail) => boolean>>().toEqualTypeOf<NoParams>();
    expectTypeOf<ParamsOf<{ to: 'reply-{id}@x.test'; from: '{sender}@partner.test' }>>().toEqualTypeOf<{
      id: string;
      sender: string;
    }>();
    expectTypeOf<ParamsOf<{ to: 'support@x.test'; subject: RegExp }>>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<ParamsOf<{ readonly to: 't+{id}@x.test'; readonly subject: RegExp }>>().toMatchTypeOf<{
      id: string;
    }>();
    expectTypeOf<ParamsOf<{ header: { name: 'List-Id' } }>>().toEqualTypeOf<NoParams>();
    // @ts-expect-error: `token` is the only param of this pattern
    const bad: ParamsOf<'post+{token}@x.test'>['tokn'] = '';
    void bad;
  });
});
