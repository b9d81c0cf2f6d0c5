/**
 * The blog's mail routes:
 * - `post+<secret>@domain`: a new post by the secret's author — published only if the mail also comes
 *   from the author's registered address with aligned DKIM/SPF (core's auth verdict), else a draft;
 * - `post@domain` (optional): a new post from a registered author, same sender check;
 * - `reply+<signed>@domain`: a reply to a confirmation replaces the post's content.
 * Every outcome is confirmed to the author's REGISTERED address (never to a possibly forged From).
 */
import {
  assertAuthenticatedSender,
  buildReply,
  reserveAutoReply,
  verifyReplyToken,
  type InboundEmail,
  type Mailer,
  type Mailroom,
  type ReplyAddresses,
  type RouteContext,
  type Store,
  type Transaction,
} from '@mailroom/core';
import { postUrl, type BlogConfig } from './config.js';
import { buildContent, type BuiltContent } from './content/pipeline.js';
import type { BlogDb } from './db/index.js';
import type { Author, Post } from './db/schema.js';
import { authorByEmail, authorById, authorByPostingToken } from './domain/authors.js';
import { createPost, placement, postById, postBySourceMessage, updatePostContent } from './domain/posts.js';

export const ROUTE_NAMES = { secret: 'blog-post', plain: 'blog-plain', reply: 'blog-reply' } as const;
/** Local part of the signed addresses confirmations ask replies to go to (`reply+<token>@domain`). */
export const REPLY_PREFIX = 'reply';
/** Notices about refused mail per author per day: a leaked address must not turn into a mail flood. */
const NOTICE_LIMIT = { max: 5, windowMs: 24 * 3600 * 1000 };

/** What happened to an inbound email (logged, and handy in tests). */
export type MailOutcome =
  | { kind: 'created'; postId: number; status: Post['status']; draftReason: string | null }
  | { kind: 'updated'; postId: number }
  | { kind: 'duplicate'; postId: number }
  | { kind: 'refused'; reason: string; notified: boolean }
  | { kind: 'ignored'; reason: string };

export interface MailDeps {
  config: BlogConfig;
  store: Store;
  mailer: Mailer;
  replyAddresses: ReplyAddresses;
  onOutcome?: (outcome: MailOutcome) => void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = RouteContext<any, any>;

export function registerBlogRoutes(mailroom: Mailroom<any>, deps: MailDeps): void {
  const { config } = deps;
  const local = config.postingLocalPart;
  const report = (ctx: Ctx, outcome: MailOutcome) => {
    if (outcome.kind === 'ignored') ctx.ignore(outcome.reason);
    if (outcome.kind === 'refused') ctx.bounce(outcome.reason);
    ctx.log.info('blog.mail', { outcome });
    deps.onOutcome?.(outcome);
  };

  mailroom.route(ROUTE_NAMES.reply, `${REPLY_PREFIX}+{token}@${config.domain}`, async (ctx: Ctx) => {
    report(ctx, await handleReply(ctx, String(ctx.params.token ?? ''), deps));
  });
  mailroom.route(ROUTE_NAMES.secret, `${local}+{token}@${config.domain}`, async (ctx: Ctx) => {
    report(ctx, await handleSecretAddress(ctx, String(ctx.params.token ?? ''), deps));
  });
  if (config.allowPlainAddress) {
    mailroom.route(ROUTE_NAMES.plain, `${local}@${config.domain}`, async (ctx: Ctx) => {
      report(ctx, await handlePlainAddress(ctx, deps));
    });
  }
}

/** Machines (auto-replies, bounces, lists, loops) never post or update. */
function machineReason(email: InboundEmail, config: BlogConfig): string | null {
  const { kind, reasons } = email.classify({ ownDomains: [config.domain] });
  return kind === 'human' ? null : `not posting ${kind} mail (${reasons.join('; ') || kind})`;
}

async function handleSecretAddress(ctx: Ctx, token: string, deps: MailDeps): Promise<MailOutcome> {
  const machine = machineReason(ctx.email, deps.config);
  if (machine) return { kind: 'ignored', reason: machine };
  const db = ctx.tx as unknown as BlogDb;
  const found = await authorByPostingToken(db, token);
  if (found.kind === 'unknown') return { kind: 'refused', reason: 'unknown posting address', notified: false };
  if (found.kind !== 'active') {
    const why =
      found.kind === 'revoked'
        ? 'this posting address has been switched off'
        : 'this posting address has been replaced by a new one';
    const notified = await sendNotice(ctx, deps, found.author, {
      subject: `Not published: ${ctx.email.subject || '(no subject)'}`,
      text: [
        `Your email "${ctx.email.subject || '(no subject)'}" from ${ctx.email.from?.address ?? 'an unknown sender'} was not published: ${why}.`,
        '',
        `Your current posting address is shown at ${deps.config.publicUrl}/admin/address`,
      ].join('\n'),
    });
    return { kind: 'refused', reason: `${why} (author ${found.author.id})`, notified };
  }
  return newPost(ctx, deps, found.author);
}

async function handlePlainAddress(ctx: Ctx, deps: MailDeps): Promise<MailOutcome> {
  const machine = machineReason(ctx.email, deps.config);
  if (machine) return { kind: 'ignored', reason: machine };
  const from = ctx.email.from?.address;
  const author = from ? await authorByEmail(ctx.tx as unknown as BlogDb, from) : null;
  // Strangers get no answer (no backscatter): the plain address is public.
  if (!author) return { kind: 'ignored', reason: `${from ?? 'no sender'} is not a registered author` };
  return newPost(ctx, deps, author);
}

async function newPost(ctx: Ctx, deps: MailDeps, author: Author): Promise<MailOutcome> {
  const { config, store } = deps;
  const db = ctx.tx as unknown as BlogDb;
  const messageId = ctx.email.messageId?.trim().replace(/^<|>$/g, '') || null;
  // The same message delivered twice (also to both posting addresses) is one post.
  if (messageId) {
    const existing = await postBySourceMessage(db, author.id, messageId);
    if (existing) return { kind: 'duplicate', postId: existing.id };
  }
  const check = assertAuthenticatedSender(ctx.email, author.email);
  const refusal = check.ok
    ? null
    : `the email was not proven to come from your registered address ${author.email}: ${check.reason}`;
  const now = config.now();

  const outcome = await ctx.once('post', async () => {
    const built = await buildFromEmail(ctx.email, ctx.email.subject, config, now);
    const where = placement(built, now, refusal);
    const post = await createPost(db, store.blobs, {
      authorId: author.id,
      built,
      placement: where,
      inboundEmailId: ctx.id,
      sourceMessageId: messageId,
    });
    const leaks = leakedSecretWarning(ctx, config);
    await sendConfirmation(ctx, deps, author, post, built, leaks ? [leaks] : []);
    return { kind: 'created' as const, postId: post.id, status: post.status, draftReason: post.draftReason };
  });
  return outcome ?? { kind: 'ignored', reason: 'already processed' };
}

async function handleReply(ctx: Ctx, token: string, deps: MailDeps): Promise<MailOutcome> {
  const machine = machineReason(ctx.email, deps.config);
  if (machine) return { kind: 'ignored', reason: machine };
  const db = ctx.tx as unknown as BlogDb;
  const verified = verifyReplyToken(deps.replyAddresses, { email: ctx.email, token });
  if (!verified.ok) return { kind: 'refused', reason: `reply address rejected: ${verified.reason}`, notified: false };
  const match = /^p:(\d+)$/.exec(verified.scope);
  const post = match ? await postById(db, Number(match[1])) : null;
  const author = post ? await authorById(db, post.authorId) : null;
  if (!post || !author) return { kind: 'refused', reason: 'the post no longer exists', notified: false };
  if (author.email !== verified.recipient) return { kind: 'refused', reason: 'reply address was issued to someone else', notified: false };

  const check = assertAuthenticatedSender(ctx.email, author.email);
  if (!check.ok) {
    const notified = await sendNotice(ctx, deps, author, {
      subject: `Update refused: ${post.title}`,
      text: `An email replying to the confirmation of "${post.title}" was not applied: it was not proven to come from ${author.email} (${check.reason}).`,
    });
    return { kind: 'refused', reason: `unauthenticated update: ${check.reason}`, notified };
  }

  const extracted = ctx.email.reply();
  if (!extracted.text.trim() && !(extracted.html ?? '').replace(/<[^<>]*>|&nbsp;|\s/g, '') && !ctx.email.attachments.length) {
    return { kind: 'ignored', reason: 'the reply has no new content' };
  }
  const now = deps.config.now();
  const outcome = await ctx.once('update', async () => {
    const built = await buildFromEmail(ctx.email, null, deps.config, now);
    const updated = await updatePostContent(db, deps.store.blobs, post, built, now);
    await sendConfirmation(ctx, deps, author, updated, built, [], true);
    return { kind: 'updated' as const, postId: post.id };
  });
  return outcome ?? { kind: 'ignored', reason: 'already processed' };
}

async function buildFromEmail(email: InboundEmail, subject: string | null, config: BlogConfig, now: Date): Promise<BuiltContent> {
  const extracted = email.reply();
  const attachments = await Promise.all(
    email.attachments.map(async (a) => ({
      filename: a.filename || 'attachment',
      contentType: a.contentType,
      contentId: a.contentId,
      inline: a.inline,
      content: await a.content(),
    })),
  );
  return buildContent({
    subject,
    text: extracted.text || null,
    html: extracted.html,
    attachments,
    now,
    timeZone: config.timeZone,
    policy: config.media,
  });
}

/** The secret address is a bearer secret: if others could see it (Cc, several recipients), say so. */
function leakedSecretWarning(ctx: Ctx, config: BlogConfig): string | null {
  if (ctx.route !== ROUTE_NAMES.secret) return null;
  const others = [...ctx.email.to, ...ctx.email.cc].filter((a) => !a.address.toLowerCase().endsWith(`@${config.domain}`));
  if (ctx.recipient.source === 'cc' || others.length) {
    return 'Your secret posting address was visible to other recipients of this email. Consider regenerating it.';
  }
  return null;
}

function describeSchedule(post: Post, config: BlogConfig): string {
  const when = post.publishAt
    ? new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }).format(post.publishAt)
    : '';
  if (post.status === 'draft') return `Saved as a DRAFT (not public): ${post.draftReason ?? 'draft'}.`;
  if (post.status === 'scheduled') return `Scheduled: it will appear on ${when} (${config.timeZone}).`;
  return 'Published.';
}

async function sendConfirmation(ctx: Ctx, deps: MailDeps, author: Author, post: Post, built: BuiltContent, extraNotes: string[], update = false): Promise<void> {
  const { config } = deps;
  const url = postUrl(config, post.slug);
  const headline = update ? `Updated: ${post.title}` : post.status === 'draft' ? `Draft saved: ${post.title}` : `${post.status === 'scheduled' ? 'Scheduled' : 'Published'}: ${post.title}`;
  const lines = [
    headline,
    '',
    describeSchedule(post, config),
    post.status === 'draft' ? `Review and publish it at ${config.publicUrl}/admin/posts/${post.id}` : url,
    '',
    post.category ? `Category: ${post.category}` : null,
    post.tags.length ? `Tags: ${post.tags.join(', ')}` : null,
    built.images.length ? `Images: ${built.images.length}` : null,
    built.downloads.length ? `Downloads: ${built.downloads.map((d) => d.filename).join(', ')}` : null,
    ...[...built.notes, ...extraNotes].map((n) => `Note: ${n}`),
    '',
    'Reply to this email with new text to replace the post (directives like [title …] and [status draft] work too).',
  ].filter((l): l is string => l !== null);
  const message = buildReply(ctx.email, { text: lines.join('\n') }, {
    from: { address: config.fromAddress, name: config.title },
    domain: config.domain,
    auto: true,
    to: author.email, // the registered address: a forged From never receives anything
  });
  message.subject = headline;
  message.replyTo = deps.replyAddresses.create({ scope: `p:${post.id}`, recipient: author.email });
  await deps.mailer.send(message, { tx: ctx.tx, afterCommit: ctx.afterCommit });
}

/** A rate-limited notice to the author's registered address; false when the daily limit was reached. */
async function sendNotice(ctx: Ctx, deps: MailDeps, author: Author, content: { subject: string; text: string }): Promise<boolean> {
  const tx = ctx.tx as Transaction;
  if (!(await reserveAutoReply(tx, author.email, NOTICE_LIMIT, { scope: 'blog-notice' }))) return false;
  const message = buildReply(ctx.email, { text: content.text }, {
    from: { address: deps.config.fromAddress, name: deps.config.title },
    domain: deps.config.domain,
    auto: true,
    to: author.email,
  });
  message.subject = content.subject;
  await deps.mailer.send(message, { tx, afterCommit: ctx.afterCommit });
  return true;
}
