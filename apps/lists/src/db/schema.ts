import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgSchema, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Everything this app stores lives in its own PostgreSQL schema. */
export const listsSchema = pgSchema('lists');

export const POLICIES = ['members', 'moderated', 'announce'] as const;
export type Policy = (typeof POLICIES)[number];
export const ARCHIVES = ['public', 'members'] as const;
export type ArchiveVisibility = (typeof ARCHIVES)[number];
export const ROLES = ['member', 'moderator', 'owner'] as const;
export type Role = (typeof ROLES)[number];
export const MEMBER_STATUSES = ['active', 'pending', 'suspended', 'unsubscribed'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export const MODERATION_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ModerationStatus = (typeof MODERATION_STATUSES)[number];

const created = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const lists = listsSchema.table(
  'lists',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    policy: text('policy').$type<Policy>().notNull().default('members'),
    archive: text('archive').$type<ArchiveVisibility>().notNull().default('public'),
    createdAt: created(),
  },
  (t) => [
    uniqueIndex('lists_slug_idx').on(t.slug),
    check('lists_policy_check', sql`${t.policy} in ('members', 'moderated', 'announce')`),
    check('lists_archive_check', sql`${t.archive} in ('public', 'members')`),
  ],
);

export const members = listsSchema.table(
  'members',
  {
    id: text('id').primaryKey(),
    listId: text('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    /** Normalized (lower-case) address. */
    address: text('address').notNull(),
    name: text('name').notNull().default(''),
    role: text('role').$type<Role>().notNull().default('member'),
    status: text('status').$type<MemberStatus>().notNull().default('active'),
    bounceScore: integer('bounce_score').notNull().default(0),
    lastBounceAt: timestamp('last_bounce_at', { withTimezone: true }),
    /** SHA-256 of the pending subscription's confirmation token (the token itself is only mailed). */
    confirmationTokenHash: text('confirmation_token_hash'),
    createdAt: created(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('members_list_address_idx').on(t.listId, t.address),
    index('members_list_status_idx').on(t.listId, t.status, t.id),
    check('members_role_check', sql`${t.role} in ('member', 'moderator', 'owner')`),
    check('members_status_check', sql`${t.status} in ('active', 'pending', 'suspended', 'unsubscribed')`),
  ],
);

export const threads = listsSchema.table(
  'threads',
  {
    id: text('id').primaryKey(),
    listId: text('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    subject: text('subject').notNull(),
    messageCount: integer('message_count').notNull().default(0),
    lastPostAt: timestamp('last_post_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: created(),
  },
  (t) => [index('threads_list_last_idx').on(t.listId, t.lastPostAt.desc())],
);

export const messages = listsSchema.table(
  'messages',
  {
    id: text('id').primaryKey(),
    threadId: text('thread_id')
      .notNull()
      .references(() => threads.id, { onDelete: 'cascade' }),
    listId: text('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    authorAddress: text('author_address').notNull(),
    authorName: text('author_name').notNull().default(''),
    subject: text('subject').notNull(),
    /** The reply's new content: quotes and signature stripped (what the archive shows). */
    newText: text('new_text').notNull(),
    /** The original as written (what members received). */
    fullText: text('full_text'),
    fullHtml: text('full_html'),
    /** `mailroom.inbound_emails.id` of the email this came from. */
    inboundId: text('inbound_id'),
    /** The author's Message-ID (dedupe). */
    sourceMessageId: text('source_message_id'),
    /** The signed Message-ID every member's copy carries (replies thread back by it). */
    messageId: text('message_id').notNull(),
    inReplyTo: text('in_reply_to'),
    createdAt: created(),
  },
  (t) => [
    index('messages_thread_idx').on(t.threadId, t.createdAt),
    index('messages_message_id_idx').on(t.messageId),
    uniqueIndex('messages_source_idx').on(t.listId, t.sourceMessageId),
  ],
);

/** The email a submission came from, kept so a moderator's approval can publish it later. */
export interface Submission {
  address: string;
  name: string;
  subject: string;
  text: string | null;
  html: string | null;
  newText: string;
  inboundId: string | null;
  sourceMessageId: string | null;
  /** The thread it replies to (token or signed Message-ID); null starts a thread. */
  threadId: string | null;
  inReplyTo: string | null;
}

export const moderation = listsSchema.table(
  'moderation',
  {
    id: text('id').primaryKey(),
    listId: text('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    inboundId: text('inbound_id'),
    sender: text('sender').notNull(),
    subject: text('subject').notNull(),
    reason: text('reason').notNull(),
    status: text('status').$type<ModerationStatus>().notNull().default('pending'),
    submission: jsonb('submission').$type<Submission>().notNull(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** The message published on approval. */
    messageId: text('message_id'),
    createdAt: created(),
  },
  (t) => [
    index('moderation_list_status_idx').on(t.listId, t.status, t.createdAt),
    check('moderation_status_check', sql`${t.status} in ('pending', 'approved', 'rejected')`),
  ],
);

/** What happened to members (out-of-office seen, bounces, suspension, probes, unsubscribes…). */
export const memberEvents = listsSchema.table(
  'member_events',
  {
    id: serial('id').primaryKey(),
    listId: text('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    memberId: text('member_id').references(() => members.id, { onDelete: 'set null' }),
    address: text('address').notNull(),
    kind: text('kind').notNull(),
    detail: text('detail').notNull().default(''),
    inboundId: text('inbound_id'),
    createdAt: created(),
  },
  (t) => [
    index('member_events_list_idx').on(t.listId, t.createdAt),
    index('member_events_member_idx').on(t.memberId, t.createdAt),
  ],
);

/**
 * Fan-out of one published message to the members, done after the inbound handler committed, in
 * chunks (one transaction per chunk; `cursor` = last member id queued), so a 5,000-member list
 * never holds the inbound transaction and resumes where it stopped after a crash.
 */
export const distributions = listsSchema.table(
  'distributions',
  {
    messageId: text('message_id')
      .primaryKey()
      .references(() => messages.id, { onDelete: 'cascade' }),
    listId: text('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    /**
     * `processing`: a fan-out holds it (until `lease_until`; an expired lease is taken over). `failed`: set aside
     * after a permanent error or its attempts (`last_error` says why); requeue to retry.
     */
    status: text('status').$type<'pending' | 'processing' | 'done' | 'failed'>().notNull().default('pending'),
    cursor: text('cursor').notNull().default(''),
    /** Attempts at the current chunk (reset when a chunk commits), counted before the chunk runs so crashes count. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** The thread reply address every copy carries, fixed once so all chunks batch alike. */
    replyTo: text('reply_to'),
    queued: integer('queued').notNull().default(0),
    createdAt: created(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  // Due order: a distribution that failed waits for its backoff behind the others.
  (t) => [
    index('distributions_due_idx')
      .on(t.nextAttemptAt, t.createdAt)
      .where(sql`${t.status} = 'pending'`),
    // Core's lease queue claims expired leases first, through this index.
    index('distributions_lease_idx')
      .on(t.leaseUntil)
      .where(sql`${t.status} = 'processing'`),
  ],
);
