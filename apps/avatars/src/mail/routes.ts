import type { BlobStore, Mailroom, MailContext } from '@mailroom/core';
import { assertAuthenticatedSender } from '@mailroom/core';
import type { AvatarsConfig } from '../config.js';
import type { User } from '../db/index.js';
import { saveAvatar } from '../domain/avatars.js';
import { claimRefusal } from '../domain/refusals.js';
import { findUserByAddress, findUserByUploadSecret } from '../domain/users.js';
import type { AvatarMailer } from '../ports.js';
import { confirmationMail, imageRefusedMail, NO_IMAGE_REASON, senderRefusedMail, type SenderRefusal } from './messages.js';
import { pickAvatarImage } from './pick-image.js';

export interface MailRouteDeps {
  config: AvatarsConfig;
  mailer: AvatarMailer;
  blobs: BlobStore;
}

/** Route names, for replay and logs. */
export const UPLOAD_ROUTE = 'avatars-upload';
export const SECRET_UPLOAD_ROUTE = 'avatars-secret-upload';

/**
 * Declares the two upload addresses on the Mailroom:
 * - `avatar@<domain>`: From must be a confirmed user AND pass core's authentication verdict for it;
 * - `avatar+<secret>@<domain>`: the secret identifies the user (a bearer address, regenerable); the
 *   confirmation goes to the registered address, so the owner sees any upload.
 * Anyone else gets a polite refusal, at most once a day per address.
 */
export function registerMailRoutes(mailroom: Mailroom<any>, deps: MailRouteDeps): void {
  const { config } = deps;
  // Declared first: the shared pattern would not match a subaddress anyway, but order documents intent.
  mailroom.route(SECRET_UPLOAD_ROUTE, `${config.uploadLocalPart}+{secret}@${config.domain}`, async (ctx) => {
    if (ignoreMachines(ctx, config)) return;
    const sender = ctx.email.from!.address;
    const user = await findUserByUploadSecret(ctx.tx, ctx.params.secret);
    if (!user || !user.confirmed) return refuseSender(ctx, deps, sender, 'unknown-upload-address');
    await acceptUpload(ctx, deps, user);
  });

  mailroom.route(UPLOAD_ROUTE, `${config.uploadLocalPart}@${config.domain}`, async (ctx) => {
    if (ignoreMachines(ctx, config)) return;
    const sender = ctx.email.from!.address;
    const user = await findUserByAddress(ctx.tx, sender);
    if (!user) return refuseSender(ctx, deps, sender, 'not-registered');
    if (!user.confirmed) return refuseSender(ctx, deps, sender, 'unconfirmed');
    const check = assertAuthenticatedSender(ctx.email, user.address);
    if (!check.ok) return refuseSender(ctx, deps, sender, 'not-authenticated', check.reason);
    await acceptUpload(ctx, deps, user);
  });
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

async function refuseSender(ctx: MailContext, deps: MailRouteDeps, sender: string, why: SenderRefusal, detail?: string): Promise<void> {
  const note = detail ? `${why}: ${detail}` : why;
  const mailIt = await claimRefusal(ctx.tx, sender, note, deps.config.refusalIntervalMs);
  if (mailIt) await deps.mailer.send(senderRefusedMail(deps.config, ctx.email, sender, why), { tx: ctx.tx, afterCommit: ctx.afterCommit });
  ctx.bounce(mailIt ? note : `${note} (refusal already sent in the last day)`);
}

async function acceptUpload(ctx: MailContext, deps: MailRouteDeps, user: User): Promise<void> {
  const choice = await pickAvatarImage(ctx.email, deps.config.imagePolicy);
  if (!choice.ok) {
    const reason = choice.refusal?.reason ?? NO_IMAGE_REASON;
    await deps.mailer.send(imageRefusedMail(deps.config, ctx.email, user, reason), { tx: ctx.tx, afterCommit: ctx.afterCommit });
    ctx.bounce(`no usable image: ${choice.refusal?.code ?? 'none'}`);
    return;
  }
  const avatar = await saveAvatar(ctx.tx, deps.blobs, user, choice.avatar, {
    messageId: ctx.email.messageId,
    historyLimit: deps.config.historyLimit,
  });
  const preview = choice.avatar.renditions.find((r) => r.format === 'jpeg' && r.size === 256) ??
    choice.avatar.renditions.filter((r) => r.format === 'jpeg').at(-1)!;
  await deps.mailer.send(confirmationMail(deps.config, ctx.email, user, avatar, preview.data, choice.attachment.filename || 'your image'), {
    tx: ctx.tx,
    afterCommit: ctx.afterCommit,
  });
  ctx.log.info('avatar_updated', { user: user.id, version: avatar.version, skipped: choice.skipped.length });
}
