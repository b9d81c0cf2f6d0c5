import { parseAddressList, type InboundEmail } from '../message/index.js';
import { cleanAddress } from './pattern.js';

/** Where a candidate recipient came from, in the order the router tries them. */
export type RecipientSource = 'envelope' | 'to' | 'cc' | 'x-original-to' | 'x-forwarded-to' | 'delivered-to';

/** The recipient a route matched, and where that address was found. */
export interface MatchedRecipient {
  address: string;
  source: RecipientSource;
}

/** The header behind each header source (envelope is SendGrid's `envelope.to`). */
const HEADER_SOURCES: ReadonlyArray<readonly [RecipientSource, string]> = [
  ['x-original-to', 'X-Original-To'],
  ['x-forwarded-to', 'X-Forwarded-To'],
  ['delivered-to', 'Delivered-To'],
];

/**
 * Every address the email was delivered or addressed to, in routing order: SMTP envelope
 * recipients (Bcc included; authoritative), then To, Cc, X-Original-To, X-Forwarded-To, Delivered-To.
 * An address seen twice keeps its first (most authoritative) source.
 */
export function recipientsOf(email: InboundEmail): MatchedRecipient[] {
  const seen = new Set<string>();
  const out: MatchedRecipient[] = [];
  const add = (address: string, source: RecipientSource) => {
    const clean = cleanAddress(address);
    if (!clean.includes('@')) return;
    const key = clean.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ address: clean, source });
  };
  for (const address of email.envelope.to) add(address, 'envelope');
  for (const mailbox of email.to) add(mailbox.address, 'to');
  for (const mailbox of email.cc) add(mailbox.address, 'cc');
  for (const [source, header] of HEADER_SOURCES) {
    for (const value of email.headerValues(header)) {
      for (const mailbox of parseAddressList(value)) add(mailbox.address, source);
    }
  }
  return out;
}
