/**
 * New posts by email. Who may do what:
 * - `post+<secret>@`: the secret names the author. Published only when From is the author's registered
 *   address AND DKIM/SPF-aligned with it; otherwise held as a draft (never public) with a fixed-text notice.
 * - `post@`: From names the author, and anyone can forge a From: only an aligned author posts; an unaligned
 *   one gets a fixed-text notice and nothing is saved; strangers get no answer at all (no backscatter).
 */
import { assertAuthenticatedSender, type MailContext } from '@mailroom/core';
import type { BlogConfig } from '../config.js';
import type { Author } from '../db/schema.js';
import { authorByEmail, authorByPostingToken } from '../domain/authors.js';
import { createPost, placement, postBySourceMessage } from '../domain/posts.js';
import {
  answerAuthor,
  confirmation,
  heldNotice,
  retiredAddressNotice,
  unauthenticatedPlainNotice,
  type Answer,
} from './answers.js';
import { buildFromEmail, machineReason } from './content.js';
import { ROUTES, type MailDeps, type MailOutcome, type PostingContext } from './routes.js';

export async function postToSecretAddress(ctx: PostingContext, token: string, deps: MailDeps): Promise<MailOutcome> {
  const machine = machineReason(ctx.email, deps.config);
  if (machine) return { kind: 'ignored', reason: machine };
  const found = await authorByPostingToken(ctx.tx, token);
  if (found.kind === 'unknown') return { kind: 'refused', reason: 'unknown posting address', notified: false };
  if (found.kind !== 'active') {
    const why =
      found.kind === 'revoked'
        ? 'this posting address has been switched off'
        : 'this posting address has been replaced by a new one';
    return refuseWithNotice(
      ctx,
      deps,
      found.author,
      `${why} (author ${found.author.id})`,
      retiredAddressNotice(deps.config, found.kind === 'revoked' ? 'revoked' : 'replaced'),
    );
  }
  return newPost(ctx, deps, found.author);
}

export async function postToPlainAddress(ctx: PostingContext, deps: MailDeps): Promise<MailOutcome> {
  const machine = machineReason(ctx.email, deps.config);
  if (machine) return { kind: 'ignored', reason: machine };
  const from = ctx.email.from?.address;
  const author = from ? await authorByEmail(ctx.tx, from) : null;
  // Strangers get no answer (no backscatter): the plain address is public.
  if (!author) return { kind: 'ignored', reason: `${from ?? 'no sender'} is not a registered author` };
  const check = assertAuthenticatedSender(ctx.email, author.email);
  if (!check.ok)
    return refuseWithNotice(
      ctx,
      deps,
      author,
      `sender not authenticated: ${check.reason}`,
      unauthenticatedPlainNotice(deps.config),
    );
  return newPost(ctx, deps, author);
}

/** Refuses the email and tells the author, once: a replay ends with the same note and sends nothing more. */
export async function refuseWithNotice(
  ctx: MailContext,
  deps: MailDeps,
  author: Author,
  reason: string,
  notice: Answer,
): Promise<MailOutcome> {
  const outcome = await ctx.once('notice', async (): Promise<MailOutcome> => {
    const sent = await answerAuthor(ctx, deps.config, author, notice);
    return { kind: 'refused', reason, notified: sent.sent };
  });
  return outcome ?? { kind: 'refused', reason, notified: false };
}

async function newPost(ctx: PostingContext, deps: MailDeps, author: Author): Promise<MailOutcome> {
  const { config, store } = deps;
  const messageId = ctx.email.messageId?.trim().replace(/^<|>$/g, '') || null;
  // The same message delivered twice (also to both posting addresses, or replayed) is one post.
  if (messageId) {
    const existing = await postBySourceMessage(ctx.tx, author.id, messageId);
    if (existing) return { kind: 'duplicate', postId: existing.id };
  }
  const check = assertAuthenticatedSender(ctx.email, author.email);
  const held = check.ok
    ? null
    : `the email was not proven to come from your registered address ${author.email}: ${check.reason}`;
  const now = config.now();
  const outcome = await ctx.once('post', async (tx): Promise<MailOutcome> => {
    const built = await buildFromEmail(ctx.email, ctx.email.subject, config, now);
    const post = await createPost(tx, store.blobs, {
      authorId: author.id,
      built,
      placement: placement(built, now, held),
      inboundEmailId: ctx.id,
      sourceMessageId: messageId,
    });
    const leak = leakedSecretWarning(ctx, config);
    const answer = held ? heldNotice(config, post) : confirmation(config, post, built, leak ? [leak] : []);
    await answerAuthor(ctx, config, author, answer, post.id);
    return { kind: 'created', postId: post.id, status: post.status, draftReason: post.draftReason };
  });
  return outcome ?? { kind: 'ignored', reason: 'already processed' };
}

/** The secret address is a bearer secret: if others could see it (Cc, several recipients), say so. */
function leakedSecretWarning(ctx: PostingContext, config: BlogConfig): string | null {
  if (ctx.route !== ROUTES.secret) return null;
  const others = [...ctx.email.to, ...ctx.email.cc].filter(
    (a) => !a.address.toLowerCase().endsWith(`@${config.domain}`),
  );
  if (ctx.recipient.source === 'cc' || others.length) {
    return 'Your secret posting address was visible to other recipients of this email. Consider regenerating it.';
  }
  return null;
}
