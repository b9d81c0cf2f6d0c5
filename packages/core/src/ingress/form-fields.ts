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
    throw new IngressError(400, 'malformed_envelope', `malformed envelope field: expected a JSON object like {"to":[…],"from":"…"}`);
  }
  const toValue = value.to;
  if (toValue !== undefined && toValue !== null && typeof toValue !== 'string' && !Array.isArray(toValue)) {
    throw new IngressError(400, 'malformed_envelope', 'malformed envelope field: "to" must be a string or an array of strings');
  }
  const to = (Array.isArray(toValue) ? toValue : typeof toValue === 'string' ? [toValue] : [])
    .filter((entry): entry is string => typeof entry === 'string')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const from = typeof value.from === 'string' && value.from.trim() ? value.from.trim() : null;
  return { from, to };
}

/**
 * The `dkim` field, which is not JSON: `{@d.com : pass}`, several `@domain : result`
 * entries inside one brace group separated by commas, or several brace groups; `none` → [].
 * Tolerant: stray spaces, missing braces, a missing `@`.
 */
export function parseDkim(text: string | undefined): DkimResult[] {
  const results: DkimResult[] = [];
  if (!text) return results;
  for (const entry of text.replace(/[{}]/g, ',').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed || /^none$/i.test(trimmed)) continue;
    const colon = trimmed.lastIndexOf(':');
    const domain = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim().replace(/^@/, '').trim();
    const result = colon < 0 ? '' : trimmed.slice(colon + 1).trim().toLowerCase();
    if (!domain) continue;
    results.push({ domain, result: result || 'unknown' });
  }
  return results;
}

/** `SPF` as SendGrid reports it, or null when absent/empty. */
export function parseSpf(text: string | undefined): string | null {
  const value = text?.trim();
  return value ? value : null;
}

/** `spam_score` + `spam_report`; null when SendGrid did not run the spam check (neither field). */
export function parseSpam(score: string | undefined, report: string | undefined): SpamCheck | null {
  if (score === undefined && report === undefined) return null;
  const number = score !== undefined && score.trim() ? Number(score.trim()) : Number.NaN;
  return { score: Number.isFinite(number) ? number : null, report: report === undefined ? null : normalizeLineEndings(report) };
}

export function parseSenderIp(text: string | undefined): string | null {
  const value = text?.trim();
  return value ? value : null;
}

/** CRLF and lone CR → LF. */
export function normalizeLineEndings(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
