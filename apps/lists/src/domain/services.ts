import type { Mailer } from '@mailroom/core';
import type { MessageIds, ReplyAddresses } from '@mailroom/core/outbound';
import type { ResolvedConfig } from '../config.js';

/** Registers work to run after the surrounding transaction committed. */
export type AfterCommit = (fn: () => unknown) => void;

/** What the domain operations, the mail handlers and the fan-out share: all signers are the Mailroom's. */
export interface ListsServices {
  config: ResolvedConfig;
  /** Queues list mail (default `mailroom.mailer`). */
  mailer: Mailer;
  /** The Mailroom's signed reply addresses (`mailroom.replyAddresses`): reply, confirmation, unsubscribe and archive tokens. */
  replyAddresses: ReplyAddresses;
  /** The Mailroom's Message-ID signer (`mailroom.messageIds`). */
  messageIds: MessageIds;
  /** Wakes the fan-out after a commit that created a distribution. */
  kickFanout(): void;
}

/**
 * Scopes signed into reply addresses and links (at most 18 bytes with the prefix `reply`). A token
 * carries one of these and is bound to the address it was issued to.
 */
export const scopes = {
  /** Reply to a thread: the member's personal address, or the thread's shared one (bound to the list address). */
  thread: (threadId: string) => `t:${threadId}`,
  /** A moderator's answer to a moderation notice. */
  moderation: (id: string) => `mod:${id}`,
  /** A suspended member's answer to the bounce probe (resumes the subscription). */
  resume: (memberId: string) => `s:${memberId}`,
  /** Subscription confirmation link. */
  join: (memberId: string) => `j:${memberId}`,
  /** Unsubscribe confirmation link (mailed for an `unsubscribe` command). */
  leave: (memberId: string) => `l:${memberId}`,
  /** RFC 8058 one-click unsubscribe link in every copy. */
  unsubscribe: (memberId: string) => `u:${memberId}`,
  /** Read access to a members-only archive. */
  archive: (memberId: string) => `a:${memberId}`,
  /** Signed Message-ID of a published message. */
  message: (messageId: string) => `m:${messageId}`,
};

/** Splits `t:abc` into `['t', 'abc']`. */
export function splitScope(scope: string): [string, string] {
  const colon = scope.indexOf(':');
  return colon < 0 ? [scope, ''] : [scope.slice(0, colon), scope.slice(colon + 1)];
}
