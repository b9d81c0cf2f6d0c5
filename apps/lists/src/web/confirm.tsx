/**
 * Confirmation links for `subscribe` and `unsubscribe` by email (`/confirm/<token>`): the token is
 * core-signed, expiring and bound to the member's address. GET only shows what the link would do (mail
 * scanners and previews follow links); POST applies it. Like one-click unsubscribe, the signed token
 * is the credential, so the form needs no session or CSRF token.
 */
import { Hono, type Context } from 'hono';
import type { ListsDb } from '../db/index.js';
import {
  confirmMember,
  listById,
  memberById,
  memberForToken,
  unsubscribe,
  type AfterCommit,
  type ListsServices,
  type Member,
} from '../domain/index.js';
import { Outcome, Page, Refusal } from './views.js';

export interface ConfirmDeps {
  db: ListsDb;
  services: ListsServices;
  transaction<T>(fn: (tx: ListsDb, afterCommit: AfterCommit) => Promise<T>): Promise<T>;
}

const INVALID = 'this confirmation link is not valid or has expired';

/** Whether the link still has something to do for this member. */
const pending = (kind: 'join' | 'leave', member: Member) =>
  kind === 'join' ? member.status === 'pending' || member.status === 'suspended' : member.status !== 'unsubscribed';

export function confirmRoutes(deps: ConfirmDeps): Hono {
  const { db, services } = deps;
  const base = services.config.basePath;
  const app = new Hono();
  const outcome = (c: Context, text: string) => c.html(<Outcome base={base} title="Confirmed" text={text} />);

  async function resolve(token: string) {
    const found = await memberForToken(db, services, token);
    if (!found || (found.kind !== 'join' && found.kind !== 'leave')) return null;
    const list = await listById(db, found.member.listId);
    return list ? { kind: found.kind, member: found.member, list } : null;
  }

  app.get('/:token', async (c) => {
    const found = await resolve(c.req.param('token'));
    if (!found) return c.html(<Refusal base={base} status={404} message={INVALID} />, 404);
    const { kind, member, list } = found;
    if (!pending(kind, member))
      return outcome(
        c,
        kind === 'join'
          ? `${member.address} is subscribed to ${list.name}.`
          : `${member.address} is not subscribed to ${list.name}.`,
      );
    const question =
      kind === 'join'
        ? `Subscribe ${member.address} to ${list.name}?`
        : `Unsubscribe ${member.address} from ${list.name}?`;
    return c.html(
      <Page title={kind === 'join' ? 'Confirm subscription' : 'Confirm unsubscribe'} base={base}>
        <form class="card" method="post">
          <p>{question}</p>
          <button type="submit">{kind === 'join' ? 'Subscribe' : 'Unsubscribe'}</button>
        </form>
      </Page>,
    );
  });

  app.post('/:token', async (c) => {
    const found = await resolve(c.req.param('token'));
    if (!found) return c.html(<Refusal base={base} status={404} message={INVALID} />, 404);
    const { kind, list } = found;
    const changed = await deps.transaction(async (tx) => {
      const member = await memberById(tx, found.member.id);
      if (!member || !pending(kind, member)) return false;
      return kind === 'join' ? confirmMember(tx, member, 'web link') : unsubscribe(tx, member, 'confirmed by link');
    });
    const address = found.member.address;
    if (kind === 'join')
      return outcome(
        c,
        changed ? `${address} is subscribed to ${list.name}.` : `${address} was already subscribed to ${list.name}.`,
      );
    return outcome(
      c,
      changed ? `${address} is unsubscribed from ${list.name}.` : `${address} was not subscribed to ${list.name}.`,
    );
  });

  return app;
}
