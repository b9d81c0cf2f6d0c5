/** Publishing: archive a submission in its thread and schedule its redistribution (the fan-out). */
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import { sanitizeHeaderText } from '@mailroom/core/outbound';
import { listAddress, normalize } from '../config.js';
import type { ListsDb } from '../db/index.js';
import { distributions, messages, threads, type Submission } from '../db/schema.js';
import { shortId } from './ids.js';
import type { List, Message, Thread } from './lists.js';
import { scopes, type AfterCommit, type ListsServices } from './services.js';

/** RFC 5322's line limit: what a subject header can hold. */
const MAX_SUBJECT = 998;

export interface PublishResult {
  message: Message;
  thread: Thread;
}

/**
 * Archives a submission (new thread or reply) and schedules its redistribution. The fan-out itself
 * runs after commit, in chunks, so the inbound handler never waits for thousands of outbox rows.
 * Subject and author name are the sender's: they become header text of every copy, so controls
 * (a `=?UTF-8?B?…?=` subject decoding to CR/LF) collapse here, once, before anything is stored.
 */
export async function publish(
  tx: ListsDb,
  services: ListsServices,
  list: List,
  submission: Submission,
  afterCommit: AfterCommit,
): Promise<PublishResult> {
  const subject = sanitizeHeaderText(submission.subject, MAX_SUBJECT);
  const thread = await threadFor(tx, list, submission.threadId, subject);
  const id = shortId();
  const [message] = await tx
    .insert(messages)
    .values({
      id,
      threadId: thread.id,
      listId: list.id,
      authorAddress: normalize(submission.address),
      authorName: sanitizeHeaderText(submission.name),
      subject: subject || thread.subject,
      newText: submission.newText,
      fullText: submission.text,
      fullHtml: submission.html,
      inboundId: submission.inboundId,
      sourceMessageId: submission.sourceMessageId,
      messageId: services.messageIds.createMessageId(scopes.message(id)),
      inReplyTo: submission.inReplyTo,
    })
    .returning();
  const [updated] = await tx
    .update(threads)
    .set({ messageCount: sql`${threads.messageCount} + 1`, lastPostAt: sql`now()` })
    .where(eq(threads.id, thread.id))
    .returning();
  await tx
    .insert(distributions)
    .values({ messageId: id, listId: list.id, replyTo: threadAddress(services, list, updated!) });
  afterCommit(() => services.kickFanout());
  return { message: message!, thread: updated! };
}

async function threadFor(tx: ListsDb, list: List, threadId: string | null, subject: string): Promise<Thread> {
  if (threadId) {
    const [row] = await tx
      .select()
      .from(threads)
      .where(and(eq(threads.id, threadId), eq(threads.listId, list.id)));
    if (row) return row;
  }
  const [row] = await tx
    .insert(threads)
    .values({ id: shortId(), listId: list.id, subject: subject || '(no subject)' })
    .returning();
  return row!;
}

/** The thread's shared reply address (bound to the list address, so it identifies no member). */
export function threadAddress(services: ListsServices, list: List, thread: Thread): string {
  return services.replyAddresses.create({
    scope: scopes.thread(thread.id),
    recipient: listAddress(services.config, list.slug),
  });
}

/** Messages of a thread, oldest first. */
export async function threadMessages(db: ListsDb, threadId: string): Promise<Message[]> {
  return db
    .select()
    .from(messages)
    .where(eq(messages.threadId, threadId))
    .orderBy(asc(messages.createdAt), asc(messages.id));
}

/** References a copy carries (RFC 5322 §3.6.4 allows trimming): the thread's root and the most recent messages. */
const REFERENCED_MESSAGES = 10;

/**
 * The Message-IDs a new message in `thread` refers to: the root first, then the most recent ones
 * (two bounded queries, however long the thread).
 */
export async function referencesFor(
  db: ListsDb,
  threadId: string,
  before: Message,
): Promise<{ inReplyTo: string | null; references: string[] }> {
  const others = and(eq(messages.threadId, threadId), ne(messages.id, before.id));
  const pick = { id: messages.id, messageId: messages.messageId };
  const [root] = await db
    .select(pick)
    .from(messages)
    .where(others)
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .limit(1);
  if (!root) return { inReplyTo: null, references: [] };
  const recent = (
    await db
      .select(pick)
      .from(messages)
      .where(others)
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(REFERENCED_MESSAGES)
  ).reverse();
  const ids = recent[0]?.id === root.id ? recent : [root, ...recent.slice(1)];
  return { inReplyTo: recent.at(-1)!.messageId, references: ids.map((m) => m.messageId) };
}
