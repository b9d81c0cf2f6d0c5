/**
 * Replies to a confirmation (`reply+<signed token>@`): core verified the token and that From is the address it
 * was issued to; the update applies only when that From is also DKIM/SPF-aligned (From alone is forgeable).
 */
import { assertAuthenticatedSender } from '@mailroom/core';
import { authorById, normalizeEmail } from '../domain/authors.js';
import { postById, updatePostContent } from '../domain/posts.js';
import { answerAuthor, confirmation, unauthenticatedUpdateNotice } from './answers.js';
import { buildFromEmail, hasNoNewContent, machineReason } from './content.js';
import { refuseWithNotice } from './posting.js';
import type { MailDeps, MailOutcome, ReplyContext } from './routes.js';

export async function updateFromReply(ctx: ReplyContext, deps: MailDeps): Promise<MailOutcome> {
  const machine = machineReason(ctx.email, deps.config);
  if (machine) return { kind: 'ignored', reason: machine };
  const match = /^p:(\d+)$/.exec(ctx.replyToken.scope);
  const post = match ? await postById(ctx.tx, Number(match[1])) : null;
  const author = post ? await authorById(ctx.tx, post.authorId) : null;
  if (!post || !author) return { kind: 'refused', reason: 'the post no longer exists', notified: false };
  // The author's address changed since the confirmation: it was issued to someone who no longer owns the post.
  if (normalizeEmail(author.email) !== ctx.replyToken.recipient)
    return { kind: 'refused', reason: 'reply address was issued to someone else', notified: false };

  const check = assertAuthenticatedSender(ctx.email, author.email);
  if (!check.ok)
    return refuseWithNotice(
      ctx,
      deps,
      author,
      `unauthenticated update: ${check.reason}`,
      unauthenticatedUpdateNotice(deps.config, post),
    );
  if (hasNoNewContent(ctx.email)) return { kind: 'ignored', reason: 'the reply has no new content' };

  const now = deps.config.now();
  const outcome = await ctx.once('update', async (tx): Promise<MailOutcome> => {
    const built = await buildFromEmail(ctx.email, null, deps.config, now);
    const updated = await updatePostContent(tx, deps.store.blobs, post, built, now);
    await answerAuthor(ctx, deps.config, author, confirmation(deps.config, updated, built, [], true), post.id);
    return { kind: 'updated', postId: post.id };
  });
  return outcome ?? { kind: 'ignored', reason: 'already processed' };
}
