/**
 * Redistribution: turns a published message into one outbox message per active member, after the
 * inbound handler committed, in chunks of `fanoutChunk` members per transaction. Every copy of a
 * message shares content and a `batchKey`, so the outbox deliverer sends up to 1,000 of them in one
 * SendGrid request; what differs per member (To, List-Post reply address, List-Unsubscribe link,
 * custom args) travels in the personalization.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Logger, MailerMessage, Store, Transaction } from '@mailroom/core';
import { listAddress } from './config.js';
import type { ListsDb } from './db/index.js';
import { distributions, members, messages, threads } from './db/schema.js';
import { archiveAccessToken, listById, listHeaders, referencesFor, scopes, threadAddress, unsubscribeToken, type List, type ListsServices, type Member, type Message, type Thread } from './service.js';

export interface Fanout {
  /** Runs pending fan-outs now (after a commit); a no-op until start(). */
  kick(): void;
  /** Queues every pending distribution now (tests, CLI). */
  drain(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function createFanout(options: { store: Store; services: ListsServices; logger?: Logger; pollMs?: number; onQueued?: () => void }): Fanout {
  const { store, services } = options;
  const logger = options.logger ?? store.logger;
  let current: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  /** One chunk of one pending distribution; false when nothing was pending. */
  async function step(afterCommit: (fn: () => unknown) => void): Promise<boolean> {
    return store.transaction(async (rawTx) => {
      const tx = rawTx as unknown as ListsDb;
      const [job] = await tx
        .select()
        .from(distributions)
        .where(eq(distributions.status, 'pending'))
        .orderBy(asc(distributions.createdAt))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!job) return false;
      const [message] = await tx.select().from(messages).where(eq(messages.id, job.messageId));
      const list = await listById(tx, job.listId);
      const [thread] = message ? await tx.select().from(threads).where(eq(threads.id, message.threadId)) : [];
      if (!message || !list || !thread) {
        await tx.update(distributions).set({ status: 'done', finishedAt: sql`now()` }).where(eq(distributions.messageId, job.messageId));
        return true;
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
      const done = recipients.length < services.config.fanoutChunk;
      await tx
        .update(distributions)
        .set({
          cursor: recipients.at(-1)?.id ?? job.cursor,
          queued: sql`${distributions.queued} + ${recipients.length}`,
          ...(done ? { status: 'done' as const, finishedAt: sql`now()` } : {}),
        })
        .where(eq(distributions.messageId, job.messageId));
      return true;
    });
  }

  async function run(): Promise<void> {
    for (;;) {
      // The mailer's after-commit hook wakes the deliverer once the chunk is committed.
      const hooks: Array<() => unknown> = [];
      const more = await step((fn) => void hooks.push(fn));
      for (const hook of hooks) await hook();
      if (!more) return;
      options.onQueued?.();
    }
  }

  /** Like core's loops, a no-op until started: tests and the CLI run fan-outs with drain(). */
  function kick(): void {
    if (!timer) return;
    if (current) {
      again = true;
      return;
    }
    current = run()
      .catch((error) => logger.error('lists_fanout_error', { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        current = null;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    async drain() {
      while (current) await current;
      await run();
    },
    start() {
      if (timer) return;
      timer = setInterval(kick, options.pollMs ?? 5000);
      timer.unref?.();
      kick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      while (current) await current;
    },
  };
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
    subject: message.subject,
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
