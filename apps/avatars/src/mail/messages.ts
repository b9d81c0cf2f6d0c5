/**
 * What the avatar service mails. Answers to inbound mail are `ReplyContent` for `ctx.autoReply` (threading, `Re:`
 * once and RFC 3834 headers come from core); refusals have a fixed subject and text: nothing the sender chose.
 */
import type { MailerMessage, ReplyContent } from '@mailroom/core/outbound';
import { sharedUploadAddress, type AvatarsConfig } from '../config.js';
import type { Avatar } from '../db/index.js';

const PREVIEW_CID = 'avatar-preview@avatars';

/** Why a sender may not upload; each has a reply of its own. */
export type SenderRefusal =
  'not-registered' | 'unconfirmed' | 'not-authenticated' | 'secret-not-authenticated' | 'unknown-upload-address';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function profileUrl(config: AvatarsConfig): string {
  return `${config.publicUrl}/profile`;
}

export function avatarUrl(config: AvatarsConfig, hash: string): string {
  return `${config.publicUrl}/avatar/${hash}`;
}

/** "Your avatar was updated", with the new avatar inline (256 px JPEG: every mail client shows JPEG). */
export function confirmationMail(
  config: AvatarsConfig,
  addressHash: string,
  avatar: Avatar,
  preview: Buffer,
  pickedFilename: string,
): ReplyContent {
  const url = avatarUrl(config, addressHash);
  const text = [
    `Your avatar is updated (version ${avatar.version}), made from "${pickedFilename}".`,
    '',
    `It is served at ${url}?s=256`,
    avatar.version > 1
      ? `Not what you wanted? Revert to the previous one in one click: ${profileUrl(config)}`
      : `Your profile: ${profileUrl(config)}`,
    '',
    `The square was cropped at ${avatar.cropLeft},${avatar.cropTop} (${avatar.cropSize}×${avatar.cropSize} px of your ${avatar.sourceWidth}×${avatar.sourceHeight} photo).`,
    avatar.animated ? 'Your image was animated; the avatar uses its first frame.' : '',
    'Location and camera details (EXIF) were removed.',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  const html = `<p>Your avatar is updated (version ${avatar.version}), made from “${escapeHtml(pickedFilename)}”:</p>
<p><img src="cid:${PREVIEW_CID}" width="128" height="128" alt="Your new avatar" style="border-radius:8px"></p>
<p>It is served at <a href="${escapeHtml(url)}?s=256">${escapeHtml(url)}</a>.</p>
<p>${avatar.version > 1 ? 'Not what you wanted? ' : ''}<a href="${escapeHtml(profileUrl(config))}">${avatar.version > 1 ? 'Revert to the previous one' : 'Your profile'}</a>.</p>
<p style="color:#666;font-size:small">Location and camera details (EXIF) were removed.</p>`;
  return {
    text,
    html,
    attachments: [
      { filename: 'avatar.jpg', contentType: 'image/jpeg', content: preview, contentId: PREVIEW_CID, inline: true },
    ],
  };
}

/** The photo could not be used: why, and what to do. */
export function imageRefusedMail(config: AvatarsConfig, reason: string): ReplyContent {
  const text = `Your avatar was not changed.\n\n${reason}\n\nSend the photo as an attachment to ${sharedUploadAddress(config)} (JPEG, PNG, GIF or WebP, at least ${config.imagePolicy.minSide}×${config.imagePolicy.minSide} pixels).\n`;
  return { text, html: `<p>Your avatar was not changed.</p><p>${escapeHtml(reason)}</p>` };
}

export const NO_IMAGE_REASON =
  'We found no image in your message. Attach a photo (JPEG, PNG, GIF or WebP) rather than linking to it.';

/** A polite refusal for someone who may not upload (sent at most once a day per address), in fixed words. */
export function senderRefusedMail(config: AvatarsConfig, to: string, why: SenderRefusal): ReplyContent {
  const register = config.publicUrl;
  const explanation: Record<SenderRefusal, string> = {
    'not-registered': `Thank you for your photo. ${to} is not registered with the avatar service, so we could not use it. You can register at ${register} and send it again once your address is confirmed.`,
    unconfirmed: `Thank you for your photo. ${to} is registered but not confirmed yet: please follow the confirmation link we sent you (or ask for a new one at ${register}), then send the photo again.`,
    'not-authenticated': `We received a photo in your name but could not verify that it really came from ${to} (its DKIM/SPF authentication did not match your address), so we did not use it. If you sent it, your mail provider may not sign its mail: send the photo from an address whose provider does (most large ones do) to your personal upload address, shown on your profile page (${profileUrl(config)}). If you did not send it, you can ignore this message.`,
    'secret-not-authenticated': `A photo was sent to your personal upload address, but we could not verify who sent it (its DKIM/SPF authentication did not match its sender), so your avatar was not changed. Only mail whose sender we can verify changes your avatar. If you did not send it, make a new upload address on your profile page: ${profileUrl(config)}`,
    'unknown-upload-address': `Thank you for your photo. The upload address you used is not valid (it may have been replaced by a new one). Your current upload address is shown on your profile page: ${profileUrl(config)}`,
  };
  return {
    subject: why === 'secret-not-authenticated' ? 'Your avatar was not changed' : 'We could not use your photo',
    text: `${explanation[why]}\n\n(We send at most one such message a day to an address.)\n`,
  };
}

/** The link that confirms an address (or signs in), sent from the web side. */
export function linkMail(config: AvatarsConfig, to: string, link: string, confirmed: boolean): MailerMessage {
  const intro = confirmed
    ? 'Here is your sign-in link for the avatar service:'
    : 'Please confirm your address for the avatar service:';
  const after = confirmed
    ? ''
    : `\nOnce confirmed, send a photo to ${sharedUploadAddress(config)} and it becomes your avatar.`;
  return {
    from: config.from,
    to: { address: to, name: '' },
    subject: confirmed ? 'Sign in to your avatar profile' : 'Confirm your address for your avatar',
    text: `${intro}\n\n${link}\n\nThe link works once, for ${Math.round(config.linkTtlMs / 60000)} minutes.${after}\nIf you did not ask for this, ignore this message.\n`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
