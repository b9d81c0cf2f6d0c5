import type { InboundEmail } from '../message/index.js';
import type { Logger, Store } from '../inbox/index.js';
import type { ProcessContext, ProcessOutcome } from '../runtime/index.js';
import { recipientsOf, RouteNameError, type Params, type Router } from '../routing/index.js';
import { compose } from './compose.js';
import { createContext, withFields, type ContextExtension, type MailContext, type Middleware } from './context.js';
import type { MailWiring } from './mail.js';
import type { SenderAuth } from './sender-auth.js';

/** What the router leads to: a route handler or the fallback. */
export type RouteTarget = (ctx: MailContext) => unknown;

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface EmailProcessing {
  store: Store;
  logger: Logger;
  router: Router<RouteTarget>;
  /** The Mailroom's `use()` middleware and `extend()`/`context` extensions, read at each email (they may grow). */
  middleware: ReadonlyArray<Middleware<any>>;
  extensions: ReadonlyArray<ContextExtension<any, object>>;
  mail: MailWiring;
  senderAuth: SenderAuth | null;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * The worker's processor: records the sender verification, routes the email, builds its context (extensions
 * included) and runs the middleware chain and the route, all in the unit of work's `tx`; the outcome is the
 * status the worker records.
 */
export function emailProcessor(parts: EmailProcessing) {
  const { router, store, logger, mail, senderAuth } = parts;
  return async ({ record, email, attempt, tx, afterCommit }: ProcessContext): Promise<ProcessOutcome> => {
    await senderAuth?.record(tx, record.id, email);
    let match;
    try {
      match = router.match(email, { forcedRoute: record.forcedRoute });
    } catch (error) {
      // A replay forced a route that no longer exists: a configuration problem retries cannot fix.
      if (error instanceof RouteNameError) return { status: 'unrouted', note: error.message };
      throw error;
    }
    if (!match) return { status: 'unrouted', note: unroutedNote(email) };
    const route = match.route.name;
    const ctx = createContext({
      record,
      email,
      attempt,
      tx,
      store,
      route,
      params: match.params,
      recipient: match.recipient,
      forced: match.forced,
      log: withFields(logger, { id: record.id, route }),
      afterCommit,
      mail: mail.fieldsFor,
    });
    for (const extension of parts.extensions) addFields(ctx, await extension(ctx));
    await compose(parts.middleware, match.route.target)(ctx);
    const outcome = ctx.outcome;
    return {
      status: outcome.status,
      route,
      recipient: match.recipient?.address ?? null,
      note: outcome.status === 'delivered' ? null : outcome.reason,
    };
  };
}

function unroutedNote(email: InboundEmail): string {
  const candidates = recipientsOf(email).map((r) => r.address);
  return candidates.length ? `no route matched ${candidates.slice(0, 5).join(', ')}` : 'no recipients';
}

function addFields(ctx: MailContext<Params>, extra: object): void {
  for (const key of Object.keys(extra)) {
    if (key in ctx) throw new Error(`context extension cannot replace ctx.${key}`);
  }
  Object.assign(ctx, extra);
}
