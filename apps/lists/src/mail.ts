import type { MailContext, Mailroom } from '@mailroom/core';
import { REPLY_PREFIX } from './config.js';
import type { ListsDb } from './db/index.js';
import { handleInbound, type Destination, type InboundResult } from './inbound.js';
import type { ListsServices } from './service.js';

/** Route names this app declares (for replay/reroute). */
export const ROUTES = { reply: 'lists-reply', request: 'lists-request', post: 'lists-post' } as const;

/**
 * Declares the routes, most specific first: signed reply addresses (`reply+<token>@domain`), the
 * command address (`<list>-request@domain`), then the list addresses (`<list>@domain`). Each email is
 * handled once (`ctx.once`), inside the handler's transaction.
 */
export function registerListRoutes<E extends object>(
  mailroom: Mailroom<E>,
  services: ListsServices,
  onResult?: (result: InboundResult) => void,
): void {
  const { domain } = services.config;
  const run = async (ctx: MailContext<unknown>, destination: Destination) => {
    const result = await ctx.once('lists.inbound', (tx) =>
      handleInbound({ id: ctx.id, email: ctx.email, tx: tx as unknown as ListsDb, afterCommit: (fn) => ctx.afterCommit(fn), log: ctx.log }, services, destination),
    );
    if (!result) return; // handled by an earlier attempt that committed
    if (result.outcome === 'ignored') ctx.ignore(result.reason);
    else if (result.outcome === 'bounced') ctx.bounce(result.reason);
    else ctx.log.info('lists_inbound', { ...result });
    onResult?.(result);
  };
  mailroom.route(ROUTES.reply, `${REPLY_PREFIX}+{token}@${domain}`, (ctx) => run(ctx, { kind: 'reply', token: ctx.params.token }));
  mailroom.route(ROUTES.request, `{list}-request@${domain}`, (ctx) => run(ctx, { kind: 'request', slug: ctx.params.list.toLowerCase() }));
  mailroom.route(ROUTES.post, `{list}@${domain}`, (ctx) => run(ctx, { kind: 'list', slug: ctx.params.list.toLowerCase() }));
}
