import { createHash } from 'node:crypto';
import type { UnparsedEmail } from '../message/index.js';
import { decodeUnlabelledHeader } from './charsets.js';
import { FormData } from './form.js';
import { headerFromLine, summarizeHeaders, toHeaders, type HeaderField } from './headers.js';
import type { ResolvedLimits } from './limits.js';
import { splitFormData } from './multipart.js';

/**
 * Header blocks longer than this are not summarized before the answer: such a post is parsed on receipt, under
 * every limit of the full parse. Real mail's top-level block is a few KB; the scan stays a short, linear pass.
 */
const UNPARSED_HEADER_BYTES = 64 * 1024;

/**
 * A raw-mode post read only as far as storing it needs: SendGrid's envelope from the form and the message's
 * top-level header block (Message-ID, From, Subject, Date), decoded exactly as the full parse decodes them. The
 * MIME body is left for the worker. Null when the post should be parsed on receipt instead: parsed mode, a body
 * over `limits.parseOffThreadAboveBytes` (its split belongs on the parse thread), or a header block that does not
 * end within UNPARSED_HEADER_BYTES.
 */
export function summarizeUnparsed(body: Buffer, boundary: string, limits: ResolvedLimits): UnparsedEmail | null {
  if (limits.parseOffThreadAboveBytes > 0 && body.length > limits.parseOffThreadAboveBytes) return null;
  const form = new FormData(splitFormData(body, boundary, limits));
  const message = form.bytes('email');
  if (!message) return null;
  const block = headerBlock(message);
  if (block === null) return null;
  const fields = headerFields(block);
  const summary = summarizeHeaders(fields);
  return {
    mode: 'raw',
    envelope: form.metadata().envelope,
    messageId: summary.messageId,
    fromAddress: summary.from?.address ?? null,
    subject: summary.subject ?? '',
    date: summary.date,
    headers: toHeaders(fields),
    messageSha256: createHash('sha256').update(message).digest('hex'),
  };
}

/** The bytes before the first empty line (CRLF or bare LF), or null when none comes within the scan. */
function headerBlock(message: Buffer): Buffer | null {
  const window = message.subarray(0, UNPARSED_HEADER_BYTES);
  if (window.length > 0 && (window[0] === 0x0a || (window[0] === 0x0d && window[1] === 0x0a))) {
    return window.subarray(0, 0); // no headers at all
  }
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  const ends = [crlf, lf].filter((at) => at >= 0);
  if (ends.length > 0) return window.subarray(0, Math.min(...ends) + 1);
  return message.length <= UNPARSED_HEADER_BYTES ? window : null; // a message that is all headers
}

/** Folded `Name: value` fields, each decoded on its own as raw mode decodes mailparser's header lines. */
function headerFields(block: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  let start = -1;
  let at = 0;
  const push = (end: number) => {
    if (start < 0) return;
    const field = headerFromLine(decodeUnlabelledHeader(block.subarray(start, end)));
    if (field) fields.push(field);
  };
  while (at < block.length) {
    let next = block.indexOf(0x0a, at);
    if (next < 0) next = block.length;
    const first = block[at];
    const continuation = start >= 0 && (first === 0x20 || first === 0x09);
    if (!continuation) {
      push(at);
      start = at;
    }
    at = next + 1;
  }
  push(block.length);
  return fields;
}
