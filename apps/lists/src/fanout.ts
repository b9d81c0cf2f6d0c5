/**
 * Redistribution: turns a published message into one outbox message per active member, after the
 * inbound handler committed, in chunks of `fanoutChunk` members per transaction. Every copy of a
 * message shares content and a `batchKey`, so the outbox deliverer sends up to 1,000 of them in one
 * SendGrid request; what differs per member (To, List-Post reply address, List-Unsubscribe link,
 * custom args) travels in the personalization.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { isUnavailableError, type Logger, type Store, type Transaction } from '@mailroom/core';
import { sanitizeHeaderText, type MailerMessage } from '@mailroom/core/outbound';
import {
  createLeaseQueue,
  leaseTuning,
  requeueFailed,
  type LeaseQueue,
  type LeaseQueueTuning,
  type LeaseSpec,
  type PollLoop,
} from '@mailroom/core/queue';
import { listAddress } from './config.js';
import type { ListsDb } from './db/index.js';
import { distributions, members, messages, threads } from './db/schema.js';
import {
  archiveAccessToken,
  listById,
  listHeaders,
  referencesFor,
  scopes,
  threadAddress,
  unsubscribeToken,
  type List,
  type ListsServices,
  type Member,
  type Message,
  type Thread,
} from './domain/index.js';

/** The fan-out loop: core's poll loop (`kick` runs pending fan-outs after a commit, a no-op until `start`). */
export type Fanout = PollLoop;

export interface FanoutOptions extends LeaseQueueTuning {
  store: Store;
  services: ListsServices;
  logger?: Logger;
  pollMs?: number;
  onQueued?: () => void;
}

type Distribution = typeof distributions.$inferSelect;
type AfterCommit = (fn: () => unknown) => void;
type DistributionQueue = LeaseQueue<Distribution>;

/** Distributions as a lease queue: pending → processing (leased, one chunk) → pending (next chunk) … → done, or failed. */
const DISTRIBUTION_LEASES = {
  table: distributions,
  key: distributions.messageId,
  waiting: 'pending',
  leased: 'processing',
  failed: 'failed',
  tieBreak: [distributions.createdAt],
} satisfies LeaseSpec;

/**
 * The fan-out loop, on core's lease queue: each round claims the next due distribution (leased to this process,
 * its attempt counted before the chunk runs, so a chunk that crashes the process every time is set aside too) and
 * queues one chunk of its copies. A distribution that fails is a poison pill for nobody: the queue's bounded-attempts
 * rule sets it aside as `failed` (its reason in `last_error`) at once when the error is permanent (a copy that can
 * never be sent) or after `maxAttempts` (per chunk), and backoff moves its due time behind the other distributions
 * meanwhile, so later posts on every list go out. A fan-out that died mid-chunk leaves its lease to run out.
 */
export function createFanout(options: FanoutOptions): Fanout {
  const { store, services } = options;
  const logger = options.logger ?? store.logger;
  const queue = createLeaseQueue({
    ...leaseTuning(options),
    ...DISTRIBUTION_LEASES,
    db: store.db,
    failedColumns: () => ({ finishedAt: sql`now()` }),
    describeError: reasonOf,
    isOutage: isUnavailableError,
  });

  /** One chunk of `job`; its after-commit hooks (waking the deliverer) once the chunk committed. */
  async function step(job: Distribution): Promise<void> {
    const hooks: Array<() => unknown> = [];
    const failure = await queue.attempt(job, () => chunk(store, services, queue, job, (fn) => void hooks.push(fn)));
    if (failure) {
      const { decision, lastError } = failure;
      logger[decision.final ? 'error' : 'warn'](decision.final ? 'lists_fanout_failed' : 'lists_fanout_retry', {
        messageId: job.messageId,
        listId: job.listId,
        attempt: job.attempts,
        error: lastError,
      });
      return;
    }
    for (const hook of hooks) await hook();
  }

  return queue.loop({
    pollMs: options.pollMs ?? 5000,
    // One chunk a round; the mailer's after-commit hook wakes the deliverer once the chunk is committed.
    claimLimit: 1,
    handle: async (jobs) => {
      for (const job of jobs) await step(job);
      options.onQueued?.();
    },
    onError: (error) =>
      logger.error('lists_fanout_error', { error: error instanceof Error ? error.message : String(error) }),
  });
}

/** One chunk of `job` in one transaction; the copies and the cursor commit together (while the lease holds). */
async function chunk(
  store: Store,
  services: ListsServices,
  queue: DistributionQueue,
  job: Distribution,
  afterCommit: AfterCommit,
): Promise<void> {
  await store.transaction(async (rawTx) => {
    const tx: ListsDb = rawTx;
    if (!(await queue.holds(job, tx))) return; // another fan-out took it over
    const [message] = await tx.select().from(messages).where(eq(messages.id, job.messageId));
    const list = await listById(tx, job.listId);
    const [thread] = message ? await tx.select().from(threads).where(eq(threads.id, message.threadId)) : [];
    if (!message || !list || !thread) {
      await queue.finish([job], { status: 'done', finishedAt: sql`now()` }, tx);
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
      const copies = recipients.map((member) =>
        copyFor(services, list, thread, message, member, { ...threading, replyTo }),
      );
      await services.mailer.sendMany(copies, { tx: rawTx as Transaction, afterCommit });
    }
    const done = recipients.length < services.config.fanoutChunk;
    // Past the chunk just queued; the next chunk starts afresh (attempts 0), due now; the last one finishes it.
    await queue.finish(
      [job],
      {
        cursor: recipients.at(-1)?.id ?? job.cursor,
        queued: sql`${distributions.queued} + ${recipients.length}`,
        attempts: 0,
        lastError: null,
        ...(done ? { status: 'done', finishedAt: sql`now()` } : { status: 'pending', nextAttemptAt: sql`now()` }),
      },
      tx,
    );
  });
}

/** An error and its causes in one line, the root cause first (a failed query's own message is mostly the query). */
function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error, depth = 0;
    e !== undefined && e !== null && depth < 4;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  const reason = parts.reverse().join(' — in ');
  return reason.length > 2000 ? `${reason.slice(0, 1999)}…` : reason;
}

/** Puts a failed distribution back in the queue now (after a fix); it resumes at its cursor. */
export async function requeueDistribution(db: ListsDb, messageId: string): Promise<boolean> {
  return requeueFailed(db, DISTRIBUTION_LEASES, messageId, { finishedAt: null });
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
      ...(list.archive === 'members'
        ? {
            'List-Archive': `<${config.publicUrl}/archive/${list.slug}?access=${archiveAccessToken(services, member)}>`,
          }
        : {}),
    },
    messageId: message.messageId,
    inReplyTo: threading.inReplyTo,
    references: threading.references,
    customArgs: { lists_list: list.id, lists_thread: thread.id, lists_member: member.id, lists_message: message.id },
    batchKey: `lists:${message.id}`,
  };
}
