import type { Mailroom, MailContext, Transaction } from '@mailroom/core';
import { normalize } from '../config.js';
import type { ListsServices } from '../domain/index.js';
import { handleListMail } from './inbound.js';
import { handleReply } from './reply.js';
import type { Inbound, InboundResult } from './types.js';

/**
 * Declares the routes, most specific first: signed reply addresses (the Mailroom's
 * `reply+<token>@<reply domain>`), the command address (`<list>-request@domain`), then the list
 * addresses (`<list>@domain`). Each email is handled once (`ctx.once`) inside the handler's
 * transaction; its outcome is decided in there too, so a replay ends with the same status and note.
 */
export function registerListRoutes<E extends object>(
  mailroom: Mailroom<E>,
  services: ListsServices,
  onResult?: (result: InboundResult) => void,
): void {
  const { domain } = services.config;
  const { localPrefix, domain: replyDomain } = services.replyAddresses;

  const run = async (ctx: MailContext<unknown>, handle: (inbound: Inbound) => Promise<InboundResult>) => {
    const result = await ctx.once('lists.inbound', async (tx) => {
      const outcome = await handle(inboundOf(ctx, tx, services));
      if (outcome.outcome === 'ignored') ctx.ignore(outcome.reason);
      else if (outcome.outcome === 'bounced') ctx.bounce(outcome.reason);
      return outcome;
    });
    if (!result) return;
    if (result.outcome !== 'ignored' && result.outcome !== 'bounced') ctx.log.info('lists_inbound', { ...result });
    onResult?.(result);
  };

  mailroom.route(
    'lists-reply',
    `${localPrefix}+{token}@${replyDomain}`,
    (ctx) => run(ctx, (inbound) => handleReply(inbound, ctx.params.token, ctx.replyToken.scope)),
    {
      replyToken: 'token',
      // A thread's shared Reply-To is bound to the list address: the binding is checked per scope in handleReply.
      requireSender: false,
    },
  );
  mailroom.route('lists-request', `{list}-request@${domain}`, (ctx) =>
    run(ctx, (inbound) => handleListMail(inbound, ctx.params.list.toLowerCase(), true)),
  );
  mailroom.route('lists-post', `{list}@${domain}`, (ctx) =>
    run(ctx, (inbound) => handleListMail(inbound, ctx.params.list.toLowerCase(), false)),
  );
}

function inboundOf(ctx: MailContext<unknown>, tx: Transaction, services: ListsServices): Inbound {
  const { email } = ctx;
  const { config, messageIds, replyAddresses } = services;
  return {
    ctx,
    tx,
    services,
    email,
    sender: email.from?.address ? normalize(email.from.address) : null,
    verdict: email.authVerdict(),
    classification: email.classify({
      ownDomains: [...new Set([config.domain, messageIds.domain, replyAddresses.domain])],
    }),
  };
}
