/**
 * Signed links (core's reply-address tokens used as bearer links): each names a member by scope and is
 * bound to the member's address, so a token minted for one member never works for another.
 */
import type { ListsDb } from '../db/index.js';
import { memberById, type Member } from './lists.js';
import { scopes, splitScope, type ListsServices } from './services.js';

const DAY = 24 * 3600;
/** Unsubscribe and archive links in list copies: long-lived (a member may act on an old message). */
const LINK_TTL_SECONDS = 400 * DAY;
/** Subscribe/unsubscribe confirmations: short, they answer one request. */
export const CONFIRMATION_TTL_SECONDS = 7 * DAY;

type LinkScope = 'join' | 'leave' | 'unsubscribe' | 'archive';
const PREFIX: Record<LinkScope, string> = { join: 'j', leave: 'l', unsubscribe: 'u', archive: 'a' };

function token(
  services: ListsServices,
  kind: LinkScope,
  member: Pick<Member, 'id' | 'address'>,
  ttlSeconds: number,
): string {
  return services.replyAddresses.createToken({ scope: scopes[kind](member.id), recipient: member.address, ttlSeconds });
}

export function unsubscribeToken(services: ListsServices, member: Member): string {
  return token(services, 'unsubscribe', member, LINK_TTL_SECONDS);
}

/** A member's read access to a members-only archive (`?access=`), carried in their List-Archive link. */
export function archiveAccessToken(services: ListsServices, member: Member): string {
  return token(services, 'archive', member, LINK_TTL_SECONDS);
}

/** The link that confirms a subscription (`join`) or an unsubscribe request (`leave`) for one address. */
export function confirmationLink(
  services: ListsServices,
  kind: 'join' | 'leave',
  member: Pick<Member, 'id' | 'address'>,
): string {
  return `${services.config.publicUrl}/confirm/${token(services, kind, member, CONFIRMATION_TTL_SECONDS)}`;
}

/** What a valid link token stands for: its kind and the member it was issued to. */
export async function memberForToken(
  db: ListsDb,
  services: ListsServices,
  value: string,
): Promise<{ kind: LinkScope; member: Member } | null> {
  const bare = services.replyAddresses.verify(value);
  if (!bare.ok) return null;
  const [prefix, id] = splitScope(bare.scope);
  const kind = (Object.keys(PREFIX) as LinkScope[]).find((k) => PREFIX[k] === prefix);
  if (!kind || !id) return null;
  const member = await memberById(db, id);
  if (!member || !services.replyAddresses.verify(value, { recipient: member.address }).ok) return null;
  return { kind, member };
}

/** The member a one-click unsubscribe token was issued to, or null when it is not valid. */
export async function memberForUnsubscribeToken(
  db: ListsDb,
  services: ListsServices,
  value: string,
): Promise<Member | null> {
  const found = await memberForToken(db, services, value);
  return found?.kind === 'unsubscribe' ? found.member : null;
}
