import { assertAuthenticatedSender, type MailContext, type Mailroom, type RouteContext } from '@mailroom/core';
import { type BlobStore } from '@mailroom/core/inbox';
import { type ReplyContent } from '@mailroom/core/outbound';
import type { AvatarsConfig } from '../config.js';
import type { User } from '../db/index.js';
import { saveAvatar } from '../domain/avatars.js';
import { claimRefusal } from '../domain/refusals.js';
import { findUserByAddress, findUserByUploadSecret } from '../domain/users.js';
import {
  confirmationMail,
  imageRefusedMail,
  NO_IMAGE_REASON,
  senderRefusedMail,
  type SenderRefusal,
} from './messages.js';
import { pickAvatarImage } from './pick-image.js';

export interface MailRouteDeps {
  config: AvatarsConfig;
  blobs: BlobStore;
}

/**
 * Declares the two upload addresses on the Mailroom. Only a DKIM/SPF-aligned sender ever changes an avatar
 * (core's `assertAuthenticatedSender`; From alone is forgeable):
 * - `avatar@<domain>`: From must be a confirmed user, aligned;
 * - `avatar+<secret>@<domain>`: the secret names the user (a bearer address, regenerable); any aligned sender;
 *   an unaligned one is refused and the owner told. The confirmation goes to the registered address.
 * Every answer is a `ctx.autoReply` (never to machines; at most 3 per recipient a day, 1,000 an hour in all).
 * An unaligned sender that is not a confirmed user gets no answer at all (no backscatter); others get at
 * most one refusal a day, in fixed words.
 */
export function registerMailRoutes(mailroom: Mailroom<object>, deps: MailRouteDeps): void {
  const { config } = deps;
  mailroom.route(
    'avatars-secret-upload',
    `${config.uploadLocalPart}+{secret}@${config.domain}`,
    (ctx: RouteContext<{ secret: string }>) => uploadToSecretAddress(ctx, deps),
  );
  mailroom.route('avatars-upload', `${config.uploadLocalPart}@${config.domain}`, (ctx: RouteContext<{}>) =>
    uploadToSharedAddress(ctx, deps),
  );
}

async function uploadToSecretAddress(ctx: RouteContext<{ secret: string }>, deps: MailRouteDeps): Promise<void> {
  if (ignoreMachines(ctx, deps.config)) return;
  const sender = ctx.email.from!.address;
  const check = assertAuthenticatedSender(ctx.email);
  const user = await findUserByUploadSecret(ctx.tx, ctx.params.secret);
  if (!user || !user.confirmed) return refuseSender(ctx, deps, check.ok ? sender : null, 'unknown-upload-address');
  if (!check.ok) return refuseSender(ctx, deps, user.address, 'secret-not-authenticated', check.reason);
  await acceptUpload(ctx, deps, user);
}

async function uploadToSharedAddress(ctx: RouteContext<{}>, deps: MailRouteDeps): Promise<void> {
  if (ignoreMachines(ctx, deps.config)) return;
  const sender = ctx.email.from!.address;
  const check = assertAuthenticatedSender(ctx.email);
  const user = await findUserByAddress(ctx.tx, sender);
  if (!user) return refuseSender(ctx, deps, check.ok ? sender : null, 'not-registered');
  if (!user.confirmed) return refuseSender(ctx, deps, check.ok ? sender : null, 'unconfirmed');
  // From is the user's registered address here: the notice goes to its owner, whoever really sent it.
  if (!check.ok) return refuseSender(ctx, deps, user.address, 'not-authenticated', check.reason);
  await acceptUpload(ctx, deps, user);
}

/** Auto-replies, bounces, lists and loops are never answered (and have no From to answer). */
function ignoreMachines(ctx: MailContext, config: AvatarsConfig): boolean {
  if (!ctx.email.from?.address) {
    ctx.ignore('no From address');
    return true;
  }
  const { kind, reasons } = ctx.email.classify({ ownDomains: [config.domain] });
  if (kind !== 'human') {
    ctx.ignore(`${kind}: ${reasons.join('; ')}`);
    return true;
  }
  return false;
}

/**
 * Bounces the email and, with an address to tell, mails a fixed-text refusal at most once a day per address.
 * `to` is null for an unaligned sender nobody registered: we do not answer forgeable addresses.
 * Inside `ctx.once`: a replay ends with the same note and mails nothing again.
 */
async function refuseSender(
  ctx: MailContext,
  deps: MailRouteDeps,
  to: string | null,
  why: SenderRefusal,
  detail?: string,
): Promise<void> {
  const note = detail ? `${why}: ${detail}` : why;
  await ctx.once('refusal', async (tx) => {
    if (!to) return ctx.bounce(`${note} (sender not authenticated: not answered)`);
    const mailIt = await claimRefusal(tx, to, note, deps.config.refusalIntervalMs);
    if (mailIt) await answer(ctx, deps, to, senderRefusedMail(deps.config, to, why));
    ctx.bounce(mailIt ? note : `${note} (refusal already sent in the last day)`);
  });
}

/** Picks, stores and confirms the new avatar once: a replay neither makes a second version nor mails again. */
async function acceptUpload(ctx: MailContext, deps: MailRouteDeps, user: User): Promise<void> {
  await ctx.once('upload', async (tx) => {
    const choice = await pickAvatarImage(ctx.email, deps.config.imagePolicy);
    if (!choice.ok) {
      await answer(ctx, deps, user.address, imageRefusedMail(deps.config, choice.refusal?.reason ?? NO_IMAGE_REASON));
      return ctx.bounce(`no usable image: ${choice.refusal?.code ?? 'none'}`);
    }
    const avatar = await saveAvatar(tx, deps.blobs, user, choice.avatar, {
      messageId: ctx.email.messageId,
      historyLimit: deps.config.historyLimit,
    });
    const preview =
      choice.avatar.renditions.find((r) => r.format === 'jpeg' && r.size === 256) ??
      choice.avatar.renditions.filter((r) => r.format === 'jpeg').at(-1)!;
    await answer(
      ctx,
      deps,
      user.address,
      confirmationMail(deps.config, user.addressHash, avatar, preview.data, choice.attachment.filename || 'your image'),
    );
    ctx.log.info('avatar_updated', { user: user.id, version: avatar.version, skipped: choice.skipped.length });
  });
}

async function answer(ctx: MailContext, deps: MailRouteDeps, to: string, content: ReplyContent): Promise<void> {
  const outcome = await ctx.autoReply(content, { to, from: deps.config.from });
  if (!outcome.sent) ctx.log.info('avatars.answer_skipped', { reason: outcome.reason, detail: outcome.detail });
}
