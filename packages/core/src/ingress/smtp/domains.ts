import { domainToASCII } from 'node:url';
import { IngressConfigurationError } from '../errors.js';

/**
 * Whether a RCPT TO address is for one of `domains`: exact names (case-insensitive, IDNs compared in their ASCII
 * form) or `*.example.com` for any name below example.com (not example.com itself). Address literals
 * (`user@[192.0.2.1]`) and anything else are never ours: the receiver is nobody's relay.
 */
export function recipientDomainMatcher(domains: readonly string[]): (address: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const configured of domains) {
    const wildcard = configured.startsWith('*.');
    const name = asciiDomain(wildcard ? configured.slice(2) : configured);
    if (!name)
      throw new IngressConfigurationError(`${JSON.stringify(configured)} is not a domain name (SMTP receiver domains)`);
    if (wildcard) suffixes.push(`.${name}`);
    else exact.add(name);
  }
  if (exact.size === 0 && suffixes.length === 0) {
    throw new IngressConfigurationError('the SMTP receiver needs at least one domain to accept mail for');
  }
  return (address) => {
    const at = address.lastIndexOf('@'); // a quoted local part may hold an "@"; the domain follows the last one
    const domain = at > 0 ? asciiDomain(address.slice(at + 1)) : null;
    if (!domain) return false;
    return exact.has(domain) || suffixes.some((suffix) => domain.endsWith(suffix));
  };
}

const ASCII_DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*$/;

/** A name the receiver may greet with: ASCII letters, digits, hyphens and dots (nothing that could end a reply line). */
export function isHostName(value: string): boolean {
  return value.length > 0 && value.length <= 253 && ASCII_DOMAIN.test(value.toLowerCase());
}

/** The lower-case ASCII form of a domain (one trailing dot allowed), or null for anything that is not one. */
function asciiDomain(value: string): string | null {
  const name = value.toLowerCase().replace(/\.$/, '');
  if (!name || name.startsWith('[')) return null;
  const ascii = domainToASCII(name);
  return ascii && ascii.length <= 253 && ASCII_DOMAIN.test(ascii) ? ascii : null;
}
