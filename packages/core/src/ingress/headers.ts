import { createRequire } from 'node:module';
import { MAX_ADDRESS_CHARS, parseAddressList, type EmailAddress, type Header } from '../message/index.js';

const require = createRequire(import.meta.url);
// libmime (mailparser's own MIME helper, hoisted in node_modules) decodes RFC 2047
// encoded-words with iconv-lite, including charsets like cp850 and ISO-2022-JP.
const libmime = require('libmime') as { decodeWords(value: string): string };

/** One header: `name` as written, `raw` unfolded but with encoded-words intact, `value` fully decoded. */
export interface HeaderField {
  name: string;
  raw: string;
  value: string;
}

/** RFC 2047 encoded-words → text; the input unchanged if the decoder trips over it. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** Removes folding (a line break before whitespace), per RFC 5322 §2.2.3. */
export function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '');
}

/** One possibly folded `Name: value` line → a header; null when it has no name. */
export function headerFromLine(line: string): HeaderField | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const name = line.slice(0, colon).trim();
  if (!name || /\s/.test(name)) return null;
  const raw = unfold(line.slice(colon + 1))
    .replace(/\r?\n$/, '')
    .trim();
  return { name, raw, value: decodeEncodedWords(raw) };
}

/** A header block (lines, folded or not, up to the first blank line) → headers in order. */
export function parseHeaderBlock(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  let current: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (line === '') break;
    if ((line.startsWith(' ') || line.startsWith('\t')) && current !== null) {
      current += `\n${line}`;
      continue;
    }
    if (current !== null) pushField(fields, current);
    current = line;
  }
  if (current !== null) pushField(fields, current);
  return fields;
}

function pushField(fields: HeaderField[], line: string): void {
  const field = headerFromLine(line);
  if (field) fields.push(field);
}

export function toHeaders(fields: HeaderField[]): Header[] {
  return fields.map(({ name, value }) => ({ name, value }));
}

/**
 * Address characters read per message, across all its address headers: one header may use all of
 * MAX_ADDRESS_CHARS, but a flood of them cannot multiply the work.
 */
export const MAX_ADDRESS_CHARS_PER_MESSAGE = MAX_ADDRESS_CHARS;

/** What is left of a message's address budget (see MAX_ADDRESS_CHARS_PER_MESSAGE). */
export interface AddressBudget {
  chars: number;
}

/**
 * The mailboxes of an address header: parsed before decoding (the parser decodes display names itself), so an
 * encoded comma in a name cannot split it. Reads at most `budget.chars` characters and takes them off the budget.
 */
export function addressesOf(
  raw: string | undefined,
  budget: AddressBudget = { chars: MAX_ADDRESS_CHARS },
): EmailAddress[] {
  if (!raw || budget.chars <= 0) return [];
  const maxChars = Math.min(budget.chars, MAX_ADDRESS_CHARS);
  budget.chars -= Math.min(raw.length, maxChars);
  return parseAddressList(raw, { maxChars });
}

/** Message-IDs in a header value, without angle brackets. */
export function messageIds(raw: string | undefined): string[] {
  if (!raw) return [];
  const bracketed = [...raw.matchAll(/<([^<>]*)>/g)].map((match) => match[1]!.trim()).filter(Boolean);
  if (bracketed.length > 0) return bracketed;
  return raw
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter(Boolean);
}

/** A Date header → Date, or null when unparsable. */
export function parseDateHeader(raw: string | undefined): Date | null {
  if (!raw) return null;
  const withoutComments = raw
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!withoutComments) return null;
  const date = new Date(withoutComments);
  return Number.isNaN(date.getTime()) ? null : date;
}

export interface HeaderSummary {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  date: Date | null;
  subject: string | undefined;
  from: EmailAddress | null | undefined;
  to: EmailAddress[] | undefined;
  cc: EmailAddress[] | undefined;
  replyTo: EmailAddress[];
}

/**
 * The model fields that come from headers. `undefined` means "no such header", so the
 * parsed mode can fall back to SendGrid's decoded field.
 */
export function summarizeHeaders(fields: HeaderField[]): HeaderSummary {
  const first = (name: string) => fields.find((field) => field.name.toLowerCase() === name);
  const all = (name: string) => fields.filter((field) => field.name.toLowerCase() === name);
  const budget: AddressBudget = { chars: MAX_ADDRESS_CHARS_PER_MESSAGE };
  const fromHeader = first('from');
  const from = fromHeader ? (addressesOf(fromHeader.raw, budget)[0] ?? null) : undefined;
  const addressHeader = (name: string) => {
    const found = all(name);
    return found.length === 0 ? undefined : found.flatMap((field) => addressesOf(field.raw, budget));
  };
  return {
    messageId: messageIds(first('message-id')?.raw)[0] ?? null,
    inReplyTo: messageIds(first('in-reply-to')?.raw)[0] ?? null,
    references: all('references').flatMap((field) => messageIds(field.raw)),
    date: parseDateHeader(first('date')?.raw),
    subject: first('subject')?.value,
    from,
    to: addressHeader('to'),
    cc: addressHeader('cc'),
    replyTo: addressHeader('reply-to') ?? [],
  };
}
