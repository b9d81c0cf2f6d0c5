/**
 * The parts of @mailroom/core this app needs that are not in core yet, as structural types, so the
 * app compiles against exactly what it uses. Core's planned `Mailer` (outbound/) satisfies `AvatarMailer`.
 */
import type { Transaction } from '@mailroom/core';

export interface MailAddress {
  address: string;
  name: string;
}

export interface OutgoingAttachment {
  filename: string;
  contentType?: string;
  content: Uint8Array | string;
  contentId?: string;
  inline?: boolean;
}

export interface OutgoingMail {
  from: MailAddress;
  to: MailAddress | MailAddress[];
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: OutgoingAttachment[];
  inReplyTo?: string | null;
  references?: readonly string[];
}

export interface AvatarMailer {
  /** Queues the mail in the caller's transaction (sent after commit); `afterCommit` wakes the deliverer. */
  send(message: OutgoingMail, options?: { tx?: Transaction; afterCommit?: (fn: () => unknown) => void }): Promise<{ id: string }>;
}
