import { createRequire } from 'node:module';
import type { SendMailOptions } from 'nodemailer';

const require = createRequire(import.meta.url);
const MailComposer = require('nodemailer/lib/mail-composer') as new (mail: SendMailOptions) => {
  compile(): MimeTreeNode;
};
// libbase64 and libqp are the published packages nodemailer's own encoders were made from (same output, tested).
const base64 = require('libbase64') as {
  encode(buffer: Buffer): string;
  wrap(text: string, lineLength?: number): string;
};
const qp = require('libqp') as { encode(buffer: Buffer): string; wrap(text: string, lineLength?: number): string };

/** The parts of nodemailer's MimeNode this module reads (its build() is stream-based, hence async). */
interface MimeTreeNode {
  buildHeaders(): string;
  getTransferEncoding(): string | false;
  build(): Promise<Buffer>;
  multipart: string | false;
  boundary: string;
  childNodes: MimeTreeNode[];
  content?: string | Buffer;
  _raw?: string | Buffer | false;
}

/**
 * Composes a message with nodemailer's MailComposer and serialises it synchronously, so the
 * kit's builders can return bytes (and `Request`s) without a promise. The output is byte-for-byte
 * what `MimeNode.build()` produces for in-memory content (checked in mime.test.ts).
 */
export function composeMessage(mail: SendMailOptions): Buffer {
  const root = new MailComposer(mail).compile();
  const out: Buffer[] = [];
  writeNode(root, out, true);
  const message = Buffer.concat(out);
  // MimeNode's LastNewline transform: the message always ends with a line break.
  return message.at(-1) === 0x0a ? message : Buffer.concat([message, Buffer.from('\r\n')]);
}

/** The same message through nodemailer's own asynchronous builder (for comparison in tests). */
export function composeMessageAsync(mail: SendMailOptions): Promise<Buffer> {
  return new MailComposer(mail).compile().build();
}

function writeNode(node: MimeTreeNode, out: Buffer[], root = false): void {
  if (node._raw) {
    // A message whose only part is raw (a non-UTF-8 text body alone): MimeNode would drop the message's own
    // headers (Subject, Date, Message-ID, MIME-Version); keep them, and let the raw part bring its Content-*.
    if (root) out.push(Buffer.from(withoutContentHeaders(node.buildHeaders())));
    out.push(toBuffer(node._raw));
  } else {
    out.push(Buffer.from(`${node.buildHeaders()}\r\n\r\n`));
    if (node.content) out.push(encodeContent(toBuffer(node.content), node.getTransferEncoding()));
  }
  if (!node.multipart) return;
  node.childNodes.forEach((child, index) => {
    out.push(Buffer.from(`${index > 0 ? '\r\n' : ''}--${node.boundary}\r\n`));
    writeNode(child, out);
  });
  out.push(Buffer.from(`\r\n--${node.boundary}--\r\n`));
}

/** Header lines minus Content-Type / Content-Transfer-Encoding (and their folded continuations). */
function withoutContentHeaders(headers: string): string {
  const kept: string[] = [];
  let dropping = false;
  for (const line of headers.split('\r\n')) {
    const continuation = line.startsWith(' ') || line.startsWith('\t');
    if (!continuation) dropping = /^content-(type|transfer-encoding):/i.test(line);
    if (!dropping) kept.push(line);
  }
  return kept.map((line) => `${line}\r\n`).join('');
}

function encodeContent(content: Buffer, transferEncoding: string | false): Buffer {
  if (transferEncoding === 'quoted-printable') return Buffer.from(qp.wrap(qp.encode(content), 76), 'ascii');
  if (transferEncoding !== 'base64') return content;
  // Mirrors nodemailer's base64 Encoder for one chunk: whole 3-byte groups are wrapped at 76
  // columns, the 1–2 trailing bytes are appended to the last line unwrapped.
  const whole = content.length - (content.length % 3);
  let text = base64.wrap(base64.encode(content.subarray(0, whole)), 76);
  const lastBreak = text.lastIndexOf('\n');
  let lastLine = lastBreak < 0 ? text : text.slice(lastBreak + 1);
  text = lastBreak < 0 ? '' : text.slice(0, lastBreak + 1);
  if (text && !text.endsWith('\r\n')) text += '\r\n';
  if (whole < content.length) lastLine += base64.encode(content.subarray(whole));
  return Buffer.from(text + lastLine, 'ascii');
}

function toBuffer(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}
