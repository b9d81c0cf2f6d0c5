import { parseAddressList, type AttachmentInit, type EmailAddress } from '../message/index.js';
import { commonFields, type EmailData } from './email-data.js';
import { decodeCharset, decodeUnlabelledHeader, isValidUtf8 } from './charsets.js';
import { IngressError } from './errors.js';
import type { FormData } from './form.js';
import { isRecord, parseJsonLenient } from './form-fields.js';
import { parseHeaderBlock, summarizeHeaders } from './headers.js';
import type { ResolvedLimits } from './limits.js';

/**
 * Parsed ("default") mode: SendGrid decoded the message into fields. Every field was kept
 * as bytes; decoded fields are in the charset `charsets[field]` names. Addresses, subject
 * and ids come from the raw `headers` field (RFC 2047-decoded here) when it is clean
 * UTF-8/ASCII, otherwise from SendGrid's decoded fields.
 */
export function buildParsedEmail(form: FormData, limits: ResolvedLimits): EmailData {
  const charsets = readCharsets(form);
  const decoded = (name: string): string | undefined => {
    const bytes = form.bytes(name);
    return bytes === undefined ? undefined : decodeCharset(bytes, charsets[name]);
  };

  const headerBytes = form.bytes('headers');
  if (headerBytes && headerBytes.length > limits.maxHeaderBytes) {
    throw new IngressError(
      413,
      'header_too_large',
      `the headers field exceeds ${limits.maxHeaderBytes} bytes (maxHeaderBytes)`,
    );
  }
  const headerText =
    headerBytes === undefined
      ? ''
      : charsets.headers
        ? decodeCharset(headerBytes, charsets.headers)
        : decodeUnlabelledHeader(headerBytes);
  const headerFields = parseHeaderBlock(headerText);
  const summary = summarizeHeaders(headerFields);
  // Raw 8-bit header bytes in an unknown charset: SendGrid's decoded fields are the better source.
  const trustHeaders = headerBytes !== undefined && (Boolean(charsets.headers) || isValidUtf8(headerBytes));

  const sendgridAddresses = (name: string): EmailAddress[] | undefined => {
    const value = decoded(name);
    return value === undefined ? undefined : parseAddressList(value);
  };
  const pick = <T>(fromHeaders: T | undefined, fromSendGrid: T | undefined, fallback: T): T =>
    (trustHeaders ? (fromHeaders ?? fromSendGrid) : (fromSendGrid ?? fromHeaders)) ?? fallback;

  const text = decoded('text');
  const html = decoded('html');
  return {
    mode: 'parsed',
    ...commonFields(summary, form.metadata(), headerFields, { text: text ?? null, html: html ?? null }),
    subject: pick(summary.subject, decoded('subject'), ''),
    from: pick(summary.from ?? undefined, sendgridAddresses('from')?.[0], null),
    to: pick(summary.to, sendgridAddresses('to'), []),
    cc: pick(summary.cc, sendgridAddresses('cc'), []),
    attachments: buildAttachments(form),
  };
}

/** The `charsets` field (field → charset label); invalid JSON is ignored, every field then UTF-8. */
function readCharsets(form: FormData): Record<string, string> {
  const value = parseJsonLenient(form.text('charsets'));
  const charsets: Record<string, string> = Object.create(null);
  if (!isRecord(value)) return charsets;
  for (const [field, label] of Object.entries(value)) {
    if (typeof label === 'string') charsets[field] = label;
  }
  return charsets;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function stripBrackets(contentId: string): string {
  return contentId.trim().replace(/^<|>$/g, '');
}

/**
 * `attachmentN` parts joined to `attachment-info` by name (never by order); `content-ids`
 * (Content-ID → part name) and `content-id` in the info mark inline parts. Parts without
 * an info entry are kept; unreadable metadata JSON is ignored, the parts still kept.
 * Not hashed here: `Attachment.sha256` is computed from the part's bytes on first read.
 */
function buildAttachments(form: FormData): AttachmentInit[] {
  const infoValue = parseJsonLenient(form.text('attachment-info'));
  const info = isRecord(infoValue) ? infoValue : {};
  const contentIdsValue = parseJsonLenient(form.text('content-ids'));
  const contentIdByPart = new Map<string, string>();
  if (isRecord(contentIdsValue)) {
    for (const [contentId, partName] of Object.entries(contentIdsValue)) {
      if (typeof partName === 'string' && !contentIdByPart.has(partName))
        contentIdByPart.set(partName, stripBrackets(contentId));
    }
  }
  return form.attachmentParts.map((part) => {
    const meta = isRecord(info[part.name]) ? (info[part.name] as Record<string, unknown>) : {};
    const metaContentId = stringOf(meta['content-id']);
    const contentId = metaContentId ? stripBrackets(metaContentId) : (contentIdByPart.get(part.name) ?? null);
    return {
      filename: stringOf(meta.filename) ?? stringOf(meta.name) ?? part.filename ?? part.name,
      contentType: stringOf(meta.type) ?? part.contentType?.trim() ?? 'application/octet-stream',
      size: part.data.length,
      contentId: contentId || null,
      inline: Boolean(contentId),
      source: { kind: 'buffer', data: part.data },
    };
  });
}
