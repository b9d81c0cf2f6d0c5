import { IngressError } from '../errors.js';

/** RFC 5321's path limit is 256 octets; a little room for what providers add (a display form is not an address). */
const MAX_ADDRESS_LENGTH = 320;
/** More recipients than any SMTP server takes for one message (RFC 5321 requires 100; Postfix allows 1000). */
const MAX_RECIPIENTS = 1000;
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * One envelope address a provider reported: trimmed, `<…>` unwrapped; empty (or `<>`, the null sender) is null.
 * Control characters, a comma or more than 320 characters are a 400: an envelope is addresses, nothing else.
 */
export function envelopeAddress(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(field, 'is not a string');
  let address = value.trim();
  if (address.startsWith('<') && address.endsWith('>')) address = address.slice(1, -1).trim();
  if (!address) return null;
  if (address.length > MAX_ADDRESS_LENGTH) throw invalid(field, `is longer than ${MAX_ADDRESS_LENGTH} characters`);
  if (CONTROL.test(address) || address.includes(',')) throw invalid(field, 'holds a control character or a comma');
  return address;
}

/** Several envelope addresses (duplicates dropped, case-insensitively), at most 1000. */
export function envelopeAddresses(values: Iterable<unknown>, field: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const value of values) {
    const address = envelopeAddress(value, field);
    if (address === null || seen.has(address.toLowerCase())) continue;
    if (out.length === MAX_RECIPIENTS) throw invalid(field, `names more than ${MAX_RECIPIENTS} recipients`);
    seen.add(address.toLowerCase());
    out.push(address);
  }
  return out;
}

function invalid(field: string, problem: string): IngressError {
  return new IngressError(400, 'invalid_envelope', `${field} ${problem}`);
}
