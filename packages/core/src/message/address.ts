import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// nodemailer's address parser copes with quoted commas, groups and comments;
// it ships with mailparser already, so no extra dependency.
const addressparser = require('nodemailer/lib/addressparser') as (
  input: string,
  options?: { flatten?: boolean },
) => Array<{ name: string; address?: string; group?: Array<{ name: string; address?: string }> }>;

/** One mailbox: the address and its display name ("" when there is none). */
export interface EmailAddress {
  address: string;
  name: string;
}

/**
 * Parses an address-list header value (To, Cc, Reply-To, From) into mailboxes.
 * Groups are flattened; an empty group such as `undisclosed-recipients:;` yields nothing.
 */
export function parseAddressList(value: string | null | undefined): EmailAddress[] {
  if (!value || !value.trim()) return [];
  const out: EmailAddress[] = [];
  for (const entry of addressparser(value, { flatten: true })) {
    const address = (entry.address ?? '').trim();
    if (!address) continue;
    out.push({ address, name: (entry.name ?? '').trim() });
  }
  return out;
}

/** The first mailbox of an address header, or null. */
export function parseAddress(value: string | null | undefined): EmailAddress | null {
  return parseAddressList(value)[0] ?? null;
}

/** Lower-cases the domain and the local part; used for matching, never for display. */
export function normalizeAddress(address: string): string {
  return address.trim().replace(/^<|>$/g, '').toLowerCase();
}

/** The domain part of an address, lower-cased ("" when there is none). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).trim().replace(/>$/, '').toLowerCase();
}
