import type { InboundEmail } from '@mailroom/core';
import { sharedUploadAddress, type AvatarsConfig } from '../config.js';
import type { Avatar, User } from '../db/index.js';
import type { OutgoingMail } from '../ports.js';

const PREVIEW_CID = 'avatar-preview@avatars';

/** Why a sender may not upload; each has a reply of its own. */
export type SenderRefusal = 'not-registered' | 'unconfirmed' | 'not-authenticated' | 'unknown-upload-address';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Threading and loop-prevention headers for our automatic answers. */
function answering(inbound: InboundEmail): Pick<OutgoingMail, 'inReplyTo' | 'references' | 'headers'> {
  const references = [...inbound.references, ...(inbound.messageId ? [inbound.messageId] : [])];
  return {
    inReplyTo: inbound.messageId,
    references,
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  };
}

function replySubject(inbound: InboundEmail, fallback: string): string {
  const subject = inbound.subject.trim();
  if (!subject) return fallback;
  return /^re:/i.test(subject) ? subject : `Re: ${subject}`;
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
  inbound: InboundEmail,
  user: User,
  avatar: Avatar,
  preview: Buffer,
  pickedFilename: string,
): OutgoingMail {
  const url = avatarUrl(config, user.addressHash);
  const text = [
    `Your avatar is updated (version ${avatar.version}), made from "${pickedFilename}".`,
    '',
    `It is served at ${url}?s=256`,
    avatar.version > 1 ? `Not what you wanted? Revert to the previous one in one click: ${profileUrl(config)}` : `Your profile: ${profileUrl(config)}`,
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
    from: config.from,
    to: { address: user.address, name: '' },
    subject: replySubject(inbound, 'Your new avatar'),
    text,
    html,
    attachments: [{ filename: 'avatar.jpg', contentType: 'image/jpeg', content: preview, contentId: PREVIEW_CID, inline: true }],
    ...answering(inbound),
  };
}

/** The photo could not be used: why, and what to do. */
export function imageRefusedMail(config: AvatarsConfig, inbound: InboundEmail, user: User, reason: string): OutgoingMail {
  const text = `Your avatar was not changed.\n\n${reason}\n\nSend the photo as an attachment to ${sharedUploadAddress(config)} (JPEG, PNG, GIF or WebP, at least ${config.imagePolicy.minSide}×${config.imagePolicy.minSide} pixels).\n`;
  return {
    from: config.from,
    to: { address: user.address, name: '' },
    subject: replySubject(inbound, 'Your avatar was not changed'),
    text,
    html: `<p>Your avatar was not changed.</p><p>${escapeHtml(reason)}</p>`,
    ...answering(inbound),
  };
}

export const NO_IMAGE_REASON =
  'We found no image in your message. Attach a photo (JPEG, PNG, GIF or WebP) rather than linking to it.';

/** A polite refusal for someone who may not upload (sent at most once a day per address). */
export function senderRefusedMail(config: AvatarsConfig, inbound: InboundEmail, to: string, why: SenderRefusal): OutgoingMail {
  const register = config.publicUrl;
  const explanation: Record<SenderRefusal, string> = {
    'not-registered': `Thank you for your photo. ${to} is not registered with the avatar service, so we could not use it. You can register at ${register} and send it again once your address is confirmed.`,
    unconfirmed: `Thank you for your photo. ${to} is registered but not confirmed yet: please follow the confirmation link we sent you (or ask for a new one at ${register}), then send the photo again.`,
    'not-authenticated': `We received a photo in your name but could not verify that it really came from ${to} (its DKIM/SPF authentication did not match your address), so we did not use it. If you sent it, your mail provider may not sign its mail: use your personal upload address instead, shown on your profile page (${profileUrl(config)}). If you did not send it, you can ignore this message.`,
    'unknown-upload-address': `Thank you for your photo. The upload address you used is not valid (it may have been replaced by a new one). Your current upload address is shown on your profile page: ${profileUrl(config)}`,
  };
  return {
    from: config.from,
    to: { address: to, name: '' },
    subject: replySubject(inbound, 'We could not use your photo'),
    text: `${explanation[why]}\n\n(We send at most one such message a day to an address.)\n`,
    ...answering(inbound),
  };
}

/** The link that confirms an address (or signs in), sent from the web side. */
export function linkMail(config: AvatarsConfig, to: string, link: string, confirmed: boolean): OutgoingMail {
  const intro = confirmed ? 'Here is your sign-in link for the avatar service:' : 'Please confirm your address for the avatar service:';
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
