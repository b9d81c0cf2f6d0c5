import type { InboundEmail } from '../message/index.js';
import type { InboundRecord, Logger, Store, Transaction } from '../inbox/index.js';
import { runOnce } from '../inbox/index.js';
import type { MatchedRecipient, NoParams, Params } from '../routing/index.js';
import type { MailFields } from './mail.js';

/** How a handler ended an email: the status the worker records (with `note` as the reason). */
export type HandlerOutcome = { status: 'delivered' } | { status: 'bounced' | 'ignored'; reason: string };

/**
 * What every handler and middleware receives. `P` is the route's params (typed from its pattern).
 *
 * The handler runs inside the transaction that records its outcome: writes made through `ctx.tx`
 * commit atomically with status `delivered`/`bounced`/`ignored`, and roll back if it throws
 * (the worker then retries with backoff, up to `maxAttempts`, then marks the email `failed`).
 */
export interface MailContext<P = Params> extends MailFields {
  /** The inbound email's id (the row in `mailroom.inbound_emails`). */
  readonly id: string;
  readonly email: InboundEmail;
  /** The stored row as claimed (status `processing`). */
  readonly record: InboundRecord;
  /** The matched route's name; `'fallback'` for the fallback. */
  readonly route: string;
  readonly params: P;
  /** The recipient the route matched and where it was found; null for the fallback. */
  readonly recipient: MatchedRecipient | null;
  /** True when the route was forced by name (replay with `route`): params may be empty. */
  readonly forced: boolean;
  /** 1 on the first attempt, 2 on the first retry… */
  readonly attempt: number;
  /** Logs with `id` and `route` added to every event. */
  readonly log: Logger;
  /** The drizzle transaction the outcome is recorded in. */
  readonly tx: Transaction;
  readonly store: Store;
  /** The outcome so far (`delivered` unless bounce/ignore was called). */
  readonly outcome: HandlerOutcome;
  /** Marks the email `bounced` with a reason; the handler should return afterwards. Writes so far still commit. */
  bounce(reason: string): void;
  /** Marks the email `ignored` with a reason; the handler should return afterwards. Writes so far still commit. */
  ignore(reason: string): void;
  /**
   * Runs `fn` at most once per key for this email, ever: the key is recorded in the same transaction,
   * so a replay of an email whose handler already committed skips it (and gets the first result back,
   * JSON round-tripped; undefined if there was none). A `ctx.bounce()`/`ctx.ignore()` called inside `fn`
   * is recorded with it and restored when a replay skips `fn`, so the email ends with the same status and note. If the handler throws, the record rolls back with
   * everything else and the retry runs `fn` again: use it for work that commits through `tx`; for
   * non-transactional effects (HTTP calls) combine it with `afterCommit`.
   */
  once<T>(key: string, fn: (tx: Transaction) => Promise<T>): Promise<T | undefined>;
  /** Runs `fn` after the outcome committed (never if the handler throws); errors are logged, not retried. */
  afterCommit(fn: () => unknown): void;
}

/** A route handler's context: a matched route always has a recipient. */
export type RouteContext<P, E = unknown> = MailContext<P> & { readonly recipient: MatchedRecipient } & E;
/** The fallback's context: no params, no matched recipient. */
export type FallbackContext<E = unknown> = MailContext<NoParams> & { readonly recipient: null } & E;

export type Handler<P, E = unknown> = (ctx: RouteContext<P, E>) => unknown;
export type FallbackHandler<E = unknown> = (ctx: FallbackContext<E>) => unknown;
/** Runs around every handler (routes and fallback), in `use()` order; call `next()` at most once. */
export type Middleware<E = unknown> = (ctx: MailContext<Params> & E, next: () => Promise<void>) => unknown;

/** Adds fields to every context (e.g. `reply`, `mailer`); runs before middleware, once per attempt. */
export type ContextExtension<Base, E extends object> = (ctx: Base) => E | Promise<E>;

/** A logger that adds fixed fields to every event. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    info: (event, more) => logger.info(event, { ...fields, ...more }),
    warn: (event, more) => logger.warn(event, { ...fields, ...more }),
    error: (event, more) => logger.error(event, { ...fields, ...more }),
  };
}

export interface ContextInit {
  record: InboundRecord;
  email: InboundEmail;
  route: string;
  params: Params;
  recipient: MatchedRecipient | null;
  forced: boolean;
  attempt: number;
  tx: Transaction;
  store: Store;
  log: Logger;
  afterCommit: (fn: () => unknown) => void;
  /** Binds `reply`/`autoReply`/`mailer` to this context. */
  mail: (ctx: { email: InboundEmail; tx: Transaction; afterCommit(fn: () => unknown): void }) => MailFields;
}

function requireReason(verb: string, reason: unknown): string {
  if (typeof reason !== 'string' || !reason.trim()) throw new TypeError(`ctx.${verb}() needs a reason`);
  return reason;
}

const ONCE_RECORD = 'mailroomOnce';
interface OnceRecord {
  [ONCE_RECORD]: 1;
  result: unknown;
  outcome: HandlerOutcome | null;
}

function isOnceRecord(value: unknown): value is OnceRecord {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[ONCE_RECORD] === 1;
}

/** Builds the base context; the outcome lives in the returned object. */
export function createContext(init: ContextInit): MailContext<Params> {
  let outcome: HandlerOutcome = { status: 'delivered' };
  const mail = init.mail({ email: init.email, tx: init.tx, afterCommit: init.afterCommit });
  return {
    reply: mail.reply,
    autoReply: mail.autoReply,
    mailer: mail.mailer,
    id: init.record.id,
    email: init.email,
    record: init.record,
    route: init.route,
    params: init.params,
    recipient: init.recipient,
    forced: init.forced,
    attempt: init.attempt,
    log: init.log,
    tx: init.tx,
    store: init.store,
    get outcome() {
      return outcome;
    },
    bounce(reason) {
      outcome = { status: 'bounced', reason: requireReason('bounce', reason) };
    },
    ignore(reason) {
      outcome = { status: 'ignored', reason: requireReason('ignore', reason) };
    },
    async once(key, fn) {
      if (typeof key !== 'string' || !key) throw new TypeError('ctx.once() needs a key');
      const before = outcome;
      const recorded = await runOnce(init.tx, `inbound:${init.record.id}:${key}`, async (tx) => {
        const result = await fn(tx);
        // The outcome decided inside `fn` is recorded with its result, so a replay that skips `fn` ends the same way.
        return { [ONCE_RECORD]: 1, result, outcome: outcome === before ? null : outcome } satisfies OnceRecord;
      });
      if (!isOnceRecord(recorded)) return recorded; // recorded before outcomes were kept: the bare result
      if (recorded.outcome) outcome = recorded.outcome;
      return recorded.result as never;
    },
    afterCommit: init.afterCommit,
  };
}
