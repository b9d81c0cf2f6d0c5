import type { SupportDb } from '../db/index.js';
import type { Ticket } from '../db/schema.js';
import { isParticipant, ticketByNumber, ticketsByMessageIds } from './tickets.js';

const TAG = /\[#(\d{1,9})\]/;

/** The ticket number in a `[#1042]` subject tag, or null. */
export function subjectTag(subject: string): number | null {
  const match = TAG.exec(subject);
  return match ? Number(match[1]) : null;
}

/** Removes `Re:`/`Fwd:`/`AW:`-style prefixes (also `Re[2]:`) and our tag, for a clean subject. */
export function cleanSubject(subject: string): string {
  let s = subject.replace(/(^|[^\s])\s*\[#\d{1,9}\]\s*/g, '$1 ').trim();
  const prefix = /^(re|fw|fwd|aw|wg|sv|vs|antw|tr|rif)(\[\d+\])?\s*:\s*/i;
  while (prefix.test(s)) s = s.replace(prefix, '').trim();
  return s;
}

/** `[#1042] Printer on fire` — what acknowledgements and agent replies carry. */
export function taggedSubject(subject: string, number: number): string {
  const clean = cleanSubject(subject) || '(no subject)';
  return `[#${number}] ${clean}`;
}

export function replySubject(subject: string, number: number): string {
  return `Re: ${taggedSubject(subject, number)}`;
}

/** How a reply found its ticket. */
export type MatchedVia = 'token' | 'message-id' | 'known-message-id' | 'subject';

export interface ReplyEvidence {
  /** Ticket named by a verified signed reply address (`reply+<token>@…`). */
  tokenTicket: number | null;
  /** Tickets named by verified signed Message-IDs in In-Reply-To/References, nearest first. */
  signedTickets: number[];
  /** All Message-IDs the email refers to (In-Reply-To first, then References newest first). */
  referencedIds: string[];
  subject: string;
  /** The sender's address (From). */
  sender: string;
}

export interface ReplyMatch {
  ticket: Ticket;
  via: MatchedVia;
}

/**
 * Finds the ticket a reply belongs to, in order of trust: signed reply token, signed Message-IDs,
 * then two weaker signals (a Message-ID we stored, a `[#N]` subject tag) that count only when the
 * sender is the ticket's requester or a CC'd participant — so nobody can inject into a ticket by
 * guessing its number.
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
