/**
 * The lists' inbound mail: routes on the Mailroom for list addresses, command addresses and signed
 * reply addresses. Sender authenticity (`email.authVerdict()`) is decided here: an unaligned sender's
 * post is held for moderation, and its moderation or probe answers are ignored; commands are answered
 * by `ctx.autoReply` with fixed text and a confirmation link, whoever sent them.
 *
 * @example
 * ```ts
 * registerListRoutes(mailroom, services, (result) => console.log(result.outcome));
 * ```
 */
export { registerListRoutes } from './routes.js';
export type { InboundResult } from './types.js';
