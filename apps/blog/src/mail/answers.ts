/**
 * What the blog answers, always as an automatic reply (`ctx.autoReply`: RFC 3834 headers, never to a machine,
 * at most 3 per author per 24 h and 1,000 per hour in all — the loop breaker) to the author's REGISTERED
 * address, never to a From that may be forged. Text taken from an email (its title, tags, file names) appears
 * only in answers to a sender whose From is the author and DKIM/SPF-aligned; every other answer is fixed text.
 */
import { type MailContext } from '@mailroom/core';
import { sanitizeHeaderText, type ReplyOutcome } from '@mailroom/core/outbound';
import { postUrl, type BlogConfig } from '../config.js';
import type { BuiltContent } from '../content/pipeline.js';
import type { Author, Post } from '../db/schema.js';

export interface Answer {
  subject: string;
  text: string;
}

/** The scope signed into an answer's Message-ID and Reply-To: replies to it update this post. */
export function postScope(postId: number): string {
  return `p:${postId}`;
}

/** Sends `answer` to the author's registered address (threaded; with a post, a signed Reply-To for updates). */
export async function answerAuthor(
  ctx: MailContext,
  config: BlogConfig,
  author: Author,
  answer: Answer,
  postId?: number,
): Promise<ReplyOutcome> {
  const outcome = await ctx.autoReply(
    { subject: sanitizeHeaderText(answer.subject, 200), text: answer.text },
    {
      to: author.email,
      from: { address: config.fromAddress, name: config.title },
      ...(postId !== undefined ? { scope: postScope(postId) } : {}),
    },
  );
  if (!outcome.sent) ctx.log.info('blog.answer_skipped', { reason: outcome.reason, detail: outcome.detail });
  return outcome;
}

function describeSchedule(post: Post, config: BlogConfig): string {
  const when = post.publishAt
    ? new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }).format(
        post.publishAt,
      )
    : '';
  if (post.status === 'draft') return `Saved as a DRAFT (not public): ${post.draftReason ?? 'draft'}.`;
  if (post.status === 'scheduled') return `Scheduled: it will appear on ${when} (${config.timeZone}).`;
  return 'Published.';
}

function headline(post: Post, update: boolean): string {
  if (update) return `Updated: ${post.title}`;
  if (post.status === 'draft') return `Draft saved: ${post.title}`;
  return `${post.status === 'scheduled' ? 'Scheduled' : 'Published'}: ${post.title}`;
}

/** "Published: <title>" & co. for an authenticated author: where the post is and what the directives did. */
export function confirmation(
  config: BlogConfig,
  post: Post,
  built: BuiltContent,
  extraNotes: string[],
  update = false,
): Answer {
  const lines = [
    headline(post, update),
    '',
    describeSchedule(post, config),
    post.status === 'draft'
      ? `Review and publish it at ${config.publicUrl}/admin/posts/${post.id}`
      : postUrl(config, post.slug),
    '',
    post.category ? `Category: ${post.category}` : null,
    post.tags.length ? `Tags: ${post.tags.join(', ')}` : null,
    built.images.length ? `Images: ${built.images.length}` : null,
    built.downloads.length ? `Downloads: ${built.downloads.map((d) => d.filename).join(', ')}` : null,
    ...[...built.notes, ...extraNotes].map((n) => `Note: ${n}`),
    '',
    'Reply to this email with new text to replace the post (directives like [title …] and [status draft] work too).',
  ].filter((l): l is string => l !== null);
  return { subject: headline(post, update), text: lines.join('\n') };
}

/** A post from a sender not proven to be the author: held as a draft; fixed text, nothing from the email. */
export function heldNotice(config: BlogConfig, post: Post): Answer {
  return {
    subject: 'A post sent to your posting address is held as a draft',
    text: [
      'An email sent to your secret posting address was not proven to come from your registered address',
      '(no DKIM signature or SPF result aligned with its From), so it was saved as a DRAFT that is not public.',
      '',
      `Review it, then publish or delete it: ${config.publicUrl}/admin/posts/${post.id}`,
      '',
      'If you did not send it, your posting address may have leaked: make a new one at',
      `${config.publicUrl}/admin/address`,
    ].join('\n'),
  };
}

/** Mail to a switched-off or replaced secret address; fixed text. */
export function retiredAddressNotice(config: BlogConfig, why: 'revoked' | 'replaced'): Answer {
  const state = why === 'revoked' ? 'has been switched off' : 'has been replaced by a new one';
  return {
    subject: 'Not published: your old posting address was used',
    text: [
      `An email sent to a posting address of yours was not published: that address ${state}.`,
      '',
      `Your current posting address is shown at ${config.publicUrl}/admin/address`,
    ].join('\n'),
  };
}

/** Mail from the author's address to the plain posting address, not proven to come from them; fixed text. */
export function unauthenticatedPlainNotice(config: BlogConfig): Answer {
  return {
    subject: 'Not published: your email could not be verified',
    text: [
      "An email from your address to the blog's public posting address was not published: it was not proven to come",
      'from you (no DKIM signature or SPF result aligned with its From). Nothing was saved.',
      '',
      `If you sent it, send it to your secret posting address instead (shown at ${config.publicUrl}/admin/address).`,
    ].join('\n'),
  };
}

/** A reply to a confirmation, not proven to come from the author; fixed text. */
export function unauthenticatedUpdateNotice(config: BlogConfig, post: Post): Answer {
  return {
    subject: 'Update refused: your email could not be verified',
    text: [
      'An email answering the confirmation of one of your posts was not applied: it was not proven to come from you',
      '(no DKIM signature or SPF result aligned with its From). The post is unchanged.',
      '',
      `Edit it on the web instead: ${config.publicUrl}/admin/posts/${post.id}`,
    ].join('\n'),
  };
}
