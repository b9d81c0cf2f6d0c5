import { sql } from 'drizzle-orm';
import {
  pgSchema,
  integer,
  text,
  boolean,
  timestamp,
  bigint,
  uuid,
  index,
  uniqueIndex,
  primaryKey,
} from 'drizzle-orm/pg-core';

/** Every table of the help desk lives in its own Postgres schema, apart from core's tables. */
export const support = pgSchema('support');

export const ticketStatus = ['open', 'pending', 'closed'] as const;
export type TicketStatus = (typeof ticketStatus)[number];

export const agents = support.table(
  'agents',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** `scrypt$N$r$p$salt$hash` (base64 parts); see domain/passwords.ts. */
    passwordHash: text('password_hash').notNull(),
    /** sha256 of the agent's API bearer token (the token itself is shown once). */
    apiTokenHash: text('api_token_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('agents_email_key').on(t.email)],
);

export const tickets = support.table(
  'tickets',
  {
    /** The short public number customers see as `[#1042]`. */
    number: integer('number').primaryKey().generatedAlwaysAsIdentity({ startWith: 1000 }),
    /** Which support address (queue) the ticket came in on. */
    queue: text('queue').notNull(),
    /** The address customers write to for this queue (From of our mail). */
    supportAddress: text('support_address').notNull(),
    subject: text('subject').notNull(),
    status: text('status', { enum: ticketStatus }).notNull().default('open'),
    requesterAddress: text('requester_address').notNull(),
    requesterName: text('requester_name').notNull().default(''),
    assigneeId: integer('assignee_id').references(() => agents.id, { onDelete: 'set null' }),
    /** A reply to a long-closed ticket opens a new one that points back at the old one. */
    linkedTicket: integer('linked_ticket'),
    /** Opened while the sender was over the rate limit: kept, never acknowledged. */
    throttled: boolean('throttled').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [index('tickets_status_idx').on(t.status, t.updatedAt), index('tickets_requester_idx').on(t.requesterAddress)],
);

export const messageDirection = ['inbound', 'outbound', 'system'] as const;
export type MessageDirection = (typeof messageDirection)[number];

/** What a message is: a person writing, our acknowledgement, an auto-reply we recorded, a bounce… */
export const messageKind = ['customer', 'agent', 'ack', 'auto-reply', 'bounce'] as const;
export type MessageKind = (typeof messageKind)[number];

export const messages = support.table(
  'messages',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    ticketNumber: integer('ticket_number')
      .notNull()
      .references(() => tickets.number, { onDelete: 'cascade' }),
    direction: text('direction', { enum: messageDirection }).notNull(),
    kind: text('kind', { enum: messageKind }).notNull(),
    authorAddress: text('author_address').notNull().default(''),
    authorName: text('author_name').notNull().default(''),
    agentId: integer('agent_id').references(() => agents.id, { onDelete: 'set null' }),
    /** The new text of the message: quote and signature stripped; what the conversation shows. */
    bodyText: text('body_text').notNull().default(''),
    /** The full original: whole text part and HTML part as received or sent. */
    fullText: text('full_text'),
    fullHtml: text('full_html'),
    subject: text('subject').notNull().default(''),
    /** Core's inbox id of the inbound email this came from (one message per inbound email and ticket). */
    inboundId: text('inbound_id'),
    /** The RFC 5322 Message-ID (without angle brackets): theirs for inbound, ours for outbound. */
    messageId: text('message_id'),
    /** Core's outbox id for mail we sent, to follow its delivery status. */
    outboundId: text('outbound_id'),
    recipients: text('recipients')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('messages_ticket_idx').on(t.ticketNumber, t.createdAt),
    index('messages_message_id_idx').on(t.messageId),
    uniqueIndex('messages_inbound_ticket_key').on(t.inboundId, t.ticketNumber),
  ],
);

export const participantRole = ['requester', 'cc'] as const;
export type ParticipantRole = (typeof participantRole)[number];

export const participants = support.table(
  'participants',
  {
    ticketNumber: integer('ticket_number')
      .notNull()
      .references(() => tickets.number, { onDelete: 'cascade' }),
    /** Normalised (lower-case) address. */
    address: text('address').notNull(),
    name: text('name').notNull().default(''),
    role: text('role', { enum: participantRole }).notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ticketNumber, t.address] }), index('participants_address_idx').on(t.address)],
);

export const attachments = support.table(
  'attachments',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    contentId: text('content_id'),
    inline: boolean('inline').notNull().default(false),
    sha256: text('sha256').notNull(),
    /** Key of the bytes in core's blob store. */
    blobKey: text('blob_key').notNull(),
  },
  (t) => [index('attachments_message_idx').on(t.messageId)],
);

/** One row per ticket a sender opened; the throttle counts rows in the window. */
export const senderLog = support.table(
  'sender_log',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    address: text('address').notNull(),
    ticketNumber: integer('ticket_number'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('sender_log_address_at_idx').on(t.address, t.at)],
);

/** Addresses our mail could not be delivered to (DSN or Event Webhook bounce). */
export const addressStatus = support.table('address_status', {
  address: text('address').primaryKey(),
  status: text('status', { enum: ['undeliverable'] }).notNull(),
  reason: text('reason').notNull().default(''),
  ticketNumber: integer('ticket_number'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type Ticket = typeof tickets.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type Participant = typeof participants.$inferSelect;
export type Agent = typeof agents.$inferSelect;
export type AttachmentRow = typeof attachments.$inferSelect;
