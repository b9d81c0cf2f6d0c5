import type { DkimResult, Envelope, SpamCheck } from '../message/index.js';
import { IngressError } from './errors.js';

/** JSON.parse that returns undefined instead of throwing (SendGrid's metadata fields are hints). */
export function parseJsonLenient(text: string | undefined): unknown {
  if (text === undefined || !text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `envelope` field: `{"to":[…],"from":"…"}`. `to` keeps every recipient (a lone string
 * becomes a one-element list). Absent → empty envelope; present but not a JSON object → 400,
 * because routing depends on it.
 */
export function parseEnvelope(text: string | undefined): Envelope {
  if (text === undefined || !text.trim()) return { from: null, to: [] };
  const value = parseJsonLenient(text);
  if (!isRecord(value)) {
    throw new IngressError(
      400,
      'malformed_envelope',
      `malformed envelope field: expected a JSON object like {"to":[…],"from":"…"}`,
    );
  }
  const toValue = value.to;
  if (toValue !== undefined && toValue !== null && typeof toValue !== 'string' && !Array.isArray(toValue)) {
    throw new IngressError(
      400,
      'malformed_envelope',
      'malformed envelope field: "to" must be a string or an array of strings',
    );
  }
  const to = (Array.isArray(toValue) ? toValue : typeof toValue === 'string' ? [toValue] : [])
    .filter((entry): entry is string => typeof entry === 'string')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const from = typeof value.from === 'string' && value.from.trim() ? value.from.trim() : null;
  return { from, to };
}

/** Longest `dkim` field read (a real one lists a few signatures); longer → no result. */
export const MAX_DKIM_FIELD_LENGTH = 4096;
const MAX_DKIM_ENTRIES = 32;
// `@domain : result`: a DNS name (labels of letters, digits, "-", "_", joined by single dots: each repetition
// starts with its dot, so the match is linear) and a result word; blanks around the colon.
const DKIM_ENTRY = /[ \t]*@([A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63}){0,126})[ \t]*:[ \t]*([A-Za-z]{1,16})[ \t]*/y;
const BLANKS = /[ \t]*/y;

/**
 * The `dkim` field, which is not JSON: `{@d.com : pass}`, several `@domain : result` entries inside one brace group
 * separated by commas, or several brace groups (separated by commas or blanks); `none` → []. Read with a strict
 * grammar: anything else (nested or missing braces, a colon or space inside a domain, a missing `@`, more than 32
 * entries or 4 KiB) is no result at all, so free text can never become a passing domain. Results are lower-cased.
 */
export function parseDkim(text: string | undefined): DkimResult[] {
  const value = text?.trim();
  if (!value || value.length > MAX_DKIM_FIELD_LENGTH || /^none$/i.test(value)) return [];
  const results: DkimResult[] = [];
  let at = 0;
  while (at < value.length) {
    if (results.length > 0) at = skip(value, at, ',');
    if (value[at] !== '{') return [];
    at++;
    for (;;) {
      DKIM_ENTRY.lastIndex = at;
      const entry = DKIM_ENTRY.exec(value);
      if (!entry || entry[1]!.length > 253 || results.length === MAX_DKIM_ENTRIES) return [];
      results.push({ domain: entry[1]!, result: entry[2]!.toLowerCase() });
      at = DKIM_ENTRY.lastIndex;
      if (value[at] === ',') at++;
      else if (value[at] === '}') break;
      else return [];
    }
    at = skip(value, at + 1, '');
  }
  return results;
}

/** Past blanks, then one optional `separator`, then blanks. */
function skip(text: string, at: number, separator: string): number {
  BLANKS.lastIndex = at;
  BLANKS.exec(text);
  at = BLANKS.lastIndex;
  if (separator && text[at] === separator) {
    BLANKS.lastIndex = at + 1;
    BLANKS.exec(text);
    at = BLANKS.lastIndex;
  }
  return at;
}

/** The SPF results SendGrid reports (RFC 7208 §2.6), lower-cased. */
const SPF_RESULTS = new Set(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror']);

/** `SPF` as SendGrid reports it: one RFC 7208 result word (lower-cased), or null when absent, empty or anything else. */
export function parseSpf(text: string | undefined): string | null {
  const value = text?.trim().toLowerCase();
  return value && SPF_RESULTS.has(value) ? value : null;
}

/** `spam_score` + `spam_report`; null when SendGrid did not run the spam check (neither field). */
export function parseSpam(score: string | undefined, report: string | undefined): SpamCheck | null {
  if (score === undefined && report === undefined) return null;
  const number = score !== undefined && score.trim() ? Number(score.trim()) : Number.NaN;
  return {
    score: Number.isFinite(number) ? number : null,
    report: report === undefined ? null : normalizeLineEndings(report),
  };
}

export function parseSenderIp(text: string | undefined): string | null {
  const value = text?.trim();
  return value ? value : null;
}

/** CRLF and lone CR → LF. */
export function normalizeLineEndings(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
