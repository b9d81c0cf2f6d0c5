import { assertAuthenticatedSender } from '../text/index.js';
import type { Params } from '../routing/index.js';
import type { MailContext, Middleware } from './context.js';

export interface RequireAuthenticatedSenderOptions {
  /** What happens to mail whose sender fails the check: `'bounce'` (default) or `'ignore'`, with the reason as note. */
  action?: 'bounce' | 'ignore';
  /**
   * The address From must be, e.g. the owner of the account the route's params name. Return
   * null/undefined to accept any authenticated sender. Runs inside the handler's transaction (`ctx.tx`).
   */
  expectedSender?: (ctx: MailContext<Params>) => string | null | undefined | Promise<string | null | undefined>;
}

/**
 * Middleware for privileged mail actions (publishing, closing a ticket, changing an avatar): the From
 * address must be DKIM- or SPF-aligned (`email.authVerdict()`: Mailroom's own DKIM verification with
 * `createMailroom({ senderAuth: { dkim: 'verify' } })` in raw mode, else SendGrid's fields), and, with
 * `expectedSender`, the expected one. Otherwise the email is bounced (or ignored) with the reason and the handler does not run.
 *
 * @example
 * ```ts
 * mailroom.route('publish', 'post+{token}@blog.example.com', publish, {
 *   use: requireAuthenticatedSender({ expectedSender: async (ctx) => (await authorOf(ctx.tx, ctx.params.token))?.email }),
 * });
 * mailroom.use(requireAuthenticatedSender({ action: 'ignore' }));   // or for every route
 * ```
 */
export function requireAuthenticatedSender(options: RequireAuthenticatedSenderOptions = {}): Middleware {
  const action = options.action ?? 'bounce';
  return async (ctx, next) => {
    const expected = (await options.expectedSender?.(ctx)) ?? undefined;
    const check = assertAuthenticatedSender(ctx.email, expected);
    if (!check.ok) {
      ctx.log.warn('sender_not_authenticated', { reason: check.reason });
      ctx[action](`sender not authenticated: ${check.reason}`);
      return;
    }
    await next();
  };
}
