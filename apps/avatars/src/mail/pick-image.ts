import type { Attachment, InboundEmail } from '@mailroom/core';
import {
  assertByteSize,
  ImageRefusedError,
  processAvatar,
  type ImagePolicy,
  type ProcessedAvatar,
} from '../images/index.js';

export interface SkippedPart {
  filename: string;
  why: string;
}

export type ImageChoice =
  | { ok: true; attachment: Attachment; avatar: ProcessedAvatar; skipped: SkippedPart[] }
  | { ok: false; refusal: ImageRefusedError | null; skipped: SkippedPart[] };

/**
 * Picks the first usable image of an email: attachments first, then inline images, in message order.
 * Signature decorations are passed over: inline images repeated in the message (same bytes twice, or one
 * `cid:` referenced several times) and images under the minimum size (logos, icons, tracking pixels).
 * Every candidate is checked by its bytes, whatever Content-Type it claims.
 * When none works, `refusal` is the most telling reason: a real image problem (HEIC, too big, SVG…)
 * before "too small", before parts that never claimed to be images; null when there was nothing at all.
 */
export async function pickAvatarImage(email: InboundEmail, policy: ImagePolicy): Promise<ImageChoice> {
  const skipped: SkippedPart[] = [];
  const refusals: Array<{ refusal: ImageRefusedError; rank: number }> = [];
  const shaCounts = countBy(email.attachments.map((a) => a.sha256));
  const cidReferences = countCidReferences(email.html ?? '');
  const ordered = [...email.attachments.filter((a) => !a.inline), ...email.attachments.filter((a) => a.inline)];

  for (const attachment of ordered) {
    const claimsImage =
      /^image\//i.test(attachment.contentType) || /^application\/octet-stream/i.test(attachment.contentType);
    if (
      attachment.inline &&
      ((shaCounts.get(attachment.sha256) ?? 0) > 1 || (cidReferences.get(attachment.contentId ?? '') ?? 0) > 1)
    ) {
      skipped.push({ filename: attachment.filename, why: 'repeated inline image (signature decoration)' });
      continue;
    }
    try {
      assertByteSize(attachment.size, policy); // before reading a byte
      const avatar = await processAvatar(await attachment.content(), { policy });
      return { ok: true, attachment, avatar, skipped };
    } catch (error) {
      if (!(error instanceof ImageRefusedError)) throw error;
      skipped.push({ filename: attachment.filename, why: error.reason });
      const rank =
        !claimsImage && (error.code === 'unknown-type' || error.code === 'unsupported-type')
          ? 2
          : error.code === 'too-small'
            ? 1
            : 0;
      refusals.push({ refusal: error, rank });
    }
  }
  const best = refusals.sort((a, b) => a.rank - b.rank)[0];
  return { ok: false, refusal: best?.refusal ?? null, skipped };
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function countCidReferences(html: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of html.matchAll(/cid:([^"'\s>)]+)/gi)) {
    const id = decodeURIComponent(match[1]!).replace(/^<|>$/g, '');
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
