import type { Mailroom, MailContext, RouteContext, RouteFields, Store } from '@mailroom/core';
import type { ReplyAddressOptions } from '@mailroom/core/outbound';
import type { BlogConfig } from '../config.js';
import type { Post } from '../db/schema.js';
import { postToPlainAddress, postToSecretAddress } from './posting.js';
import { updateFromReply } from './updates.js';

/** Route names (replay, logs, the inbox's `route` column). */
export const ROUTES = { secret: 'blog-post', plain: 'blog-plain', reply: 'blog-reply' } as const;
/** Local part of the signed addresses answers ask replies to go to (`reply+<token>@domain`). */
const REPLY_LOCAL_PART = 'reply';

/** What happened to an inbound email (logged, and handed to `onOutcome`). */
export type MailOutcome =
  | { kind: 'created'; postId: number; status: Post['status']; draftReason: string | null }
  | { kind: 'updated'; postId: number }
  | { kind: 'duplicate'; postId: number }
  | { kind: 'refused'; reason: string; notified: boolean }
  | { kind: 'ignored'; reason: string };

export interface MailDeps {
  config: BlogConfig;
  store: Store;
  onOutcome?: (outcome: MailOutcome) => void;
}

export type PostingContext = RouteContext<{ token: string }> | RouteContext<{}>;
export type ReplyContext = RouteContext<{ token: string }, RouteFields<'token'>>;

/**
 * Declares the blog's routes. The reply route's tokens are signed and checked by core (`replyToken`, with the
 * blog's own keys and domain, so the blog can share a Mailroom with other apps): a forged, expired or foreign
 * token, or a sender other than the one it was issued to, bounces before the handler runs.
 */
export function registerBlogRoutes(mailroom: Mailroom<object>, deps: MailDeps): void {
  const { config } = deps;
  const replyAddresses: ReplyAddressOptions = {
    keys: config.keys,
    domain: config.domain,
    localPrefix: REPLY_LOCAL_PART,
  };
  const local = config.postingLocalPart;
  mailroom.route(
    ROUTES.reply,
    `${REPLY_LOCAL_PART}+{token}@${config.domain}`,
    async (ctx: ReplyContext) => report(ctx, deps, await updateFromReply(ctx, deps)),
    {
      replyToken: 'token',
      replyAddresses,
    },
  );
  mailroom.route(
    ROUTES.secret,
    `${local}+{token}@${config.domain}`,
    async (ctx: RouteContext<{ token: string }>) =>
      report(ctx, deps, await postToSecretAddress(ctx, ctx.params.token, deps)),
    { replyAddresses },
  );
  if (config.allowPlainAddress) {
    mailroom.route(
      ROUTES.plain,
      `${local}@${config.domain}`,
      async (ctx: RouteContext<{}>) => report(ctx, deps, await postToPlainAddress(ctx, deps)),
      {
        replyAddresses,
      },
    );
  }
}

/** Records the outcome as the email's status and note (the same on a replay: outcomes are deterministic or kept by `ctx.once`). */
function report(ctx: MailContext, deps: MailDeps, outcome: MailOutcome): void {
  if (outcome.kind === 'ignored') ctx.ignore(outcome.reason);
  if (outcome.kind === 'refused') ctx.bounce(outcome.reason);
  ctx.log.info('blog.mail', { outcome });
  deps.onOutcome?.(outcome);
}
