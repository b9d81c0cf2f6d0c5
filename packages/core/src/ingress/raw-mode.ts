import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { MailParser, type AttachmentStream, type MessageText } from 'mailparser';
import { Attachment, InboundEmail } from '../message/index.js';
import { decodeUnlabelledHeader } from './charsets.js';
import { IngressError } from './errors.js';
import type { FormData } from './form.js';
import { normalizeLineEndings } from './form-fields.js';
import { headerFromLine, summarizeHeaders, toHeaders, type HeaderField } from './headers.js';
import type { ResolvedLimits } from './limits.js';
import { checkMimeStructure } from './mime-structure.js';
import { deleteWhenReleased, openSpillFile, type SpillFile } from './spill.js';

/**
 * Raw mode ("POST the raw, full MIME message"): the `email` part holds the message bytes,
 * parsed by mailparser from a Buffer (never a string, so 8-bit bodies keep their charset).
 * SendGrid's metadata fields (envelope, dkim, SPF, spam, sender_ip) come from the form.
 */
export async function buildRawEmail(form: FormData, limits: ResolvedLimits): Promise<InboundEmail> {
  const email = form.bytes('email')!;
  checkMimeStructure(email, limits);
  let parsed: ParsedMime;
  try {
    parsed = await parseMime(chunked(email), limits.spillAttachmentsAboveBytes, {
      skipHtmlToText: true, // text stays null without a text/plain part, as in parsed mode
      skipTextToHtml: true,
      skipTextLinks: true,
      checksumAlgo: false, // Attachment.sha256 hashes the chunks on first read, if anyone asks
      maxHeadSize: limits.maxHeaderBytes,
    });
  } catch (error) {
    if (error instanceof SpillError) throw error; // our disk, not the sender's message: a 5xx, SendGrid retries
    const err = error as Error & { code?: string };
    if (err.code === 'EMAXLEN') throw new IngressError(413, 'mime_too_large', `raw email rejected: ${err.message}`, { cause: err });
    throw new IngressError(400, 'malformed_mime', `raw email could not be parsed: ${err.message}`, { cause: err });
  }
  if (parsed.attachments.length > limits.maxAttachments) {
    for (const attachment of parsed.attachments) if (attachment.spilled) rmSync(attachment.spilled.path, { force: true });
    throw new IngressError(413, 'too_many_attachments', `more than ${limits.maxAttachments} attachments (maxAttachments)`);
  }

  const headerFields = (parsed.headerLines ?? [])
    .map(({ line }) => headerFromLine(decodeUnlabelledHeader(Buffer.from(line, 'latin1'))))
    .filter((field): field is HeaderField => field !== null);
  const summary = summarizeHeaders(headerFields);
  const html = typeof parsed.html === 'string' ? parsed.html : null;
  const metadata = form.metadata();
  return new InboundEmail({
    mode: 'raw',
    messageId: summary.messageId,
    date: summary.date,
    subject: summary.subject ?? '',
    from: summary.from ?? null,
    to: summary.to ?? [],
    cc: summary.cc ?? [],
    replyTo: summary.replyTo,
    envelope: metadata.envelope,
    inReplyTo: summary.inReplyTo,
    references: summary.references,
    text: typeof parsed.text === 'string' ? normalizeLineEndings(parsed.text) : null,
    html: html === null ? null : normalizeLineEndings(html),
    headers: toHeaders(headerFields),
    attachments: parsed.attachments.map((attachment, index) => {
      const contentId = attachment.cid ?? attachment.contentId?.replace(/^<|>$/g, '') ?? null;
      const referenced = Boolean(contentId && html?.includes(`cid:${contentId}`));
      const fields = {
        filename: attachment.filename || `attachment-${index + 1}`,
        contentType: attachment.contentType || 'application/octet-stream',
        size: attachment.size,
        contentId: contentId || null,
        inline: Boolean(attachment.related) || attachment.contentDisposition === 'inline' || referenced,
      };
      if (!attachment.spilled) return new Attachment({ ...fields, source: { kind: 'chunks', chunks: attachment.chunks } });
      const spilled = new Attachment({ ...fields, sha256: attachment.spilled.sha256, source: { kind: 'file', path: attachment.spilled.path } });
      deleteWhenReleased(spilled, attachment.spilled.path);
      return spilled;
    }),
    auth: metadata.auth,
    spam: metadata.spam,
    senderIp: metadata.senderIp,
  });
}

interface ParsedAttachment {
  filename?: string;
  contentType: string;
  contentDisposition?: string;
  contentId?: string;
  cid?: string;
  related?: boolean;
  size: number;
  chunks: Buffer[];
  /** Set instead of `chunks` when the attachment went to disk. */
  spilled?: { path: string; sha256: string };
}

/** Writing a spilled attachment failed (disk full, permissions): a fault on our side, answered 5xx. */
export class SpillError extends Error {
  override name = 'SpillError';
}

interface ParsedMime {
  headerLines: Array<{ key: string; line: string }>;
  text?: string;
  html?: string | false;
  attachments: ParsedAttachment[];
}

/**
 * mailparser's streaming parser, consumed like its `simpleParser` but keeping each attachment as the
 * decoder's chunks: simpleParser joins them, holding every attachment twice at its peak.
 */
function parseMime(
  input: Readable,
  spillAboveBytes: number,
  options: ConstructorParameters<typeof MailParser>[0],
): Promise<ParsedMime> {
  return new Promise((resolve, reject) => {
    const mail: ParsedMime = { headerLines: [], attachments: [] };
    const parser = new MailParser(options);
    const spills: SpillFile[] = [];
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      input.destroy();
      for (const spill of spills) spill.discard(); // nothing half-written is left behind
      reject(error);
    };
    parser.on('error', fail);
    input.on('error', fail);
    parser.on('headers', () => {
      mail.headerLines = (parser as unknown as { headerLines: ParsedMime['headerLines'] }).headerLines ?? [];
    });
    let reading = false;
    const read = () => {
      reading = true;
      for (;;) {
        const data = parser.read() as (AttachmentStream | MessageText) | null;
        if (data === null) {
          reading = false;
          return;
        }
        if (data.type === 'text') {
          if (typeof data.text === 'string') mail.text = data.text;
          if (data.html !== undefined) mail.html = data.html;
          continue;
        }
        // An attachment: collect its chunks, then let the parser go on (it waits for release()).
        const stream = data as AttachmentStream & { cid?: string; related?: boolean };
        let chunks: Buffer[] = [];
        let kept = 0;
        let spill: SpillFile | null = null;
        const attachment = stream as unknown as ParsedAttachment;
        mail.attachments.push(attachment);
        stream.content.on('data', (chunk: Buffer) => {
          if (settled) return;
          try {
            if (spill) return spill.write(chunk);
            chunks.push(chunk);
            kept += chunk.byteLength;
            if (spillAboveBytes > 0 && kept > spillAboveBytes) {
              // Past the threshold: what was kept goes to disk, and so does the rest.
              spill = openSpillFile();
              spills.push(spill);
              for (const piece of chunks) spill.write(piece);
              chunks = [];
            }
          } catch (error) {
            fail(new SpillError(`could not spill an attachment to disk: ${(error as Error).message}`, { cause: error }));
          }
        });
        stream.content.on('end', () => {
          if (settled) return;
          if (spill) attachment.spilled = { path: spill.path, sha256: spill.finish() };
          attachment.chunks = chunks;
          stream.release?.();
          read();
        });
        return;
      }
    };
    parser.on('readable', () => {
      if (!reading) read();
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(mail);
    });
    input.pipe(parser);
  });
}

const FEED_CHUNK_BYTES = 64 * 1024;

/**
 * The message as a stream of views into the same bytes (no copies). Given one big Buffer,
 * mailparser splits all of it in a single synchronous pass and peaks at ~4× the message;
 * fed in 64 KiB chunks with backpressure it stays under 2×.
 */
function chunked(bytes: Buffer): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= bytes.length) {
        this.push(null);
        return;
      }
      const end = Math.min(offset + FEED_CHUNK_BYTES, bytes.length);
      const chunk = bytes.subarray(offset, end);
      offset = end;
      this.push(chunk);
    },
  });
}
