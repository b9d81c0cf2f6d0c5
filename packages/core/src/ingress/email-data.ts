import { Attachment, InboundEmail, type AttachmentInit, type InboundEmailInit } from '../message/index.js';
import type { FormData } from './form.js';
import { normalizeLineEndings } from './form-fields.js';
import { toHeaders, type HeaderField, type summarizeHeaders } from './headers.js';
import { deleteWhenReleased } from './spill.js';

/**
 * An email as the ingress builds it, before it becomes objects: plain data (strings, dates, byte arrays), so a
 * parse run on a worker thread can send it back. A `file` attachment source is a spilled attachment: its file is
 * deleted once the Attachment made from it is garbage-collected.
 */
export type EmailData = Omit<InboundEmailInit, 'attachments' | 'dkimCheck'> & { attachments: AttachmentInit[] };

/** The fields both modes read the same way: the header summary's threading fields, the bodies, SendGrid's metadata. */
export function commonFields(
  summary: ReturnType<typeof summarizeHeaders>,
  metadata: ReturnType<FormData['metadata']>,
  headerFields: HeaderField[],
  bodies: { text: string | null; html: string | null },
) {
  return {
    messageId: summary.messageId,
    date: summary.date,
    replyTo: summary.replyTo,
    envelope: metadata.envelope,
    inReplyTo: summary.inReplyTo,
    references: summary.references,
    text: bodies.text === null ? null : normalizeLineEndings(bodies.text),
    html: bodies.html === null ? null : normalizeLineEndings(bodies.html),
    headers: toHeaders(headerFields),
    auth: metadata.auth,
    spam: metadata.spam,
    senderIp: metadata.senderIp,
    providerData: metadata.providerData,
  };
}

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

/** Where an attachment's bytes (base64 text, or its decoded bytes in parsed mode) lie in the posted body. */
export interface BodyView {
  attachment: number;
  kind: 'base64' | 'buffer';
  start: number;
  end: number;
}

/**
 * The same data, ready to leave a parse thread: an attachment that is a view into the posted body (a large base64
 * part in raw mode, every part in parsed mode) becomes its place in the body (`views`; the receiver has the same
 * bytes), every other byte array is copied into a buffer of its own and listed in `transfer`. A structured clone
 * of a view would copy the view's whole ArrayBuffer, and the receiver would hold those bytes twice.
 */
export function detachedEmailData(
  data: EmailData,
  body: Uint8Array,
): { data: EmailData; views: BodyView[]; transfer: ArrayBuffer[] } {
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
  const placeIn = (view: Uint8Array): { start: number; end: number } | null => {
    const start = view.byteOffset - body.byteOffset;
    const inside = view.buffer === body.buffer && start >= 0 && start + view.byteLength <= body.byteLength;
    return inside ? { start, end: start + view.byteLength } : null;
  };
  const attachments = data.attachments.map((init, index): AttachmentInit => {
    const { source } = init;
    if (source.kind === 'file') return init;
    const single = source.kind === 'buffer' ? source.data : source.kind === 'base64' ? source.encoded : null;
    const place = single && placeIn(single);
    if (place) {
      const kind = source.kind === 'base64' ? 'base64' : 'buffer';
      views.push({ attachment: index, kind, ...place });
      return kind === 'base64'
        ? { ...init, source: { kind: 'base64', encoded: new Uint8Array(0) } }
        : { ...init, size: single.byteLength, source: { kind: 'buffer', data: new Uint8Array(0) } };
    }
    if (source.kind === 'base64') return { ...init, source: { kind: 'base64', encoded: own(source.encoded) } };
    const bytes = source.kind === 'buffer' ? own(source.data) : own(...source.chunks);
    return { ...init, size: bytes.byteLength, source: { kind: 'buffer', data: bytes } };
  });
  return { data: { ...data, attachments }, views, transfer };
}

/** Undoes `detachedEmailData`'s views on the receiving side, over its own copy of the body. */
export function withBodyViews(data: EmailData, views: readonly BodyView[], body: Uint8Array): EmailData {
  const attachments = [...data.attachments];
  for (const { attachment, kind, start, end } of views) {
    const bytes = body.subarray(start, end);
    const init = attachments[attachment]!;
    attachments[attachment] =
      kind === 'base64'
        ? { ...init, source: { kind: 'base64', encoded: bytes } }
        : { ...init, size: bytes.byteLength, source: { kind: 'buffer', data: bytes } };
  }
  return { ...data, attachments };
}
