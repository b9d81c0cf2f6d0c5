import type { AuthVerdict, InboundEmail, MailContext, Transaction } from '@mailroom/core';
import type { Classification } from '@mailroom/core/text';
import type { ListsServices } from '../domain/index.js';

/** What an inbound email did; `ignored`/`bounced` are also the Mailroom outcome (with the reason as note). */
export type InboundResult =
  | { outcome: 'published'; listId: string; threadId: string; messageId: string }
  | { outcome: 'held'; listId: string; moderationId: string; reason: string }
  | { outcome: 'moderated'; moderationId: string; decision: 'approve' | 'reject' }
  | { outcome: 'command'; listId: string; command: string; detail: string }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'bounced'; reason: string };

/** One email being handled: the handler's context, the transaction of its `ctx.once`, and what every check needs. */
export interface Inbound {
  ctx: MailContext<unknown>;
  tx: Transaction;
  services: ListsServices;
  email: InboundEmail;
  /** The From address, normalized; null when there is none. */
  sender: string | null;
  /** DKIM/SPF alignment with From (`email.authVerdict()`): unaligned senders get no privileges. */
  verdict: AuthVerdict;
  /** `email.classify()` with our own domains, once per email. */
  classification: Classification;
}

export const afterCommitOf = (inbound: Inbound) => (fn: () => unknown) => inbound.ctx.afterCommit(fn);
