import type { Transaction } from '../inbox/index.js';
import type { InboundEmail } from '../message/index.js';
import { toAddressList, type AddressInput } from './message.js';
import type { MessageIds } from './message-id.js';
import type { Mailer, SendResult } from './outbox.js';
import type { ReplyAddresses, ReplyTokenResult } from './reply-address.js';
import {
  buildReply,
  canAutoReply,
  replyRecipients,
  reserveAutoReply,
  type AutoReplyLimit,
  type AutoReplyRefusal,
  type ReplyContent,
} from './threading.js';

/** The parts of a handler context the helpers use (the Mailroom's ctx fits). */
export interface ReplyContext {
  email: InboundEmail;
  tx?: Transaction;
  afterCommit?: (fn: () => unknown) => void;
}

export interface ReplyHelpersOptions {
  mailer: Mailer;
  from: AddressInput;
  /** Our domain for Message-IDs when no signer is given. */
  domain?: string;
  /** Signs the reply's scope into its Message-ID. */
  messageIds?: MessageIds;
  /** With a scope, replies get `Reply-To: reply+<token>@…` issued to the recipient. */
  replyAddresses?: ReplyAddresses;
  /** Our domains, for loop detection in automatic replies. */
  ownDomains?: readonly string[];
  /** Per-recipient limit for automatic replies (default 3 per 24 h). */
  autoReplyLimit?: AutoReplyLimit;
}

export interface ReplySendOptions {
  /** What the conversation is (e.g. `ticket:42`): signed into the Message-ID and the Reply-To address. */
  scope?: string;
  /** Automatic reply: checked with canAutoReply and the rate limit, sent with RFC 3834 headers. */
  auto?: boolean;
  from?: AddressInput;
  /**
   * Recipient override (default: the email's Reply-To, else From; automatic replies: the envelope sender),
   * e.g. an account's registered address rather than a From that may be forged. The signed Reply-To and
   * the automatic-reply limit are for the first of them.
   */
  to?: AddressInput | readonly AddressInput[];
  /** This reply's automatic-reply limit instead of the helpers' `autoReplyLimit` (e.g. a stricter one for notices). */
  autoReplyLimit?: AutoReplyLimit;
}

export type ReplyOutcome =
  ({ sent: true } & SendResult) | { sent: false; reason: AutoReplyRefusal | 'rate-limited'; detail: string };

export interface ReplyHelpers {
  /** Queues a reply to `ctx.email` in the handler's transaction; sent after commit. */
  reply(ctx: ReplyContext, content: ReplyContent, options?: ReplySendOptions): Promise<ReplyOutcome>;
  /** `reply(ctx, content, { ...options, auto: true })`. */
  autoReply(ctx: ReplyContext, content: ReplyContent, options?: Omit<ReplySendOptions, 'auto'>): Promise<ReplyOutcome>;
  /** Bound to one context: what the Mailroom adds to `ctx` (`ctx.reply(...)`, `ctx.autoReply(...)`). */
  extension(ctx: ReplyContext): {
    reply(content: ReplyContent, options?: ReplySendOptions): Promise<ReplyOutcome>;
    autoReply(content: ReplyContent, options?: Omit<ReplySendOptions, 'auto'>): Promise<ReplyOutcome>;
  };
}

/**
 * The reply functions a Mailroom exposes on handler contexts.
 *
 * @example
 * ```ts
 * const replies = createReplyHelpers({ mailer, from: 'Support <help@example.com>', messageIds, replyAddresses });
 * mailroom.extend((ctx) => replies.extension(ctx));
 * // in a handler:
 * await ctx.reply({ text: 'Thanks, we got it.' }, { scope: `t:${ticket.id}`, auto: true });
 * ```
 */
export function createReplyHelpers(options: ReplyHelpersOptions): ReplyHelpers {
  async function reply(
    ctx: ReplyContext,
    content: ReplyContent,
    replyOptions: ReplySendOptions = {},
  ): Promise<ReplyOutcome> {
    const auto = replyOptions.auto ?? false;
    const recipient = (
      replyOptions.to !== undefined ? toAddressList(replyOptions.to) : replyRecipients(ctx.email, auto)
    )[0]?.address;
    if (auto) {
      const verdict = canAutoReply(ctx.email, { ownDomains: options.ownDomains ?? [] });
      if (!verdict.ok) return { sent: false, reason: verdict.reason, detail: verdict.detail };
    }
    if (!recipient) return { sent: false, reason: 'no-sender', detail: 'no address to reply to' };
    const replyTo =
      content.replyTo ??
      (replyOptions.scope && options.replyAddresses
        ? options.replyAddresses.create({ scope: replyOptions.scope, recipient })
        : undefined);
    const message = buildReply(
      ctx.email,
      { ...content, ...(replyTo ? { replyTo } : {}) },
      {
        from: replyOptions.from ?? options.from,
        ...(options.domain ? { domain: options.domain } : {}),
        ...(options.messageIds ? { messageIds: options.messageIds } : {}),
        ...(replyOptions.scope ? { scope: replyOptions.scope } : {}),
        ...(replyOptions.to !== undefined ? { to: replyOptions.to } : {}),
        auto,
      },
    );
    const send = async (tx: Transaction | undefined) => {
      if (auto) {
        if (!tx) throw new Error('automatic replies need the handler transaction (ctx.tx) for the rate limit');
        const limit = replyOptions.autoReplyLimit ?? options.autoReplyLimit;
        const allowed = await reserveAutoReply(tx, recipient, limit, { scope: replyOptions.scope ?? null });
        if (!allowed)
          return {
            sent: false as const,
            reason: 'rate-limited' as const,
            detail: `automatic-reply limit reached (for ${recipient}, or for all recipients)`,
          };
      }
      const result = await options.mailer.send(message, {
        ...(tx ? { tx } : {}),
        ...(ctx.afterCommit ? { afterCommit: ctx.afterCommit } : {}),
      });
      return { sent: true as const, ...result };
    };
    return send(ctx.tx);
  }

  return {
    reply,
    autoReply: (ctx, content, replyOptions = {}) => reply(ctx, content, { ...replyOptions, auto: true }),
    extension: (ctx) => ({
      reply: (content, replyOptions) => reply(ctx, content, replyOptions),
      autoReply: (content, replyOptions = {}) => reply(ctx, content, { ...replyOptions, auto: true }),
    }),
  };
}

export interface VerifyReplyTokenInput {
  email: InboundEmail;
  /** The `{token}` route parameter; without it the recipients are searched for a reply address. */
  token?: string | null;
  /** Bind to the sender (From must be the address the token was issued to). Default true. */
  requireSender?: boolean;
}

/**
 * Verifies the reply token an email was sent to (route `reply+{token}@replies.example.com`):
 * the handler learns the verified scope and that the sender is who the address was issued to.
 */
export function verifyReplyToken(addresses: ReplyAddresses, input: VerifyReplyTokenInput): ReplyTokenResult {
  const recipient = input.requireSender === false ? null : (input.email.from?.address ?? null);
  if (input.requireSender !== false && !recipient) return { ok: false, reason: 'wrong-recipient' };
  if (input.token) return addresses.verify(input.token, { recipient });
  const candidates = [
    ...input.email.envelope.to,
    ...input.email.to.map((a) => a.address),
    ...input.email.cc.map((a) => a.address),
  ].filter((a) => a.toLowerCase().endsWith(`@${addresses.domain}`));
  let result: ReplyTokenResult = { ok: false, reason: 'malformed' };
  for (const candidate of candidates) {
    result = addresses.verify(candidate, { recipient });
    if (result.ok) return result;
  }
  return result;
}

/**
 * Middleware for a route with a token parameter: bounces emails whose token does not verify,
 * and exposes the verified result as `replyToken` via the context extension it returns. On a Mailroom,
 * use the route option instead: `mailroom.route('reply+{token}@replies.example.com', handler, { replyToken: 'token' })`
 * (with `createMailroom({ mail: { replyAddresses } })`), which also types `ctx.replyToken`.
 */
export function replyTokenGuard(addresses: ReplyAddresses, options: { param?: string; requireSender?: boolean } = {}) {
  const param = options.param ?? 'token';
  const check = (ctx: { email: InboundEmail; params?: unknown }) => {
    const params = (ctx.params ?? {}) as Record<string, unknown>;
    const token = typeof params[param] === 'string' ? (params[param] as string) : null;
    return verifyReplyToken(addresses, { email: ctx.email, token, requireSender: options.requireSender ?? true });
  };
  return {
    extension: (ctx: { email: InboundEmail; params?: unknown }) => ({ replyToken: check(ctx) }),
    middleware: async (
      ctx: { email: InboundEmail; params?: unknown; bounce(reason: string): void },
      next: () => Promise<void>,
    ) => {
      const result = check(ctx);
      if (!result.ok) {
        ctx.bounce(`reply address rejected: ${result.reason}`);
        return;
      }
      await next();
    },
  };
}
