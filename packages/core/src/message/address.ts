import { parseAddressHeader } from 'mailparser';

/** One mailbox: the address and its display name ("" when there is none). */
export interface EmailAddress {
  address: string;
  name: string;
}

/** Mailboxes read from one address-list value at most; the rest of a longer list is not parsed. */
export const MAX_ADDRESSES = 10_000;
/** Characters of one address-list value read at most (a 10,000-recipient To header is ~360 KB). */
export const MAX_ADDRESS_CHARS = 512 * 1024;

export interface AddressListLimits {
  /** Default {@link MAX_ADDRESSES}. */
  maxAddresses?: number;
  /** Default {@link MAX_ADDRESS_CHARS}. */
  maxChars?: number;
}

/**
 * Parses an address-list header value (To, Cc, Reply-To, From) into mailboxes, with mailparser's public
 * `parseAddressHeader` (nodemailer's linear address parser: quoted commas, groups, comments; encoded-word
 * display names decoded). Groups are flattened; an empty group such as `undisclosed-recipients:;` yields nothing.
 * Linear and bounded: only the first `maxAddresses` entries and `maxChars` characters are read, cut at a
 * list separator found by one scan that skips quoted strings, comments and angle brackets.
 */
export function parseAddressList(value: string | null | undefined, limits: AddressListLimits = {}): EmailAddress[] {
  if (!value || !value.trim()) return [];
  const maxAddresses = limits.maxAddresses ?? MAX_ADDRESSES;
  const input = boundedAddressList(value, maxAddresses, limits.maxChars ?? MAX_ADDRESS_CHARS);
  const out: EmailAddress[] = [];
  for (const entry of parseAddressHeader(input, { flatten: true, decodePunycode: false }).value) {
    const address = (entry.address ?? '').trim();
    if (!address) continue;
    out.push({ address, name: (entry.name ?? '').trim() });
    if (out.length >= maxAddresses) break;
  }
  return out;
}

/** The first mailbox of an address header, or null. */
export function parseAddress(value: string | null | undefined): EmailAddress | null {
  return parseAddressList(value, { maxAddresses: 1, maxChars: 64 * 1024 })[0] ?? null;
}

/**
 * `value` up to (not including) its `maxAddresses`-th top-level separator (`,` or `;`) and within `maxChars`,
 * cut at the last separator before that when one exists. One pass; quoted strings, comments (nested) and
 * `<…>` are skipped as the parser reads them, so a cut never splits a mailbox that fits.
 */
function boundedAddressList(value: string, maxAddresses: number, maxChars: number): string {
  if (value.length <= maxChars && value.length < maxAddresses) return value; // fewer characters than separators allowed
  let separators = 0;
  let lastSeparator = -1;
  let quoted = false;
  let comment = 0;
  let angle = false;
  const end = Math.min(value.length, maxChars);
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i);
    if (quoted || comment > 0) {
      if (c === 0x5c)
        i++; // backslash escapes the next character
      else if (quoted && c === 0x22) quoted = false;
      else if (comment > 0 && c === 0x28) comment++;
      else if (comment > 0 && c === 0x29) comment--;
    } else if (angle) {
      if (c === 0x3e) angle = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x28) comment = 1;
    else if (c === 0x3c) angle = true;
    else if (c === 0x2c || c === 0x3b) {
      if (++separators >= maxAddresses) return value.slice(0, i);
      lastSeparator = i;
    }
  }
  if (end === value.length) return value;
  return lastSeparator > 0 ? value.slice(0, lastSeparator) : value.slice(0, end);
}

/** Lower-cases the domain and the local part; used for matching, never for display. */
export function normalizeAddress(address: string): string {
  return address.trim().replace(/^<|>$/g, '').toLowerCase();
}

/** The domain part of an address, lower-cased ("" when there is none). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0
    ? ''
    : address
        .slice(at + 1)
        .trim()
        .replace(/>$/, '')
        .toLowerCase();
}
