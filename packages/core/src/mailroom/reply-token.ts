import { verifyReplyToken, type ReplyAddresses } from '../outbound/index.js';
import type { Params } from '../routing/index.js';
import type { MailContext, Middleware } from './context.js';

/** The verified reply token of a route declared with `{ replyToken: 'param' }`. */
export interface VerifiedReplyToken {
  /** What the address was issued for (e.g. `t:42`), as signed. */
  scope: string;
  /** The address it was issued to, which is the sender of this email (normalized); null with `requireSender: false`. */
  recipient: string | null;
  expiresAt: Date;
  /** The signing key that verified it (rotation). */
  keyId: string;
}

export interface ReplyTokenRouteOptions<Param extends string = string> {
  /**
   * The `{param}` of the pattern that holds a reply token (`'reply+{token}@replies.example.com'` → `'token'`).
   * It is verified with `mail.replyAddresses` before the route's middleware and handler run; the handler
   * gets `ctx.replyToken`. A forged, expired or foreign token bounces the email with the reason.
   */
  replyToken?: Param;
  /** With a failing token: `'bounce'` (default) or `'ignore'` the email, with the reason as note. */
  onInvalidToken?: 'bounce' | 'ignore';
  /** The sender must be the address the token was issued to (default true). */
  requireSender?: boolean;
}

/** Context fields a route gets from its options: `T` is the `replyToken` param name, if any. */
export type RouteFields<T> = [T] extends [string] ? { readonly replyToken: VerifiedReplyToken } : {};

/** Verifies the token parameter, then exposes it as `ctx.replyToken`, or ends the email with the reason. */
export function replyTokenMiddleware(addresses: ReplyAddresses, options: ReplyTokenRouteOptions): Middleware {
  const param = options.replyToken!;
  const action = options.onInvalidToken ?? 'bounce';
  return async (ctx: MailContext<Params>, next) => {
    const value = (ctx.params as Record<string, string | undefined>)[param];
    const result = verifyReplyToken(addresses, {
      email: ctx.email,
      token: value ?? null,
      requireSender: options.requireSender ?? true,
    });
    if (!result.ok) {
      ctx.log.warn('reply_token_rejected', { reason: result.reason });
      ctx[action](`reply token rejected: ${result.reason}`);
      return;
    }
    const replyToken: VerifiedReplyToken = {
      scope: result.scope,
      recipient: result.recipient,
      expiresAt: result.expiresAt,
      keyId: result.keyId,
    };
    Object.defineProperty(ctx, 'replyToken', { value: replyToken, enumerable: true });
    await next();
  };
}
