/**
 * The lists' domain: lists and members, publishing, moderation, membership and bounces, signed links.
 * Every operation runs inside the caller's transaction (`ctx.tx`, a web action's, the fan-out's).
 *
 * @example
 * ```ts
 * const list = await createList(store.db, { slug: 'dev', name: 'Developers' });
 * await upsertMember(store.db, list.id, { address: 'ann@example.org', role: 'owner' });
 * const messages = await threadMessages(store.db, threadId);
 * ```
 */
export type { AfterCommit, ListsServices } from './services.js';
export { scopes, splitScope } from './services.js';
export type { List, Member, Message, Thread, ModerationItem } from './lists.js';
export {
  createList,
  listById,
  listBySlug,
  memberById,
  memberOf,
  recordEvent,
  setMemberStatus,
  upsertMember,
} from './lists.js';
export { listHeaders, requestFrom } from './headers.js';
export {
  archiveAccessToken,
  confirmationLink,
  memberForToken,
  memberForUnsubscribeToken,
  unsubscribeToken,
} from './tokens.js';
export { publish, referencesFor, threadAddress, threadMessages } from './publish.js';
export { decide, hold } from './moderation.js';
export {
  confirmMember,
  helpText,
  markPending,
  registerMessageBounce,
  subscriptionCandidate,
  unsubscribe,
} from './membership.js';
export { handleDeliveryEvent } from './delivery-events.js';
