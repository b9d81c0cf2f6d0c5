import { normalize } from '../config.js';
import type { ListsDb } from '../db/index.js';
import { memberById, memberOf, recordEvent, type Member } from './lists.js';
import { registerBounce, unsubscribe } from './membership.js';
import type { AfterCommit, ListsServices } from './services.js';

export interface DeliveryEvent {
  kind: 'bounce' | 'dropped' | 'spamreport';
  email: string | null;
  detail: string;
  customArgs: Record<string, unknown>;
}

/** Event Webhook: bounce/dropped raise the score; spam reports unsubscribe (no notice: they asked us to stop). */
export async function handleDeliveryEvent(
  tx: ListsDb,
  services: ListsServices,
  event: DeliveryEvent,
  afterCommit: AfterCommit,
): Promise<string> {
  const memberArg = event.customArgs.lists_member;
  const listArg = event.customArgs.lists_list;
  let member: Member | null = typeof memberArg === 'string' ? await memberById(tx, memberArg) : null;
  if (!member && typeof listArg === 'string' && event.email) member = await memberOf(tx, listArg, event.email);
  if (!member) return 'no member';
  if (event.email && normalize(event.email) !== member.address) return 'event address does not match the member';
  if (event.kind === 'spamreport') {
    await recordEvent(tx, {
      listId: member.listId,
      memberId: member.id,
      address: member.address,
      kind: 'spam-report',
      detail: event.detail,
    });
    await unsubscribe(tx, member, 'spam report');
    return 'unsubscribed';
  }
  const updated = await registerBounce(tx, services, member, `${event.kind}: ${event.detail}`, afterCommit);
  return `bounce score ${updated.bounceScore} (${updated.status})`;
}
