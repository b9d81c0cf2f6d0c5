import type { Database, Mailer, Transaction } from '@mailroom/core';
import type { BlobStore } from '@mailroom/core/inbox';
import type { MessageIds, ReplyAddresses } from '@mailroom/core/outbound';

/** Registers a hook that runs once the transaction committed (wakes the deliverer for mail queued in it). */
export type AfterCommit = (fn: () => unknown) => void;

/** Everything the help desk's domain and web code needs at run time: the Mailroom's parts, nothing of its own. */
export interface SupportServices {
  db: Database;
  /** A transaction; mail queued with `{ tx, afterCommit }` is sent once it commits. */
  transaction<T>(fn: (tx: Transaction, afterCommit: AfterCommit) => Promise<T>): Promise<T>;
  /** `mailroom.mailer`: mail from code outside handlers (an agent's reply from the web). */
  mailer: Mailer;
  /** `mailroom.replyAddresses`: signs the tokens of our reply addresses. */
  replyAddresses: ReplyAddresses;
  /** `mailroom.messageIds`: verifies the signed Message-IDs replies point at. */
  messageIds: MessageIds;
  blobs: BlobStore;
}
