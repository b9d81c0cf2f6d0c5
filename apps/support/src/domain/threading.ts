import { sanitizeHeaderText, type ReplyAddresses } from '@mailroom/core/outbound';
import type { SupportDb } from '../db/index.js';
import type { Ticket } from '../db/schema.js';
import { isParticipant, ticketByNumber, ticketsByMessageIds } from './tickets.js';

const TAG = /\[#(\d{1,9})\]/;
const TAGS = /\[#\d{1,9}\]/g;
/** `Re:`, `Fwd:`, `AW:`, `Re[2]:` … stacked at the start; one pass, no overlapping quantifiers. */
const PREFIXES = /^(?:(?:re|fwd?|aw|wg|sv|vs|antw|tr|rif)(?:\[\d{1,4}\])? ?:\s*)+/i;
/** Longest subject we keep or build from (RFC 5322's line limit); sender text is cut before any regex runs. */
export const MAX_SUBJECT_CHARS = 998;

/** The ticket number in a `[#1042]` subject tag, or null. */
export function subjectTag(subject: string): number | null {
  const match = TAG.exec(subject);
  return match ? Number(match[1]) : null;
}

/** One line, bounded: what a ticket keeps of a sender's subject (decoded CR/LF and controls become spaces). */
export function storedSubject(subject: string): string {
  return sanitizeHeaderText(subject, MAX_SUBJECT_CHARS) || '(no subject)';
}

/** The subject without reply/forward prefixes and our tags. */
export function cleanSubject(subject: string): string {
  const oneLine = sanitizeHeaderText(subject, MAX_SUBJECT_CHARS);
  return oneLine.replace(TAGS, ' ').replace(/ {2,}/g, ' ').trim().replace(PREFIXES, '').trim();
}

/** `[#1042] Printer on fire` — what acknowledgements and agent replies carry (always one header-safe line). */
export function taggedSubject(subject: string, number: number): string {
  return `[#${number}] ${sanitizeHeaderText(cleanSubject(subject), 200) || '(no subject)'}`;
}

/** Scope signed into reply addresses and Message-IDs: short, so it fits a reply token. */
export function ticketScope(number: number): string {
  return `t:${number}`;
}

export function ticketFromScope(scope: string): number | null {
  const match = /^t:(\d{1,9})$/.exec(scope);
  return match ? Number(match[1]) : null;
}

/**
 * `reply+<token>@<support domain>` issued to `recipient` for a ticket, signed by the Mailroom's reply
 * addresses: the token is theirs, the domain is the help desk's (which routes it back here, also when the
 * Mailroom's own reply domain belongs to another app).
 */
export function ticketReplyAddress(
  replyAddresses: ReplyAddresses,
  domain: string,
  ticket: number,
  recipient: string,
): string {
  return `${replyAddresses.localPrefix}+${replyAddresses.createToken({ scope: ticketScope(ticket), recipient })}@${domain}`;
}

/** How a reply found its ticket. */
export type MatchedVia = 'token' | 'message-id' | 'known-message-id' | 'subject';

export interface ReplyEvidence {
  /** Ticket named by a verified reply token (`reply+<token>@…`, issued to this sender). */
  tokenTicket: number | null;
  /** Tickets named by verified signed Message-IDs in In-Reply-To/References, nearest first. */
  signedTickets: number[];
  /** All Message-IDs the email refers to (In-Reply-To first, then References newest first). */
  referencedIds: string[];
  subject: string;
  /** The sender's address (From). */
  sender: string;
  /** DKIM or SPF aligned with the From domain (`email.authVerdict().aligned`). */
  aligned: boolean;
}

export interface ReplyMatch {
  ticket: Ticket;
  via: MatchedVia;
}

/**
 * Finds the ticket a reply belongs to, in order of trust: reply token, signed Message-IDs (both made by
 * us and known only to people we mailed), then two weak signals — a Message-ID stored on a ticket, a
 * `[#N]` subject tag — that anyone can copy, so they count only for an authenticated (aligned) sender who
 * is the ticket's requester or a participant. A forged From never joins a ticket by them.
 */
export async function findReplyTicket(db: SupportDb, evidence: ReplyEvidence): Promise<ReplyMatch | null> {
  if (evidence.tokenTicket !== null) {
    const ticket = await ticketByNumber(db, evidence.tokenTicket);
    if (ticket) return { ticket, via: 'token' };
  }
  for (const number of evidence.signedTickets) {
    const ticket = await ticketByNumber(db, number);
    if (ticket) return { ticket, via: 'message-id' };
  }
  if (!evidence.aligned) return null;
  for (const number of await ticketsByMessageIds(db, evidence.referencedIds)) {
    if (await isParticipant(db, number, evidence.sender)) {
      const ticket = await ticketByNumber(db, number);
      if (ticket) return { ticket, via: 'known-message-id' };
    }
  }
  const tagged = subjectTag(evidence.subject);
  if (tagged !== null && (await isParticipant(db, tagged, evidence.sender))) {
    const ticket = await ticketByNumber(db, tagged);
    if (ticket) return { ticket, via: 'subject' };
  }
  return null;
}

export type FollowUp = 'append' | 'reopen' | 'new-linked';

/**
 * What a customer's reply does to its ticket: open/pending tickets take it (pending reopens),
 * a closed ticket reopens within `reopenWithinDays` of closing, after that the reply opens a new
 * ticket linked to the old one.
 */
export function followUp(ticket: Ticket, reopenWithinDays: number, now = new Date()): FollowUp {
  if (ticket.status === 'open') return 'append';
  if (ticket.status === 'pending') return 'reopen';
  const closedAt = ticket.closedAt ?? ticket.updatedAt;
  return now.getTime() - closedAt.getTime() <= reopenWithinDays * 86_400_000 ? 'reopen' : 'new-linked';
}
