/**
 * The help desk's mail side: routes on the Mailroom, what each email does (`handleInbound`), the
 * acknowledgement (`ctx.autoReply`), delivery reports and Event Webhook bounces.
 *
 * @example
 * ```ts
 * // mailroom = createMailroom({ store, security, mail: { from, replyAddresses: { keys, domain }, messageIds: { keys, domain } } })
 * registerSupportRoutes(mailroom, { services, config }, (result) => console.log(result.action));
 * registerBounceEvents(mailroom.events);
 * // support@… opens or continues a ticket; reply+<token>@<config.domain> continues the ticket the token names.
 * ```
 */
import type { MailContext, Mailroom, VerifiedReplyToken } from '@mailroom/core';
import { handleInbound, type InboundResult, type MailDeps } from './inbound.js';

export { registerBounceEvents } from './bounces.js';
export type { InboundResult, MailDeps } from './inbound.js';

/**
 * Declares the help desk's routes: one per support address, and its reply addresses
 * (`reply+<token>@<domain>`, the token verified by core: signature, expiry, issued to this sender). Each email
 * is handled once (`ctx.once`), inside the handler's transaction, so a replay creates nothing twice and
 * ends with the same status and note.
 */
export function registerSupportRoutes<E extends object>(
  mailroom: Mailroom<E>,
  deps: MailDeps,
  onResult?: (result: InboundResult) => void,
): void {
  const run = async (ctx: MailContext, token: VerifiedReplyToken | null) => {
    const result = await ctx.once('support.inbound', (tx) => handleInbound({ ctx, tx }, deps, token));
    if (result && onResult) onResult(result);
  };
  for (const queue of deps.config.queues)
    mailroom.route(`support:${queue.address}`, queue.address, (ctx) => run(ctx, null));
  const prefix = deps.services.replyAddresses.localPrefix;
  mailroom.route('support-reply', `${prefix}+{token}@${deps.config.domain}`, (ctx) => run(ctx, ctx.replyToken), {
    replyToken: 'token',
  });
}
