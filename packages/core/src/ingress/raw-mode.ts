import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { MailParser, type AttachmentStream, type MessageText } from 'mailparser';
import { commonFields, type EmailData } from './email-data.js';
import { decodeUnlabelledHeader } from './charsets.js';
import { IngressError } from './errors.js';
import type { FormData } from './form.js';
import { headerFromLine, summarizeHeaders, type HeaderField } from './headers.js';
import type { ResolvedLimits } from './limits.js';
import { checkMimeStructure, type LeafPart } from './mime-structure.js';
import { parseContentType } from './multipart.js';
import { openSpillFile, type SpillFile } from './spill.js';
import { withUnlabelledFallback, type BodyPart } from './undeclared-charset.js';

/**
 * Raw mode ("POST the raw, full MIME message"): the `email` part holds the message bytes,
 * parsed by mailparser from a Buffer (never a string, so 8-bit bodies keep their charset).
 * SendGrid's metadata fields (envelope, dkim, SPF, spam, sender_ip) come from the form.
 */
export async function buildRawEmail(form: FormData, limits: ResolvedLimits): Promise<EmailData> {
  const email = form.bytes('email')!;
  const leaves = checkMimeStructure(email, limits);
  const options = {
    skipHtmlToText: true, // text stays null without a text/plain part, as in parsed mode
    skipTextToHtml: true,
    skipTextLinks: true,
    checksumAlgo: false as const, // Attachment.sha256 hashes the chunks on first read, if anyone asks
    maxHeadSize: limits.maxHeaderBytes,
  };
  let parsed: ParsedMime;
  try {
    const head = elideAddressHeaders(email);
    const deferred = deferLargeAttachments(email, leaves);
    parsed = await parseMime(
      chunked(head.pieces(deferred ? deferred.pieces : [email])),
      limits.spillAttachmentsAboveBytes,
      options,
    );
    if (deferred && !deferred.restore(parsed)) {
      // mailparser did not read the message the way the layout said (a part it does not treat as an attachment):
      // parse the bytes as they are.
      discardSpills(parsed);
      parsed = await parseMime(chunked(head.pieces([email])), limits.spillAttachmentsAboveBytes, options);
    }
    parsed.topHeaders = head.restore(parsed.topHeaders);
  } catch (error) {
    if (error instanceof SpillError) throw error; // our disk, not the sender's message: a 5xx, SendGrid retries
    const err = error as Error & { code?: string };
    if (err.code === 'EMAXLEN')
      throw new IngressError(413, 'mime_too_large', `raw email rejected: ${err.message}`, { cause: err });
    throw new IngressError(400, 'malformed_mime', `raw email could not be parsed: ${err.message}`, { cause: err });
  }
  if (parsed.attachments.length > limits.maxAttachments) {
    discardSpills(parsed);
    throw new IngressError(
      413,
      'too_many_attachments',
      `more than ${limits.maxAttachments} attachments (maxAttachments)`,
    );
  }

  const headerFields = parsed.topHeaders
    .map(({ line }) => headerFromLine(decodeUnlabelledHeader(Buffer.from(line, 'latin1'))))
    .filter((field): field is HeaderField => field !== null);
  const summary = summarizeHeaders(headerFields);
  const bodies = bodyParts(email, leaves, headerFields);
  const html = withUnlabelledFallback(typeof parsed.html === 'string' ? parsed.html : null, email, bodies, 'text/html');
  // With skipHtmlToText mailparser gives an HTML-only message the text "": no text/plain part means null.
  const text = withUnlabelledFallback(parsed.text ? parsed.text : null, email, bodies, 'text/plain');
  const provider = form.provider();
  return {
    provider,
    mode: 'raw',
    ...commonFields(summary, form.metadata(provider), headerFields, { text, html }),
    subject: summary.subject ?? '',
    from: summary.from ?? null,
    to: summary.to ?? [],
    cc: summary.cc ?? [],
    attachments: parsed.attachments.map((attachment, index) => {
      const contentId = attachment.cid ?? attachment.contentId?.replace(/^<|>$/g, '') ?? null;
      const referenced = Boolean(contentId && html?.includes(`cid:${contentId}`));
      const fields = {
        filename: attachment.filename || `attachment-${index + 1}`,
        contentType: attachment.contentType || 'application/octet-stream',
        contentId: contentId || null,
        inline: Boolean(attachment.related) || attachment.contentDisposition === 'inline' || referenced,
      };
      if (attachment.encoded) return { ...fields, source: { kind: 'base64', encoded: attachment.encoded } };
      if (!attachment.spilled)
        return { ...fields, size: attachment.size, source: { kind: 'chunks', chunks: attachment.chunks } };
      return {
        ...fields,
        size: attachment.size,
        sha256: attachment.spilled.sha256,
        source: { kind: 'file', path: attachment.spilled.path },
      };
    }),
  };
}

/** Address-list headers mailparser parses (nodemailer's addressparser, then HTML and text forms of the list). */
const MAILPARSER_ADDRESS_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'sender',
  'reply-to',
  'delivered-to',
  'return-path',
  'disposition-notification-to',
]);
/** Bytes of address headers in the top-level block that mailparser is given; the rest it never sees. */
const MAILPARSER_ADDRESS_BUDGET = 16 * 1024;

/**
 * mailparser parses every address header of the top-level block in one synchronous call and builds HTML and
 * text forms of each list (a 768 KB To header held the event loop for seconds), yet raw mode reads addresses
 * from the header lines itself (bounded, see `parseAddressList`). So address and List-* headers past
 * MAILPARSER_ADDRESS_BUDGET bytes are left out of what mailparser is given, and put back among the raw header
 * lines it reports at their place afterwards: the email's headers are exactly the posted ones.
 */
function elideAddressHeaders(email: Buffer) {
  const elided: Array<{ index: number; start: number; end: number }> = [];
  const blockEnd = headerBlockEnd(email);
  let spent = 0;
  let index = 0;
  for (let start = 0; start < blockEnd; index++) {
    const end = logicalLineEnd(email, start, blockEnd);
    const colon = email.indexOf(0x3a, start);
    const name =
      colon > start && colon < end && colon - start <= 80
        ? email.toString('latin1', start, colon).trim().toLowerCase()
        : '';
    if (MAILPARSER_ADDRESS_HEADERS.has(name) || name.startsWith('list-')) {
      spent += end - start;
      if (spent > MAILPARSER_ADDRESS_BUDGET && index > 0) elided.push({ index, start, end });
    }
    start = end;
  }
  return {
    /** The message pieces with the elided lines cut out of the first piece (which starts at byte 0). */
    pieces(pieces: Buffer[]): Buffer[] {
      if (elided.length === 0) return pieces;
      const head: Buffer[] = [];
      let at = 0;
      for (const line of elided) {
        head.push(email.subarray(at, line.start));
        at = line.end;
      }
      const first = pieces[0]!;
      return [...head, first.subarray(at), ...pieces.slice(1)];
    },
    /** mailparser's header lines with the elided ones back in place (as mailsplit writes them: CRLF between folds). */
    restore(lines: ParsedMime['topHeaders']): ParsedMime['topHeaders'] {
      if (elided.length === 0) return lines;
      const out = [...lines];
      for (const line of elided) {
        const text = email
          .toString('latin1', line.start, line.end)
          .replace(/\r?\n$/, '')
          .split(/\r?\n/)
          .join('\r\n');
        out.splice(Math.min(line.index, out.length), 0, {
          key: text.slice(0, text.indexOf(':')).trim().toLowerCase(),
          line: text,
        });
      }
      return out;
    },
  };
}

/** Offset of the blank line ending the top-level header block (or the message's end). */
function headerBlockEnd(email: Buffer): number {
  const ends = [email.indexOf('\n\n'), email.indexOf('\n\r\n')].filter((at) => at >= 0);
  return ends.length ? Math.min(...ends) + 1 : email.length;
}

/** The message's body parts outside attached messages: its leaves, or a single-part message's one body. */
function bodyParts(email: Buffer, leaves: readonly LeafPart[], headers: readonly HeaderField[]): BodyPart[] {
  if (leaves.length > 0) return leaves.filter((leaf) => !leaf.insideMessage);
  const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value ?? null;
  const blockEnd = headerBlockEnd(email);
  const bodyStart = Math.min(email.length, blockEnd + (email[blockEnd] === 0x0d ? 2 : 1));
  return [
    {
      bodyStart,
      bodyEnd: email.length,
      contentType: header('content-type'),
      transferEncoding: header('content-transfer-encoding'),
    },
  ];
}

/** End (after its line break) of the header line at `start` with its continuation lines. */
function logicalLineEnd(email: Buffer, start: number, blockEnd: number): number {
  let end = start;
  do {
    const newline = email.indexOf(0x0a, end);
    end = newline < 0 || newline >= blockEnd ? blockEnd : newline + 1;
  } while (end < blockEnd && (email[end] === 0x20 || email[end] === 0x09));
  return end;
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
  /** Set instead of `chunks` for a deferred attachment: its base64 body, a view into the message. */
  encoded?: Buffer;
}

function discardSpills(parsed: ParsedMime): void {
  for (const attachment of parsed.attachments) if (attachment.spilled) rmSync(attachment.spilled.path, { force: true });
}

/** Base64 bodies at least this long are not decoded while parsing (see deferLargeAttachments). */
const DEFER_ATTACHMENTS_FROM_BYTES = 64 * 1024;

/**
 * Large attachments are decoded when read, not while parsing. mailparser decodes every part it is given, so each
 * large base64 attachment body (a leaf part that is certainly an attachment: `Content-Disposition: attachment`, or
 * a type that is neither text nor a message, outside any embedded message) is handed to it as a short marker
 * instead; `restore` then gives the attachment that came out with each marker a view of the real body. The parse
 * holds no decoded copy of those bytes (a 22 MB attachment was 0.7× the post in memory) and skips their decoding.
 * Each marker carries a random nonce, so a sender cannot forge one. Null when there is nothing to defer.
 */
function deferLargeAttachments(email: Buffer, leaves: LeafPart[]) {
  const deferred = leaves.filter(
    (leaf) =>
      leaf.bodyEnd - leaf.bodyStart >= DEFER_ATTACHMENTS_FROM_BYTES && !leaf.insideMessage && isCertainAttachment(leaf),
  );
  if (deferred.length === 0) return null;
  const nonce = randomBytes(12).toString('hex');
  const marker = (index: number) =>
    Buffer.from(`mailroom-deferred-attachment:${nonce}:${String(index).padStart(6, '0')}`);
  const markerLength = marker(0).length;
  const pieces: Buffer[] = [];
  let at = 0;
  deferred.forEach((leaf, index) => {
    pieces.push(email.subarray(at, leaf.bodyStart), Buffer.from(marker(index).toString('base64')));
    at = leaf.bodyEnd;
  });
  pieces.push(email.subarray(at));
  return {
    pieces,
    /** Swaps each marker attachment for its body; false when the markers did not come out one per attachment. */
    restore(parsed: ParsedMime): boolean {
      const prefix = marker(0).subarray(0, markerLength - 6);
      const found = new Map<number, ParsedAttachment>();
      for (const attachment of parsed.attachments) {
        if (attachment.spilled || attachment.chunks.reduce((n, chunk) => n + chunk.length, 0) !== markerLength)
          continue;
        const content = Buffer.concat(attachment.chunks);
        if (!content.subarray(0, prefix.length).equals(prefix)) continue;
        const index = Number(content.toString('latin1', prefix.length));
        if (!Number.isInteger(index) || index >= deferred.length || found.has(index)) return false;
        found.set(index, attachment);
      }
      // Every marker must be an attachment, and none may have ended up in the text (not read as an attachment).
      const leaked = (text: unknown) => typeof text === 'string' && text.includes(nonce);
      if (found.size !== deferred.length || leaked(parsed.text) || leaked(parsed.html)) return false;
      for (const [index, attachment] of found) {
        const leaf = deferred[index]!;
        attachment.encoded = email.subarray(leaf.bodyStart, leaf.bodyEnd);
        attachment.chunks = [];
      }
      return true;
    },
  };
}

function isCertainAttachment(leaf: LeafPart): boolean {
  if (leaf.transferEncoding?.trim().toLowerCase() !== 'base64') return false;
  if (leaf.disposition?.trim().toLowerCase().startsWith('attachment')) return true;
  const type = leaf.contentType === null ? undefined : parseContentType(leaf.contentType.trim())?.mimeType;
  return (
    type !== undefined && !type.startsWith('text/') && !type.startsWith('message/') && !type.startsWith('multipart/')
  );
}

/** Writing a spilled attachment failed (disk full, permissions): a fault on our side, answered 5xx. */
export class SpillError extends Error {
  override name = 'SpillError';
}

interface ParsedMime {
  /** The top-level header block, one raw line (folds joined by CRLF) per field, in order. */
  topHeaders: ReadonlyArray<{ key: string; line: string }>;
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
    const mail: ParsedMime = { topHeaders: [], attachments: [] };
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
    // Emitted once, for the top-level block only (mailparser-contract.test.ts pins that).
    parser.on('headerLines', (lines) => {
      mail.topHeaders = lines;
    });
    let reading = false;
    const read = () => {
      reading = true;
      for (;;) {
        const data = parser.read() as AttachmentStream | MessageText | null;
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
        const stream = data;
        let chunks: Buffer[] = [];
        let kept = 0;
        let spill: SpillFile | null = null;
        const attachment: ParsedAttachment = {
          filename: stream.filename,
          contentType: stream.contentType,
          contentDisposition: stream.contentDisposition,
          contentId: stream.contentId,
          cid: stream.cid,
          related: stream.related,
          size: 0,
          chunks: [],
        };
        mail.attachments.push(attachment);
        stream.content.on('data', (chunk: Buffer) => {
          if (settled) return;
          attachment.size += chunk.byteLength;
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
            fail(
              new SpillError(`could not spill an attachment to disk: ${(error as Error).message}`, { cause: error }),
            );
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
 * The message (in pieces) as a stream of views into the same bytes (no copies). Given one big Buffer,
 * mailparser splits all of it in a single synchronous pass and peaks at ~4× the message;
 * fed in 64 KiB chunks with backpressure it stays under 2×.
 */
function chunked(pieces: Buffer[]): Readable {
  let piece = 0;
  let offset = 0;
  return new Readable({
    read() {
      while (piece < pieces.length && offset >= pieces[piece]!.length) {
        piece++;
        offset = 0;
      }
      if (piece >= pieces.length) {
        this.push(null);
        return;
      }
      const bytes = pieces[piece]!;
      const end = Math.min(offset + FEED_CHUNK_BYTES, bytes.length);
      const chunk = bytes.subarray(offset, end);
      offset = end;
      this.push(chunk);
    },
  });
}
