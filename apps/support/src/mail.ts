import type { MailContext, Mailroom } from '@mailroom/core';
import type { ResolvedConfig } from './config.js';
import { handleInbound, type InboundDeps, type InboundResult } from './inbound.js';

export const REPLY_LOCAL_PREFIX = 'reply';

/** Route names this app declares (for replay/reroute). */
export function routeNames(config: ResolvedConfig): string[] {
  return ['support-reply', ...config.queues.map((q) => `support:${q.address}`)];
}

/**
 * Declares the help desk's routes: signed reply addresses (`reply+<token>@<domain>`) first, then
 * one route per support address. Each email is handled once (`ctx.once`), inside the handler's
 * transaction, so a replayed email creates nothing twice.
 */
export function registerSupportRoutes<E extends object>(
  mailroom: Mailroom<E>,
  deps: InboundDeps,
  onResult?: (result: InboundResult) => void,
): void {
  const run = async (ctx: MailContext<unknown>, token: string | null) => {
    const result = await ctx.once('support.inbound', (tx) => {
      deps.services.bindAfterCommit(tx, (fn) => ctx.afterCommit(fn));
      return handleInbound(
        {
          id: ctx.id,
          email: ctx.email,
          tx,
          recipient: ctx.recipient?.address ?? '',
          bounce: (reason) => ctx.bounce(reason),
          ignore: (reason) => ctx.ignore(reason),
          log: ctx.log,
        },
        deps,
        token,
      );
    });
    if (result && onResult) onResult(result);
  };
  mailroom.route('support-reply', `${REPLY_LOCAL_PREFIX}+{token}@${deps.config.domain}`, (ctx) => run(ctx, ctx.params.token));
  for (const queue of deps.config.queues) {
    mailroom.route(`support:${queue.address}`, queue.address, (ctx) => run(ctx, null));
  }
}
