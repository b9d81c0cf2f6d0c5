import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { SendMailOptions } from 'nodemailer';

type MailAttachment = NonNullable<SendMailOptions['attachments']>[number];
import { parseAddressList } from '../message/index.js';
import { encodedWords, encodeInCharset } from './charsets.js';
import { composeMessage } from './mime.js';
import { multipartBody, multipartContentType, SENDGRID_BOUNDARY, type FormPart } from './multipart.js';

const require = createRequire(import.meta.url);
const mimeTypes = require('mime-types') as { lookup(filename: string): string | false };

/** The decoded fields whose bytes SendGrid declares in `charsets`. */
export type CharsetField = 'subject' | 'text' | 'html' | 'from' | 'to' | 'cc';

export interface AttachmentDescription {
  filename: string;
  /** Defaults to the type implied by the file name. */
  contentType?: string;
  content: Buffer | string;
  /** Makes the part inline (referenced as `cid:<contentId>` from the HTML). */
  contentId?: string;
}

/**
 * What a test wants SendGrid to post. Everything has a default; see {@link buildInboundPost}.
 */
export interface InboundDescription {
  /** `parsed` (default): SendGrid's decoded fields. `raw`: the whole MIME message in `email`. */
  mode?: 'parsed' | 'raw';
  from?: string;
  to?: string | string[];
  cc?: string | string[];
  replyTo?: string | string[];
  /** Extra envelope recipients that appear in no header. */
  bcc?: string | string[];
  subject?: string;
  /** Plain-text body; defaults to a short greeting when neither `text` nor `html` is given. */
  text?: string;
  html?: string;
  date?: string | Date;
  /** With or without angle brackets; defaults to one derived from the description. */
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  /** Extra message headers. */
  headers?: Record<string, string>;
  /** SMTP envelope; defaults: `from` = From address, `to` = To addresses plus `bcc`. */
  envelope?: { from?: string; to?: string[] };
  /** One charset for every decoded field, or one per field (default UTF-8). */
  charset?: string | Partial<Record<CharsetField, string>>;
  attachments?: AttachmentDescription[];
  /** SendGrid's `dkim` field; default `{@<from domain> : pass}`. */
  dkim?: string;
  /** SendGrid's `SPF` field; default `pass`. */
  spf?: string;
  /** Spam check result; `null` posts no spam fields (spam check off). Default 0.1. */
  spamScore?: number | null;
  spamReport?: string;
  /** SendGrid's `sender_ip`; default 192.0.2.25. */
  senderIp?: string;
  /** Multipart boundary; default SendGrid's `xYzZY`. */
  boundary?: string;
  /** `sendgrid` (default): the order seen in captures; `shuffled`: a seeded permutation. */
  fieldOrder?: 'sendgrid' | 'shuffled';
  /** Seed for `fieldOrder: 'shuffled'` (default 1). */
  seed?: number;
}

/** A post body ready to send: bytes, its Content-Type, and the HTTP headers SendGrid would send. */
export interface BuiltPost {
  body: Buffer;
  contentType: string;
  headers: Record<string, string>;
}

export const DEFAULT_FROM = 'Alice <alice@example.com>';
export const DEFAULT_TO = 'inbox@inbound.example.com';
export const DEFAULT_SUBJECT = 'Hello from the test kit';
export const DEFAULT_TEXT = 'Hello!\n\nThis message was built by @mailroom/core/testing.\n';
export const DEFAULT_DATE = 'Thu, 26 Nov 2026 09:30:00 +0000';
export const DEFAULT_SENDER_IP = '192.0.2.25';
export const DEFAULT_SPAM_SCORE = 0.1;

/**
 * Builds the multipart body SendGrid's Inbound Parse would post for the described email.
 *
 * @example
 * ```ts
 * const post = buildInboundPost({ subject: 'Re: order 42', text: 'Thanks!', attachments: [{ filename: 'a.pdf', content: pdf }] });
 * const raw = buildInboundPost({ mode: 'raw', charset: 'iso-2022-jp', subject: '日本語の件名' });
 * ```
 */
export function buildInboundPost(description: InboundDescription = {}): BuiltPost {
  const boundary = description.boundary ?? SENDGRID_BOUNDARY;
  const body = multipartBody(inboundFormParts(description), boundary);
  const contentType = multipartContentType(boundary);
  return {
    body,
    contentType,
    headers: { 'content-type': contentType, 'content-length': String(body.length), 'user-agent': 'Sendlib/1.0' },
  };
}

/** The form parts of {@link buildInboundPost} before serialisation (for tests that mutate posts). */
export function inboundFormParts(description: InboundDescription = {}): FormPart[] {
  const email = resolve(description);
  const parts = email.mode === 'raw' ? rawParts(email) : parsedParts(email);
  return description.fieldOrder === 'shuffled' ? shuffle(parts, description.seed ?? 1) : parts;
}

interface ResolvedEmail {
  mode: 'parsed' | 'raw';
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string | undefined;
  html: string | undefined;
  date: string;
  charsets: Record<CharsetField, string>;
  attachments: Array<{ filename: string; contentType: string; content: Buffer; contentId?: string }>;
  envelope: { from: string; to: string[] };
  message: Buffer;
  dkim: string;
  spf: string;
  spam: { score: number; report: string } | null;
  senderIp: string;
  smtpId: string;
}

function resolve(d: InboundDescription): ResolvedEmail {
  const from = d.from ?? DEFAULT_FROM;
  const to = list(d.to ?? DEFAULT_TO);
  const cc = list(d.cc);
  const subject = d.subject ?? DEFAULT_SUBJECT;
  const text = d.text === undefined && d.html === undefined ? DEFAULT_TEXT : d.text;
  const date = d.date instanceof Date ? d.date.toUTCString().replace('GMT', '+0000') : (d.date ?? DEFAULT_DATE);
  const charsets = resolveCharsets(d.charset);
  const attachments = (d.attachments ?? []).map((a) => ({
    filename: a.filename,
    contentType: a.contentType ?? (mimeTypes.lookup(a.filename) || 'application/octet-stream'),
    content: typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : a.content,
    ...(a.contentId !== undefined ? { contentId: a.contentId.replace(/^<|>$/g, '') } : {}),
  }));
  // Defaults that must differ between different emails (Message-ID, SMTP id) derive from this.
  const fingerprint = sha256Hex(
    JSON.stringify({ ...d, attachments: attachments.map((a) => ({ ...a, content: sha256Hex(a.content) })) }),
  );
  const messageId = `<${(d.messageId ?? `${fingerprint.slice(0, 24)}@mailroom.test`).replace(/^<|>$/g, '')}>`;
  const fromAddress = parseAddressList(from)[0]?.address ?? '';
  const envelope = {
    from: d.envelope?.from ?? fromAddress,
    to: d.envelope?.to ?? [...addressesOf(to), ...addressesOf(list(d.bcc))],
  };

  // baseBoundary is a MailComposer option missing from @types/nodemailer.
  const mail: SendMailOptions & { baseBoundary: string } = {
    date,
    messageId,
    baseBoundary: `mailroom-${fingerprint.slice(0, 16)}`,
    headers: {
      Subject: prepared(encodedWords(subject, charsets.subject)),
      ...(d.headers ?? {}),
    },
    ...(d.replyTo !== undefined ? { replyTo: list(d.replyTo) } : {}),
    ...(d.inReplyTo !== undefined ? { inReplyTo: d.inReplyTo } : {}),
    ...(d.references !== undefined ? { references: list(d.references) } : {}),
    ...(text !== undefined ? { text: textPart(text, 'text/plain', charsets.text) } : {}),
    ...(d.html !== undefined ? { html: textPart(d.html, 'text/html', charsets.html) } : {}),
    attachments: attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
      ...(a.contentId !== undefined ? { cid: a.contentId } : {}),
    })),
  };

  // MailComposer only formats address headers itself (always as UTF-8), so these are written
  // here, with display names as encoded-words in the field's own charset.
  const addressLines = [
    `From: ${addressHeader([from], charsets.from)}\r\n`,
    `To: ${addressHeader(to, charsets.to)}\r\n`,
    ...(cc.length ? [`Cc: ${addressHeader(cc, charsets.cc)}\r\n`] : []),
  ];

  return {
    mode: d.mode ?? 'parsed',
    from,
    to,
    cc,
    subject,
    text,
    html: d.html,
    date,
    charsets,
    attachments,
    envelope,
    message: Buffer.concat([Buffer.from(addressLines.join('')), composeMessage(mail)]),
    dkim: d.dkim ?? `{@${fromAddress.split('@')[1] ?? 'example.com'} : pass}`,
    spf: d.spf ?? 'pass',
    spam: spamCheck(d),
    senderIp: d.senderIp ?? DEFAULT_SENDER_IP,
    smtpId: fingerprint.slice(24, 46),
  };
}

function parsedParts(email: ResolvedEmail): FormPart[] {
  const { charsets } = email;
  const headerBlock = email.message.subarray(0, headerEnd(email.message)).toString('latin1');
  const received = `Received: by mx0032p1las1.sendgrid.net with SMTP id ${email.smtpId} ${email.date} (UTC)`;
  // SendGrid posts the header block unfolded, encoded-words left as they were.
  const headers = `${received}\r\n${headerBlock.replace(/\r\n(?=[ \t])/g, '')}\r\n`;

  const files: FormPart[] = email.attachments.map((a, i) => ({
    name: `attachment${i + 1}`,
    value: a.content,
    filename: a.filename,
    contentType: a.contentType,
  }));
  const contentIds = Object.fromEntries(
    email.attachments.flatMap((a, i) => (a.contentId !== undefined ? [[a.contentId, `attachment${i + 1}`]] : [])),
  );
  const attachmentInfo = Object.fromEntries(
    email.attachments.map((a, i) => [
      `attachment${i + 1}`,
      {
        filename: a.filename,
        name: a.filename,
        type: a.contentType,
        ...(a.contentId !== undefined ? { 'content-id': a.contentId } : {}),
      },
    ]),
  );
  const presentCharsets: Partial<Record<CharsetField, string>> = { to: charsets.to };
  if (email.cc.length) presentCharsets.cc = charsets.cc;
  if (email.html !== undefined) presentCharsets.html = charsets.html;
  presentCharsets.subject = charsets.subject;
  presentCharsets.from = charsets.from;
  if (email.text !== undefined) presentCharsets.text = charsets.text;

  const parts: Array<FormPart | null> = [
    field('headers', Buffer.from(headers, 'latin1')),
    ...files,
    field('dkim', email.dkim),
    Object.keys(contentIds).length ? field('content-ids', JSON.stringify(contentIds)) : null,
    field('to', encodeInCharset(email.to.join(', '), charsets.to)),
    email.cc.length ? field('cc', encodeInCharset(email.cc.join(', '), charsets.cc)) : null,
    email.html !== undefined ? field('html', encodeInCharset(crlf(email.html), charsets.html)) : null,
    field('from', encodeInCharset(email.from, charsets.from)),
    email.text !== undefined ? field('text', encodeInCharset(crlf(email.text), charsets.text)) : null,
    field('sender_ip', email.senderIp),
    email.spam ? field('spam_report', email.spam.report) : null,
    field('envelope', JSON.stringify(email.envelope)),
    field('attachments', String(email.attachments.length)),
    field('subject', encodeInCharset(email.subject, charsets.subject)),
    email.spam ? field('spam_score', String(email.spam.score)) : null,
    email.attachments.length ? field('attachment-info', JSON.stringify(attachmentInfo)) : null,
    field('charsets', JSON.stringify(presentCharsets)),
    field('SPF', email.spf),
  ];
  return parts.filter((p): p is FormPart => p !== null);
}

function rawParts(email: ResolvedEmail): FormPart[] {
  const { charsets } = email;
  const received =
    `Received: from mail.example.com (mail.example.com [${email.senderIp}]) by mx.sendgrid.net with ESMTP id ${email.smtpId}` +
    ` for <${email.envelope.to[0] ?? ''}>; ${email.date} (UTC)\r\n`;
  const presentCharsets: Partial<Record<CharsetField, string>> = { to: charsets.to };
  if (email.cc.length) presentCharsets.cc = charsets.cc;
  presentCharsets.from = charsets.from;
  presentCharsets.subject = charsets.subject;

  const parts: Array<FormPart | null> = [
    field('email', Buffer.concat([Buffer.from(received), email.message])),
    field('dkim', email.dkim),
    field('sender_ip', email.senderIp),
    field('charsets', JSON.stringify(presentCharsets)),
    field('SPF', email.spf),
    field('to', encodeInCharset(email.to.join(', '), charsets.to)),
    email.cc.length ? field('cc', encodeInCharset(email.cc.join(', '), charsets.cc)) : null,
    field('from', encodeInCharset(email.from, charsets.from)),
    field('subject', encodeInCharset(email.subject, charsets.subject)),
    field('envelope', JSON.stringify(email.envelope)),
    email.spam ? field('spam_score', String(email.spam.score)) : null,
    email.spam ? field('spam_report', email.spam.report) : null,
  ];
  return parts.filter((p): p is FormPart => p !== null);
}

function resolveCharsets(charset: InboundDescription['charset']): Record<CharsetField, string> {
  const one = typeof charset === 'string' ? charset : undefined;
  const per = typeof charset === 'object' ? charset : {};
  const pick = (f: CharsetField) => per[f] ?? one ?? 'UTF-8';
  return {
    subject: pick('subject'),
    text: pick('text'),
    html: pick('html'),
    from: pick('from'),
    to: pick('to'),
    cc: pick('cc'),
  };
}

/** Address headers with display names as encoded-words in the field's charset. */
function addressHeader(values: string[], charset: string): string {
  return values
    .flatMap((value) => {
      const parsed = parseAddressList(value);
      if (!parsed.length) return [value];
      return parsed.map(({ name, address }) => (name ? `${displayName(name, charset)} <${address}>` : address));
    })
    .join(', ');
}

function displayName(name: string, charset: string): string {
  if (!/^[\x20-\x7e]*$/.test(name)) return encodedWords(name, charset);
  return /^[\w !#$%&'*+\-/=?^`{|}~]*$/.test(name) ? name : `"${name.replace(/(["\\])/g, '\\$1')}"`;
}

/** A body part: nodemailer's default (UTF-8) or, for other charsets, a pre-encoded raw part. */
function textPart(content: string, type: 'text/plain' | 'text/html', charset: string): string | MailAttachment {
  if (/^utf-?8$/i.test(charset)) return content;
  const bytes = encodeInCharset(crlf(content), charset);
  // ISO-2022-JP is 7-bit by design and conventionally sent as is; other charsets go as base64.
  const sevenBit = /2022/.test(charset) && bytes.every((b) => b < 0x80);
  const encoded = sevenBit ? bytes.toString('latin1') : (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return {
    raw: `Content-Type: ${type}; charset=${charset}\r\nContent-Transfer-Encoding: ${sevenBit ? '7bit' : 'base64'}\r\n\r\n${encoded}`,
  };
}

function spamCheck(d: InboundDescription): { score: number; report: string } | null {
  if (d.spamScore === null) return null;
  const score = d.spamScore ?? DEFAULT_SPAM_SCORE;
  const verdict =
    score >= 5
      ? 'has identified this incoming email as possible spam'
      : 'has NOT identified this incoming email as spam';
  const report =
    d.spamReport ??
    `Spam detection software, running on the system "parsley-p1iad2-spamassassin-test",\n${verdict}.\n\n` +
      `Content analysis details:   (${score.toFixed(1)} points, 5.0 required)\n`;
  return { score, report };
}

function headerEnd(message: Buffer): number {
  const end = message.indexOf('\r\n\r\n');
  return end < 0 ? message.length : end;
}

function field(name: string, value: Buffer | string): FormPart {
  return { name, value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value };
}

function prepared(value: string): { prepared: true; value: string } {
  return { prepared: true, value };
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function addressesOf(values: string[]): string[] {
  return values.flatMap((v) => parseAddressList(v).map((a) => a.address));
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A deterministic permutation (mulberry32 + Fisher–Yates) so a failing order can be reproduced. */
function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
