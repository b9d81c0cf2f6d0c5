import { eq } from 'drizzle-orm';
import type { InboundEmail } from '../message/index.js';
import { rawMessageOf, type IngressLimits } from '../ingress/index.js';
import { handlerEffects, type Store, type Transaction } from '../inbox/index.js';
import type { PrepareContext } from '../runtime/index.js';
import { isTemporaryDkimFailure, verifyDkim, type DkimCheck, type TxtResolver } from '../text/index.js';

/**
 * Who vouches for the sender: `createMailroom({ senderAuth: { dkim: 'verify' } })` makes the Mailroom verify the
 * DKIM signatures of raw-mode emails itself, before routing; `email.authVerdict()` and `requireAuthenticatedSender`
 * then read its results (`email.dkimCheck`) instead of SendGrid's `dkim` field. Parsed-mode emails keep SendGrid's
 * fields (SendGrid re-encodes the message, so no signature can be checked); SPF is always SendGrid's.
 */
export interface MailroomSenderAuthOptions {
  /** `'verify'`: verify DKIM on raw-mode emails; `'sendgrid'` (the default without `senderAuth`): SendGrid's field. */
  dkim: 'verify' | 'sendgrid';
  /** TXT lookups (tests serve canned keys); default: the system's DNS servers. */
  resolver?: TxtResolver;
  /** DNS budget per email for all its key lookups (default 5 s); a lookup past it is `temperror`. */
  timeoutMs?: number;
  /** DKIM-Signature fields checked per email, topmost first (default 5). */
  maxSignatures?: number;
  /**
   * Attempts on which a DNS failure (`temperror`) retries the email with the worker's backoff (default 3, at most
   * `worker.maxAttempts`). On the last of them the email is processed with the `temperror` result: not aligned,
   * unless another signature passed. `1`: never retry for DNS.
   */
  dnsAttempts?: number;
}

/** A DKIM key lookup failed before the last attempt allowed for DNS: the email is retried with backoff. */
export class DkimLookupError extends Error {
  override name = 'DkimLookupError';
}

/** Stored verifications live beside `ctx.once()` records, under a prefix handlers' keys (`inbound:…`) never use. */
const storedKey = (id: string) => `mailroom:dkim:${id}`;

export interface SenderAuth {
  /** The worker's `prepare`: attaches `dkimCheck` to raw-mode emails (stored result, else a fresh verification). */
  prepare(ctx: PrepareContext): Promise<InboundEmail>;
  /** Stores a fresh conclusive verification in the handler's transaction, so a replay reads the same verdict. */
  record(tx: Transaction, id: string, email: InboundEmail): Promise<void>;
}

export function createSenderAuth(
  store: Store,
  options: MailroomSenderAuthOptions,
  settings: { limits?: IngressLimits | undefined; maxAttempts: number },
): SenderAuth | null {
  if (options.dkim !== 'verify') return null;
  const dnsAttempts = Math.max(1, Math.min(options.dnsAttempts ?? 3, settings.maxAttempts));
  const unstored = new WeakSet<InboundEmail>();

  return {
    async prepare({ record, email, attempt, storedBody }) {
      if (email.mode !== 'raw') return email;
      const stored = await readStored(store, record.id);
      if (stored) return email.withDkimCheck(stored);
      const raw = rawMessageOf(
        await storedBody(),
        record.contentType,
        settings.limits ? { limits: settings.limits } : {},
      );
      if (!raw) return email;
      const results = await verifyDkim(raw, {
        ...(options.resolver ? { resolver: options.resolver } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxSignatures !== undefined ? { maxSignatures: options.maxSignatures } : {}),
      });
      const temporary = isTemporaryDkimFailure(results);
      if (temporary && attempt < dnsAttempts) {
        const failed = results
          .filter((r) => r.result === 'temperror')
          .map((r) => `${r.domain}: ${r.comment ?? 'temperror'}`);
        throw new DkimLookupError(
          `DKIM key lookup failed (${failed.join('; ')}); retried with backoff (attempt ${attempt} of ${dnsAttempts} for DNS)`,
        );
      }
      const checked = email.withDkimCheck({
        status: temporary ? 'temperror' : 'verified',
        results,
        checkedAt: new Date().toISOString(),
      });
      // A temperror verdict is not kept: a replay, when DNS may answer again, verifies afresh.
      if (!temporary) unstored.add(checked);
      return checked;
    },
    async record(tx, id, email) {
      if (!unstored.has(email) || !email.dkimCheck) return;
      unstored.delete(email);
      await tx
        .insert(handlerEffects)
        .values({ key: storedKey(id), result: email.dkimCheck })
        .onConflictDoNothing({ target: handlerEffects.key });
    },
  };
}

/** The verification stored for this email by an earlier attempt that committed, or null. */
export async function readStored(store: Store, id: string): Promise<DkimCheck | null> {
  const [row] = await store.db
    .select({ result: handlerEffects.result })
    .from(handlerEffects)
    .where(eq(handlerEffects.key, storedKey(id)));
  return isDkimCheck(row?.result) ? row.result : null;
}

function isDkimCheck(value: unknown): value is DkimCheck {
  if (typeof value !== 'object' || value === null) return false;
  const check = value as Partial<DkimCheck>;
  return (
    (check.status === 'verified' || check.status === 'temperror') &&
    Array.isArray(check.results) &&
    typeof check.checkedAt === 'string'
  );
}
