import { createHash } from 'node:crypto';
import { normalizeEmail } from '../domain/agents.js';
import { storedSubject } from '../domain/threading.js';
import { recordAttachment, recordMessage, setMessageBody } from '../domain/tickets.js';
import type { Inbound, MailDeps } from './inbound.js';

/** Keeps the email's attachments within the limits in core's blob store; returns notes on what was dropped. */
async function keepAttachments({ ctx, tx }: Inbound, deps: MailDeps, messageId: string): Promise<string[]> {
  const notes: string[] = [];
  const { maxCount, maxBytes } = deps.config.attachments;
  let kept = 0;
  for (const attachment of ctx.email.attachments) {
    if (kept >= maxCount) {
      notes.push(`[attachment "${attachment.filename}" not kept: more than ${maxCount} attachments]`);
      continue;
    }
    if (attachment.size > maxBytes) {
      notes.push(
        `[attachment "${attachment.filename}" not kept: larger than ${Math.round(maxBytes / 1024 / 1024)} MB]`,
      );
      continue;
    }
    const content = await attachment.content();
    const sha256 = attachment.sha256 || createHash('sha256').update(content).digest('hex');
    // Content-addressed: the same file sent twice is stored once.
    const blobKey = `support/attachments/${sha256}`;
    await deps.services.blobs.put(blobKey, content, tx);
    await recordAttachment(tx, {
      messageId,
      filename: attachment.filename || 'attachment',
      contentType: attachment.contentType || 'application/octet-stream',
      size: content.length,
      contentId: attachment.contentId ?? null,
      inline: attachment.inline,
      sha256,
      blobKey,
    });
    kept++;
  }
  return notes;
}

/** The new text of the email (quote and signature stripped by core), else its whole text. */
export function newText(inbound: Inbound): string {
  return inbound.ctx.email.reply().text || inbound.ctx.email.text || '';
}

/** Records the email on a ticket (at most once per ticket) with its attachments; null when it already was. */
export async function recordInbound(inbound: Inbound, deps: MailDeps, ticket: number, kind: 'customer' | 'auto-reply') {
  const { ctx, tx } = inbound;
  const { email } = ctx;
  const bodyText = newText(inbound);
  const message = await recordMessage(tx, {
    ticketNumber: ticket,
    direction: 'inbound',
    kind,
    author: { address: email.from!.address, name: email.from!.name },
    bodyText,
    fullText: email.text,
    fullHtml: email.html,
    subject: storedSubject(email.subject),
    inboundId: ctx.id,
    messageId: email.messageId,
    recipients: [...email.to, ...email.cc].slice(0, deps.config.maxParticipants).map((a) => normalizeEmail(a.address)),
  });
  if (!message) return null;
  const notes = await keepAttachments(inbound, deps, message.id);
  // Tell the agent what was dropped, in the conversation itself.
  if (notes.length) await setMessageBody(tx, message.id, `${bodyText}\n\n${notes.join('\n')}`);
  return message;
}
