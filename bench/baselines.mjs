// Baselines the parse benchmark compares against, on the same bytes:
// - bare:   busboy (every part as bytes) + mailparser doing the same correct work as Mailroom — raw mode: mailparser
//           on the `email` bytes with the options Mailroom uses (but hashing attachments, see below); parsed mode:
//           fields decoded with their `charsets` (iconv-lite), the `headers` field parsed by mailparser (addresses,
//           RFC 2047), attachment metadata read and every attachment hashed (sha256, as mailparser does in raw mode).
//           The least work a correct parser can do. Mailroom hashes on first read instead (Attachment.sha256), so the
//           like-for-like figure next to bare is the `mailroom+sha256` column (bench/parsers.mjs).
// - framing: busboy alone, every part as bytes and nothing decoded — shown for reference, not a target.
// - naive:  Hono's `parseBody()` + `simpleParser` (default options) on the field *string* — what most webhook handlers do.
import Busboy from 'busboy';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import iconv from 'iconv-lite';
import { simpleParser } from 'mailparser';

// The options Mailroom's raw mode passes to mailparser (ingress/raw-mode.ts), so both do the same work — except
// checksumAlgo: Mailroom passes false and hashes on first read; bare keeps mailparser's sha256 of every attachment.
const MAILPARSER_OPTIONS = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  keepCidLinks: true,
  checksumAlgo: 'sha256',
};
const DECODED_FIELDS = ['subject', 'text', 'html', 'from', 'to', 'cc'];
const CRLF_CRLF = Buffer.from('\r\n\r\n');

export async function busboyParts(body, contentType) {
  const parts = new Map();
  await new Promise((resolve, reject) => {
    // latin1 maps every byte to one code unit, so Buffer.from(value, 'latin1') restores the exact bytes.
    const busboy = Busboy({
      headers: { 'content-type': contentType },
      limits: { fieldSize: Infinity, fileSize: Infinity },
      defCharset: 'latin1',
    });
    busboy.on('field', (name, value, info) => parts.set(name, { data: Buffer.from(value, 'latin1'), info }));
    busboy.on('file', (name, stream, info) => {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => parts.set(name, { data: Buffer.concat(chunks), info }));
    });
    busboy.on('close', resolve);
    busboy.on('error', reject);
    Readable.from(body instanceof Buffer ? [body] : body).pipe(busboy);
  });
  return parts;
}

function json(part) {
  try {
    return part ? JSON.parse(part.data.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

export async function bareParse(body, contentType) {
  const parts = await busboyParts(body, contentType);
  const email = parts.get('email');
  const envelope = json(parts.get('envelope'));
  if (email) {
    const parsed = await simpleParser(email.data, MAILPARSER_OPTIONS);
    return { subject: parsed.subject ?? null, envelope, parsed };
  }
  const charsets = json(parts.get('charsets')) ?? {};
  const fields = {};
  for (const name of DECODED_FIELDS) {
    const part = parts.get(name);
    if (part)
      fields[name] = iconv.decode(part.data, iconv.encodingExists(charsets[name] ?? '') ? charsets[name] : 'utf-8');
  }
  const headerBytes = parts.get('headers')?.data;
  const headers = headerBytes ? await simpleParser(Buffer.concat([headerBytes, CRLF_CRLF]), MAILPARSER_OPTIONS) : null;
  const info = json(parts.get('attachment-info')) ?? {};
  const attachments = [...parts.entries()]
    .filter(([name]) => /^attachment\d+$/.test(name))
    .map(([name, part]) => ({
      name,
      meta: info[name],
      size: part.data.length,
      sha256: createHash('sha256').update(part.data).digest('hex'),
    }));
  return { subject: headers?.subject ?? fields.subject ?? null, envelope, fields, headers, attachments };
}

export async function framingParse(body, contentType) {
  const parts = await busboyParts(body, contentType);
  return { subject: parts.get('subject')?.data.toString('utf8') ?? null };
}

const naiveApp = new Hono().post('/parse', async (c) => {
  const form = await c.req.parseBody({ all: true });
  const mime = typeof form.email === 'string' ? form.email : typeof form.headers === 'string' ? form.headers : null;
  const result = mime === null ? form : await simpleParser(mime);
  return c.json({ subject: result.subject ?? null });
});

export async function naiveParse(body, contentType) {
  const response = await naiveApp.request('/parse', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return response.json();
}
