/**
 * Redistribution: turns a published message into one outbox message per active member, after the
 * inbound handler committed, in chunks of `fanoutChunk` members per transaction. Every copy of a
 * message shares content and a `batchKey`, so the outbox deliverer sends up to 1,000 of them in one
 * SendGrid request; what differs per member (To, List-Post reply address, List-Unsubscribe link,
 * custom args) travels in the personalization.
 */
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import { type Logger, type Store, type Transaction } from '@mailroom/core';
import { attemptsUsedUp, createPollLoop, decideRetry, sanitizeHeaderText, type PollLoop, type MailerMessage, type RetryPolicy } from '@mailroom/core/outbound';
import { listAddress } from './config.js';
import type { ListsDb } from './db/index.js';
import { distributions, members, messages, threads } from './db/schema.js';
import { archiveAccessToken, listById, listHeaders, referencesFor, scopes, threadAddress, unsubscribeToken, type List, type ListsServices, type Member, type Message, type Thread } from './domain/index.js';

/** The fan-out loop: core's poll loop (`kick` runs pending fan-outs after a commit, a no-op until `start`). */
export type Fanout = PollLoop;

export interface FanoutOptions {
  store: Store;
  services: ListsServices;
  logger?: Logger;
  pollMs?: number;
  onQueued?: () => void;
  /** Attempts per chunk before a distribution is set aside as `failed` (default 8). */
  maxAttempts?: number;
  /** Delay before attempt n+1: min(maxMs, baseMs·2^(n-1)), jittered (default 30 s … 1 h). */
  backoff?: { baseMs?: number; maxMs?: number };
}

type Distribution = typeof distributions.$inferSelect;
type AfterCommit = (fn: () => unknown) => void;

/**
 * The fan-out loop. A distribution that fails is a poison pill for nobody: core's bounded-attempts rule
 * (`decideRetry`) sets it aside as `failed` (its reason in `last_error`) at once when the error is permanent
 * (a copy that can never be sent) or after `maxAttempts`, and backoff moves its due time behind the other
 * distributions meanwhile, so later posts on every list go out. Attempts are counted before a chunk runs:
 * a chunk that crashes the process every time is set aside too.
 */
export function createFanout(options: FanoutOptions): Fanout {
  const { store, services } = options;
  const logger = options.logger ?? store.logger;
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? 8,
    backoff: { baseMs: options.backoff?.baseMs ?? 30_000, maxMs: options.backoff?.maxMs ?? 3_600_000 },
  };

  /** One chunk of the next due distribution; false when nothing was due. */
  async function step(afterCommit: AfterCommit): Promise<boolean> {
    const job = await claim(store.db);
    if (!job) return false;
    try {
      const usedUp = attemptsUsedUp(job.attempts, policy.maxAttempts);
      if (usedUp) throw Object.assign(new Error(usedUp), { permanent: true });
      await chunk(store, services, job, afterCommit);
    } catch (error) {
      await recordFailure(store.db, logger, policy, job, error);
    }
    return true;
  }

  return createPollLoop({
    pollMs: options.pollMs ?? 5000,
    // One chunk a round; the mailer's after-commit hook wakes the deliverer once the chunk is committed.
    round: async () => {
      const hooks: Array<() => unknown> = [];
      const more = await step((fn) => void hooks.push(fn));
      for (const hook of hooks) await hook();
      if (more) options.onQueued?.();
      return more ? 1 : 0;
    },
    onError: (error) => logger.error('lists_fanout_error', { error: error instanceof Error ? error.message : String(error) }),
  });
}

/** The next due distribution, its attempt counted (committed before the work, so a crash counts too). */
async function claim(db: ListsDb): Promise<Distribution | null> {
  const due = db
    .select({ id: distributions.messageId })
    .from(distributions)
    .where(and(eq(distributions.status, 'pending'), lte(distributions.nextAttemptAt, sql`now()`)))
    .orderBy(asc(distributions.nextAttemptAt), asc(distributions.createdAt))
    .limit(1)
    .for('update', { skipLocked: true });
  const [job] = await db
    .update(distributions)
    .set({ attempts: sql`${distributions.attempts} + 1` })
    .where(sql`${distributions.messageId} in (${due})`)
    .returning();
  return job ?? null;
}

/** One chunk of `claimed` in one transaction; the copies and the cursor commit together. */
async function chunk(store: Store, services: ListsServices, claimed: Distribution, afterCommit: AfterCommit): Promise<void> {
  await store.transaction(async (rawTx) => {
    const tx: ListsDb = rawTx;
    const [job] = await tx
      .select()
      .from(distributions)
      .where(and(eq(distributions.messageId, claimed.messageId), eq(distributions.status, 'pending')))
      .for('update', { skipLocked: true });
    if (!job) return; // another fan-out has it
    const [message] = await tx.select().from(messages).where(eq(messages.id, job.messageId));
    const list = await listById(tx, job.listId);
    const [thread] = message ? await tx.select().from(threads).where(eq(threads.id, message.threadId)) : [];
    if (!message || !list || !thread) {
      await tx.update(distributions).set({ status: 'done', finishedAt: sql`now()` }).where(eq(distributions.messageId, job.messageId));
      return;
    }
    const recipients = await tx
      .select()
      .from(members)
      .where(and(eq(members.listId, list.id), eq(members.status, 'active'), gt(members.id, job.cursor)))
      .orderBy(asc(members.id))
      .limit(services.config.fanoutChunk);
    if (recipients.length > 0) {
      const threading = await referencesFor(tx, thread.id, message);
      // Fixed at publish time: the token embeds its expiry, and copies must be identical to share a request.
      const replyTo = job.replyTo ?? threadAddress(services, list, thread);
      const copies = recipients.map((member) => copyFor(services, list, thread, message, member, { ...threading, replyTo }));
      await services.mailer.sendMany(copies, { tx: rawTx as Transaction, afterCommit });
    }
    await advance(tx, job, recipients.length, recipients.at(-1)?.id ?? job.cursor, recipients.length < services.config.fanoutChunk);
  });
}

/** Moves the cursor past the chunk just queued; the last chunk finishes the distribution. */
async function advance(tx: ListsDb, job: Distribution, queued: number, cursor: string, done: boolean): Promise<void> {
  await tx
    .update(distributions)
    .set({
      cursor,
      queued: sql`${distributions.queued} + ${queued}`,
      attempts: 0, // the chunk went through: the next one starts afresh
      lastError: null,
      ...(done ? { status: 'done' as const, finishedAt: sql`now()` } : {}),
    })
    .where(eq(distributions.messageId, job.messageId));
}

async function recordFailure(db: ListsDb, logger: Logger, policy: RetryPolicy, job: Distribution, error: unknown): Promise<void> {
  const decision = decideRetry(job.attempts, error, policy);
  const lastError = reasonOf(error);
  await db
    .update(distributions)
    .set(
      decision.final
        ? { status: 'failed', lastError, finishedAt: sql`now()` }
        : { lastError, nextAttemptAt: sql`now() + ${`${decision.delayMs} milliseconds`}::interval` },
    )
    .where(eq(distributions.messageId, job.messageId));
  logger[decision.final ? 'error' : 'warn'](decision.final ? 'lists_fanout_failed' : 'lists_fanout_retry', {
    messageId: job.messageId,
    listId: job.listId,
    attempt: job.attempts,
    error: lastError,
  });
}

/** An error and its causes in one line, the root cause first (a failed query's own message is mostly the query). */
function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  const reason = parts.reverse().join(' — in ');
  return reason.length > 2000 ? `${reason.slice(0, 1999)}…` : reason;
}

/** Puts a failed distribution back in the queue now (after a fix); it resumes at its cursor. */
export async function requeueDistribution(db: ListsDb, messageId: string): Promise<boolean> {
  const updated = await db
    .update(distributions)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: sql`now()`, lastError: null, finishedAt: null })
    .where(and(eq(distributions.messageId, messageId), eq(distributions.status, 'failed')))
    .returning({ id: distributions.messageId });
  return updated.length > 0;
}

/** One member's copy: the message as written, from the list (DMARC-safe), with list headers. */
export function copyFor(
  services: ListsServices,
  list: List,
  thread: Thread,
  message: Message,
  member: Member,
  threading: { inReplyTo: string | null; references: string[]; replyTo: string },
): MailerMessage {
  const { config, replyAddresses } = services;
  const author = message.authorName || message.authorAddress;
  const personal = replyAddresses.create({ scope: scopes.thread(thread.id), recipient: member.address });
  return {
    // The author's own From would fail DMARC when sent by us; the list rewrites it (Mailman's "munge From").
    from: { address: listAddress(config, list.slug), name: `${author} via ${list.name}` },
    to: member.name ? { address: member.address, name: member.name } : member.address,
    // Shared by every copy so they batch; it leads back to the thread, and membership is checked on the sender.
    replyTo: threading.replyTo,
    // As written, on one line: a subject that decoded to CR/LF must not make every copy unsendable.
    subject: sanitizeHeaderText(message.subject, 998),
    ...(message.fullText || !message.fullHtml ? { text: message.fullText ?? message.newText } : {}),
    ...(message.fullHtml ? { html: message.fullHtml } : {}),
    headers: {
      ...listHeaders(config, list, unsubscribeToken(services, member)),
      // Per member: replies to this address are bound to the member it was issued to.
      'List-Post': `<mailto:${personal}>`,
      ...(list.archive === 'members' ? { 'List-Archive': `<${config.publicUrl}/archive/${list.slug}?access=${archiveAccessToken(services, member)}>` } : {}),
    },
    messageId: message.messageId,
    inReplyTo: threading.inReplyTo,
    references: threading.references,
    customArgs: { lists_list: list.id, lists_thread: thread.id, lists_member: member.id, lists_message: message.id },
    batchKey: `lists:${message.id}`,
  };
}
