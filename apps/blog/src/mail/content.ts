import type { InboundEmail } from '@mailroom/core';
import type { BlogConfig } from '../config.js';
import { buildContent, type BuiltContent } from '../content/pipeline.js';

/** A post's content from an email: the new text (quotes and signature removed), its attachments, the directives. */
export async function buildFromEmail(
  email: InboundEmail,
  subject: string | null,
  config: BlogConfig,
  now: Date,
): Promise<BuiltContent> {
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

/** True when a reply carries nothing new: no text, no HTML text, no attachment. */
export function hasNoNewContent(email: InboundEmail): boolean {
  const extracted = email.reply();
  return (
    !extracted.text.trim() && !(extracted.html ?? '').replace(/<[^<>]*>|&nbsp;|\s/g, '') && !email.attachments.length
  );
}

/** Machines (auto-replies, bounces, lists, loops) never post or update: the reason, or null for a human. */
export function machineReason(email: InboundEmail, config: BlogConfig): string | null {
  const { kind, reasons } = email.classify({ ownDomains: [config.domain] });
  return kind === 'human' ? null : `not posting ${kind} mail (${reasons.join('; ') || kind})`;
}
