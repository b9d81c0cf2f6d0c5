import { and, eq, fillPlaceholders, getTableColumns, sql } from 'drizzle-orm';
import {
  claimCandidates,
  failureFields,
  leaseFields,
  stillLeased,
  type LeaseSpec,
  type RetryDecision,
} from '../queue/index.js';
import type { Queryable } from './database.js';
import { asStoreError } from './errors.js';
import { toRecord, type InboundRecord } from './records.js';
import { blobs, inboundEmails, type InboundStatus } from './schema.js';
import type { Statement } from './work.js';

/**
 * The one owner of an inbound email's status: every transition of `mailroom.inbound_emails.status` is written
 * here (or, for the ingest's own statements, by `inbox.ts` with what this file says a row is born as).
 *
 *   received ─► pending ─► processing ─► delivered | bounced | ignored | unrouted   (the handler's outcome)
 *           └─(born leased)──┘   │  ▲ └─► pending, later (a failed attempt: backoff) ─► … ─► failed (set aside)
 *                                └──┘ lease expired: taken over by a claim (takeovers + 1)
 *   any but processing ─► pending (replay / reroute, attempts reset)
 *
 * The lease mechanics (claim expired leases first, then the due; lease; retry or set aside) are the queue's
 * (`queue/lease.ts`); this file says which columns of this table each step sets.
 */
export const INBOUND_LEASES: LeaseSpec<typeof inboundEmails> = {
  table: inboundEmails,
  key: inboundEmails.id,
  waiting: 'pending',
  leased: 'processing',
  failed: 'failed',
};

/** The outcomes a handler records, and nothing else: `failed` is the worker's, `pending` the retry's. */
export type HandlerOutcomeStatus = Extract<InboundStatus, 'delivered' | 'bounced' | 'ignored' | 'unrouted'>;
export interface HandlerOutcome {
  status: HandlerOutcomeStatus;
  route?: string | null;
  recipient?: string | null;
  note?: string | null;
}

/** A claimed email, and with database blobs its stored bytes (null: load them, or they were incinerated). */
export interface ClaimedInbound {
  record: InboundRecord;
  /** Times this email was taken over from a worker whose lease expired (0 for a born-leased row). */
  takeovers: number;
  body: Buffer | null;
}

/** The transitions one worker (`owner`) makes, its statements built once (prepared on PostgreSQL). */
export interface InboundTransitions {
  /**
   * processing (leased to the owner): up to `limit` expired leases (a takeover) and due pending emails, in one
   * statement. `withBody`: also return each small stored body (database blobs), sparing a second round trip.
   */
  claim(limit: number, withBody: boolean): Promise<ClaimedInbound[]>;
  /** The statement that records a handler's outcome while the owner still holds the lease (`UnitOfWork.commitIf`). */
  outcome(id: string, outcome: HandlerOutcome): Statement;
  /** A failed attempt: pending again after the backoff, or failed (with its note); false when the lease was lost. */
  fail(db: Queryable, id: string, decision: RetryDecision, lastError: string, note: string): Promise<boolean>;
}

export function inboundTransitions(db: Queryable, owner: string, leaseMs: number): InboundTransitions {
  const claims = new Map<string, ReturnType<typeof claimStatement>>();
  const outcomeQuery = outcomeStatement(db, owner);
  return {
    async claim(limit, withBody) {
      const key = `${limit}:${withBody}`;
      let statement = claims.get(key);
      if (!statement) claims.set(key, (statement = claimStatement(db, owner, leaseMs, limit, withBody)));
      try {
        const rows = await statement.execute();
        return rows.map(({ storedBody: body, ...row }) => ({
          record: toRecord(row),
          takeovers: row.takeovers,
          body: body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : null,
        }));
      } catch (error) {
        throw asStoreError(error, 'claim');
      }
    },
    outcome: (id, outcome) => ({
      text: outcomeQuery.sql,
      params: fillPlaceholders(outcomeQuery.params, {
        id,
        status: outcome.status,
        route: outcome.route ?? null,
        recipient: outcome.recipient ?? null,
        note: outcome.note ?? null,
      }),
    }),
    async fail(tx, id, decision, lastError, note) {
      const setAside = { processedAt: sql`now()`, note, nextAttemptAt: null };
      const updated = await tx
        .update(inboundEmails)
        .set({ ...failureFields(INBOUND_LEASES, decision, lastError), ...(decision.final ? setAside : {}) } as Partial<
          typeof inboundEmails.$inferInsert
        >)
        .where(stillLeased(INBOUND_LEASES, sql`(${id})`, owner))
        .returning({ id: inboundEmails.id });
      return updated.length > 0;
    },
  };
}

/**
 * One statement (atomic on its own): no BEGIN/COMMIT round trips on the path every email takes. Built once per
 * batch size and prepared: drizzle's query building costs more CPU than the statement, and with the limit written
 * in PostgreSQL plans it once per connection. A large body (in pieces, BLOB_PART_BYTES) is never in the answer.
 */
function claimStatement(db: Queryable, owner: string, leaseMs: number, limit: number, withBody: boolean) {
  const storedBody = withBody
    ? sql<Uint8Array | null>`(select b.bytes from ${blobs} b where b.key = ${inboundEmails.bodyBlobKey} and b.parts = 0)`
    : sql<null>`null`;
  return db
    .update(inboundEmails)
    .set({
      ...leaseFields(INBOUND_LEASES, owner, leaseMs),
      status: 'processing',
      // A row still `processing` here is one whose worker stopped mid-attempt: a takeover.
      takeovers: sql`${inboundEmails.takeovers} + (case when ${inboundEmails.status} = 'processing' then 1 else 0 end)`,
    })
    .where(sql`${inboundEmails.id} in (${claimCandidates(INBOUND_LEASES, limit)})`)
    .returning({ ...getTableColumns(inboundEmails), storedBody })
    .prepare(`mailroom_claim_${limit}${withBody ? '_with_body' : ''}`);
}

/** The outcome's UPDATE, with placeholders, compiled once: it runs for every email. */
function outcomeStatement(db: Queryable, owner: string) {
  return db
    .update(inboundEmails)
    .set({
      status: sql`${sql.placeholder('status')}`,
      route: sql`${sql.placeholder('route')}`,
      recipient: sql`${sql.placeholder('recipient')}`,
      note: sql`${sql.placeholder('note')}`,
      processedAt: sql`now()`,
      leaseOwner: null,
      leaseUntil: null,
      nextAttemptAt: null,
      lastError: null,
    })
    .where(
      and(
        eq(inboundEmails.id, sql.placeholder('id')),
        eq(inboundEmails.status, 'processing'),
        eq(inboundEmails.leaseOwner, owner),
      ),
    )
    .returning({ id: inboundEmails.id })
    .toSQL();
}

/** What a replay (or reroute to `route`) sets: pending now, attempts and takeovers reset, the last outcome cleared. */
export function replayFields(route: string | null) {
  return {
    status: 'pending' as const,
    attempts: 0,
    takeovers: 0,
    nextAttemptAt: sql`now()`,
    leaseOwner: null,
    leaseUntil: null,
    lastError: null,
    processedAt: null,
    route: null,
    recipient: null,
    note: null,
    forcedRoute: route,
  };
}
