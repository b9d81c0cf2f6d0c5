import { Attachment, InboundEmail, type AttachmentInit, type InboundEmailInit } from '../message/index.js';
import { deleteWhenReleased } from './spill.js';

/**
 * An email as the ingress builds it, before it becomes objects: plain data (strings, dates, byte arrays), so a
 * parse run on a worker thread can send it back. A `file` attachment source is a spilled attachment: its file is
 * deleted once the Attachment made from it is garbage-collected.
 */
export type EmailData = Omit<InboundEmailInit, 'attachments' | 'dkimCheck'> & { attachments: AttachmentInit[] };

export function emailFromData(data: EmailData): InboundEmail {
  return new InboundEmail({
    ...data,
    attachments: data.attachments.map((init) => {
      const attachment = new Attachment(init);
      if (init.source.kind === 'file') deleteWhenReleased(attachment, init.source.path);
      return attachment;
    }),
  });
}

/** Where a base64 attachment's bytes lie in the posted body (a thread sends the place, not the bytes). */
export interface BodyView {
  attachment: number;
  start: number;
  end: number;
}

/**
 * The same data, ready to leave a parse thread: a base64 attachment that is a view into the posted body becomes
 * its place in the body (`views`; the receiver has the same bytes), every other byte array is copied into a
 * buffer of its own and listed in `transfer`. A structured clone of a view would copy the view's whole
 * ArrayBuffer, and a base64 attachment would then carry the body across once more.
 */
export function detachedEmailData(data: EmailData, body: Uint8Array): { data: EmailData; views: BodyView[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const views: BodyView[] = [];
  // Always a fresh ArrayBuffer (never Buffer's shared pool, which a transfer would detach), filled from the views.
  const own = (...parts: readonly Uint8Array[]): Uint8Array => {
    const copy = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      copy.set(part, offset);
      offset += part.byteLength;
    }
    transfer.push(copy.buffer);
    return copy;
  };
  const attachments = data.attachments.map((init, index): AttachmentInit => {
    const { source } = init;
    if (source.kind === 'buffer' || source.kind === 'chunks') {
      const bytes = source.kind === 'buffer' ? own(source.data) : own(...source.chunks);
      return { ...init, size: bytes.byteLength, source: { kind: 'buffer', data: bytes } };
    }
    if (source.kind !== 'base64') return init;
    const start = source.encoded.byteOffset - body.byteOffset;
    if (source.encoded.buffer === body.buffer && start >= 0 && start + source.encoded.byteLength <= body.byteLength) {
      views.push({ attachment: index, start, end: start + source.encoded.byteLength });
      return { ...init, source: { kind: 'base64', encoded: new Uint8Array(0) } };
    }
    return { ...init, source: { kind: 'base64', encoded: own(source.encoded) } };
  });
  return { data: { ...data, attachments }, views, transfer };
}

/** Undoes `detachedEmailData`'s views on the receiving side, over its own copy of the body. */
export function withBodyViews(data: EmailData, views: readonly BodyView[], body: Uint8Array): EmailData {
  const attachments = [...data.attachments];
  for (const { attachment, start, end } of views) {
    attachments[attachment] = { ...attachments[attachment]!, source: { kind: 'base64', encoded: body.subarray(start, end) } };
  }
  return { ...data, attachments };
}
