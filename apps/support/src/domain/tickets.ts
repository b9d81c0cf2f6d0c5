import { sanitizeHeaderText } from '@mailroom/core/outbound';
import { and, asc, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { SupportDb } from '../db/index.js';
import {
  tickets,
  messages,
  participants,
  attachments,
  addressStatus,
  senderLog,
  type Ticket,
  type Message,
  type Participant,
  type AttachmentRow,
  type TicketStatus,
  type MessageDirection,
  type MessageKind,
} from '../db/schema.js';
import { normalizeEmail } from './agents.js';
import { storedSubject } from './threading.js';

export interface Person {
  address: string;
  name: string;
}

export interface OpenTicketInput {
  queue: string;
  supportAddress: string;
  subject: string;
  requester: Person;
  /** CC'd people; our own addresses must already be filtered out by the caller. */
  cc?: Person[];
  /** Most participants the ticket may have, requester included (default: no limit). */
  maxParticipants?: number;
  linkedTicket?: number | null;
  throttled?: boolean;
  now?: Date;
}

/** A display name as we keep and reuse it: one line, bounded (it may end up in a header). */
function personName(name: string): string {
  return sanitizeHeaderText(name, 100);
}

/** Opens a ticket with its requester (and CCs) as participants and logs it for the throttle. */
export async function openTicket(db: SupportDb, input: OpenTicketInput): Promise<Ticket> {
  const now = input.now ?? new Date();
  const requester = normalizeEmail(input.requester.address);
  const [ticket] = await db
    .insert(tickets)
    .values({
      queue: input.queue,
      supportAddress: input.supportAddress,
      subject: storedSubject(input.subject),
      requesterAddress: requester,
      requesterName: personName(input.requester.name),
      linkedTicket: input.linkedTicket ?? null,
      throttled: input.throttled ?? false,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await db.insert(participants).values({
    ticketNumber: ticket!.number,
    address: requester,
    name: personName(input.requester.name),
    role: 'requester',
    addedAt: now,
  });
  await addParticipants(db, ticket!.number, input.cc ?? [], {
    now,
    ...(input.maxParticipants ? { max: input.maxParticipants } : {}),
  });
  await db.insert(senderLog).values({ address: requester, ticketNumber: ticket!.number, at: now });
  return ticket!;
}

/**
 * Adds CC'd people to a ticket; people already on it keep their role. With `max`, the ticket never
 * holds more participants than that (the ticket row is locked while counting, so concurrent follow-ups
 * cannot pass it together); returns how many were added.
 */
export async function addParticipants(
  db: SupportDb,
  ticketNumber: number,
  people: Person[],
  options: { max?: number; now?: Date } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const present = new Set<string>();
  let room = Number.POSITIVE_INFINITY;
  if (options.max !== undefined) {
    await db.select({ n: tickets.number }).from(tickets).where(eq(tickets.number, ticketNumber)).for('update');
    const rows = await db
      .select({ address: participants.address })
      .from(participants)
      .where(eq(participants.ticketNumber, ticketNumber));
    for (const row of rows) present.add(row.address);
    room = Math.max(0, options.max - present.size);
  }
  const rows = [];
  for (const person of people) {
    if (rows.length >= room) break;
    const address = normalizeEmail(person.address);
    if (!address || present.has(address)) continue;
    present.add(address);
    rows.push({ ticketNumber, address, name: personName(person.name), role: 'cc' as const, addedAt: now });
  }
  if (!rows.length) return 0;
  const added = await db
    .insert(participants)
    .values(rows)
    .onConflictDoNothing()
    .returning({ address: participants.address });
  return added.length;
}

export async function isParticipant(db: SupportDb, ticketNumber: number, address: string): Promise<boolean> {
  const [row] = await db
    .select({ n: participants.ticketNumber })
    .from(participants)
    .where(and(eq(participants.ticketNumber, ticketNumber), eq(participants.address, normalizeEmail(address))));
  return row !== undefined;
}

export async function participantsOf(db: SupportDb, ticketNumber: number): Promise<Participant[]> {
  return db
    .select()
    .from(participants)
    .where(eq(participants.ticketNumber, ticketNumber))
    .orderBy(asc(participants.addedAt), asc(participants.address));
}

export async function ticketByNumber(db: SupportDb, number: number): Promise<Ticket | null> {
  if (!Number.isSafeInteger(number) || number < 1 || number > 2_147_483_647) return null;
  const [row] = await db.select().from(tickets).where(eq(tickets.number, number));
  return row ?? null;
}

export interface RecordMessageInput {
  ticketNumber: number;
  direction: MessageDirection;
  kind: MessageKind;
  author?: Person;
  agentId?: number | null;
  bodyText: string;
  fullText?: string | null;
  fullHtml?: string | null;
  subject?: string;
  inboundId?: string | null;
  messageId?: string | null;
  outboundId?: string | null;
  recipients?: string[];
  now?: Date;
}

/**
 * Records one message on a ticket. The same inbound email is recorded at most once per ticket
 * (a replayed post returns null instead of a second copy).
 */
export async function recordMessage(db: SupportDb, input: RecordMessageInput): Promise<Message | null> {
  const now = input.now ?? new Date();
  const [row] = await db
    .insert(messages)
    .values({
      ticketNumber: input.ticketNumber,
      direction: input.direction,
      kind: input.kind,
      authorAddress: input.author ? normalizeEmail(input.author.address) : '',
      authorName: input.author?.name ?? '',
      agentId: input.agentId ?? null,
      bodyText: input.bodyText,
      fullText: input.fullText ?? null,
      fullHtml: input.fullHtml ?? null,
      subject: input.subject ?? '',
      inboundId: input.inboundId ?? null,
      messageId: input.messageId ?? null,
      outboundId: input.outboundId ?? null,
      recipients: input.recipients ?? [],
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (row) await db.update(tickets).set({ updatedAt: now }).where(eq(tickets.number, input.ticketNumber));
  return row ?? null;
}

export async function setMessageBody(db: SupportDb, messageId: string, bodyText: string): Promise<void> {
  await db.update(messages).set({ bodyText }).where(eq(messages.id, messageId));
}

export async function recordAttachment(db: SupportDb, input: Omit<AttachmentRow, 'id'>): Promise<AttachmentRow> {
  const [row] = await db.insert(attachments).values(input).returning();
  return row!;
}

export async function attachmentById(
  db: SupportDb,
  id: string,
): Promise<(AttachmentRow & { ticketNumber: number }) | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await db
    .select({ attachment: attachments, ticketNumber: messages.ticketNumber })
    .from(attachments)
    .innerJoin(messages, eq(messages.id, attachments.messageId))
    .where(eq(attachments.id, id));
  return row ? { ...row.attachment, ticketNumber: row.ticketNumber } : null;
}

/** Tickets whose conversation holds a message with one of these Message-IDs. */
export async function ticketsByMessageIds(db: SupportDb, ids: string[]): Promise<number[]> {
  const wanted = [...new Set(ids.map((id) => id.replace(/^<|>$/g, '')).filter(Boolean))];
  if (!wanted.length) return [];
  const rows = await db
    .selectDistinct({ n: messages.ticketNumber })
    .from(messages)
    .where(inArray(messages.messageId, wanted));
  return rows.map((r) => r.n);
}

export async function setStatus(
  db: SupportDb,
  number: number,
  status: TicketStatus,
  now = new Date(),
): Promise<Ticket | null> {
  const [row] = await db
    .update(tickets)
    .set({ status, updatedAt: now, closedAt: status === 'closed' ? now : null })
    .where(eq(tickets.number, number))
    .returning();
  return row ?? null;
}

export async function assignTicket(
  db: SupportDb,
  number: number,
  agentId: number | null,
  now = new Date(),
): Promise<Ticket | null> {
  const [row] = await db
    .update(tickets)
    .set({ assigneeId: agentId, updatedAt: now })
    .where(eq(tickets.number, number))
    .returning();
  return row ?? null;
}

export type QueueFilter = 'open' | 'pending' | 'closed' | 'mine' | 'all';

export interface ListTicketsOptions {
  filter?: QueueFilter;
  /** The agent asking, for the `mine` filter. */
  agentId?: number;
  /** Search: `#1042`/`1042` finds the number; otherwise requester address/name or subject. */
  query?: string;
  limit?: number;
  offset?: number;
}

export async function listTickets(db: SupportDb, options: ListTicketsOptions = {}): Promise<Ticket[]> {
  const where: SQL[] = [];
  const filter = options.filter ?? 'open';
  if (filter === 'open' || filter === 'pending' || filter === 'closed') where.push(eq(tickets.status, filter));
  if (filter === 'mine') {
    where.push(eq(tickets.assigneeId, options.agentId ?? -1));
    where.push(sql`${tickets.status} <> 'closed'`);
  }
  const query = options.query?.trim();
  if (query) {
    const number = /^#?(\d{1,9})$/.exec(query);
    const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const text = or(
      ilike(tickets.requesterAddress, pattern),
      ilike(tickets.requesterName, pattern),
      ilike(tickets.subject, pattern),
    )!;
    where.push(number ? or(eq(tickets.number, Number(number[1])), text)! : text);
  }
  return db
    .select()
    .from(tickets)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(tickets.updatedAt), desc(tickets.number))
    .limit(Math.min(Math.max(options.limit ?? 50, 1), 200))
    .offset(Math.max(options.offset ?? 0, 0));
}

export interface MessageWithAttachments extends Message {
  attachments: AttachmentRow[];
}

export interface TicketConversation {
  ticket: Ticket;
  messages: MessageWithAttachments[];
  participants: (Participant & { undeliverable: string | null })[];
}

export async function ticketConversation(db: SupportDb, number: number): Promise<TicketConversation | null> {
  const ticket = await ticketByNumber(db, number);
  if (!ticket) return null;
  const rows = await db
    .select()
    .from(messages)
    .where(eq(messages.ticketNumber, number))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  const files = rows.length
    ? await db
        .select()
        .from(attachments)
        .where(
          inArray(
            attachments.messageId,
            rows.map((m) => m.id),
          ),
        )
    : [];
  const people = await participantsOf(db, number);
  const statuses = people.length
    ? await db
        .select()
        .from(addressStatus)
        .where(
          inArray(
            addressStatus.address,
            people.map((p) => p.address),
          ),
        )
    : [];
  return {
    ticket,
    messages: rows.map((m) => ({ ...m, attachments: files.filter((f) => f.messageId === m.id) })),
    participants: people.map((p) => ({
      ...p,
      undeliverable: statuses.find((s) => s.address === p.address)?.reason ?? null,
    })),
  };
}
