/**
 * The parts of @mailroom/core's outbound API this app uses, as structural types, so the domain
 * and web code compile against exactly what they need (core's Mailer, ReplyAddresses and
 * MessageIds satisfy these).
 */
import type { SupportDb } from './db/index.js';

export interface MailAddress {
  address: string;
  name: string;
}

export interface OutgoingMail {
  from: MailAddress;
  to: MailAddress[];
  cc?: MailAddress[];
  replyTo?: MailAddress[];
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  messageId?: string;
  inReplyTo?: string | null;
  references?: readonly string[];
  customArgs?: Record<string, string>;
}

export interface SupportMailer {
  /** Queues the mail in the caller's transaction (sent after commit); returns the outbox id. */
  send(message: OutgoingMail, options: { tx: SupportDb }): Promise<{ id: string }>;
}

export interface ReplyAddressSigner {
  create(input: { scope: string; recipient: string; ttlSeconds?: number }): string;
  verify(
    addressOrToken: string,
    options?: { recipient?: string | null },
  ): { ok: true; scope: string } | { ok: false; reason: string };
}

export interface MessageIdSigner {
  createMessageId(scope?: string): string;
  verifyMessageIds(email: { inReplyTo: string | null; references: readonly string[] }): { scope: string }[];
}

export interface BlobReader {
  get(key: string): Promise<Buffer | null>;
}

/** Everything the app's code needs at run time. */
export interface SupportServices {
  db: SupportDb;
  transaction<T>(fn: (tx: SupportDb) => Promise<T>): Promise<T>;
  mailer: SupportMailer;
  replyAddresses: ReplyAddressSigner;
  messageIds: MessageIdSigner;
  blobs: BlobReader | null;
  /**
   * Ties a transaction to its after-commit hook registry (a handler's `ctx.afterCommit`), so mail
   * queued in it wakes the deliverer once it commits.
   */
  bindAfterCommit(tx: SupportDb, register: (fn: () => unknown) => void): void;
}

/** Scope signed into reply addresses and Message-IDs: short, so it fits a reply token. */
export function ticketScope(number: number): string {
  return `t:${number}`;
}

export function ticketFromScope(scope: string): number | null {
  const match = /^t:(\d{1,9})$/.exec(scope);
  return match ? Number(match[1]) : null;
}
