import { isPermanentFailure, UnprocessableEmailError, type InboundEmail } from '../message/index.js';
import { InboundEmailNotFoundError, isUnavailableError, type ClaimedInbound, type Store } from '../inbox/index.js';

/** Parsed emails kept for kick(); beyond this the oldest are dropped (and loaded from storage when claimed). */
const MAX_FRESH = 256;

/** A claimed email, or one handed over born leased with the email the webhook parsed. */
export interface Claimed extends ClaimedInbound {
  /** Already parsed (an email the webhook just stored leased to this worker). */
  email?: InboundEmail;
}

/**
 * Where the worker gets the email it processes: handed over already parsed (born leased, or kicked right after
 * its ingest committed), the bytes the claim brought, or the stored bytes loaded and parsed again.
 */
export class EmailSource {
  // Emails just parsed by the ingress, handed over with kick(): processing them right after commit needs no blob
  // read and no second parse. Bounded; anything not found here is loaded from the stored bytes.
  readonly #fresh = new Map<string, InboundEmail>();
  // Behind a backlog, claims return older emails than the ones kicked: keeping those parsed only costs memory, and
  // claiming without bytes would cost a load per email. Set when a claim missed `fresh`, cleared when a claim found
  // less than it asked for (caught up).
  #behind = false;
  readonly #store: Store;
  readonly #parse: (body: Buffer, contentType: string) => Promise<InboundEmail>;

  constructor(store: Store, parse?: (body: Buffer, contentType: string) => Promise<InboundEmail>) {
    this.#store = store;
    this.#parse = parse ?? ((body, contentType) => store.inbox.parseStored(body, contentType));
  }

  /** Keeps the email the ingress just parsed for the claim that will find it (unless behind a backlog). */
  remember(id: string, email: InboundEmail): void {
    if (this.#behind) return;
    this.#fresh.set(id, email);
    if (this.#fresh.size > MAX_FRESH) this.#fresh.delete(this.#fresh.keys().next().value!);
  }

  /**
   * Whether a claim should bring the stored bytes (database blobs): while emails handed over by kick() wait, the
   * rows claimed are most likely those, so no bytes then (a miss loads them separately).
   */
  get claimWithBodies(): boolean {
    return this.#store.blobs.kind === 'database' && (this.#fresh.size === 0 || this.#behind);
  }

  /** Notes what a claim of `asked` rows found: behind a backlog, or caught up. */
  claimed(rows: readonly ClaimedInbound[], asked: number): void {
    if (rows.length < asked) this.#behind = false;
    else if (rows.some(({ record }) => !this.#fresh.has(record.id))) {
      this.#behind = true;
      this.#fresh.clear();
    }
  }

  /** The exact bytes SendGrid posted: from the claim when it brought them, else from storage. */
  async storedBody({ record, body }: Claimed): Promise<Buffer> {
    if (body) return body;
    const post = await this.#store.inbox.loadPost(record.id);
    if (!post)
      throw new InboundEmailNotFoundError(`no stored bytes for inbound email ${record.id} (unknown or incinerated)`);
    return post.body;
  }

  /** The email to process; stored bytes that cannot be parsed now never will be (permanent), an outage is retried. */
  async emailOf(claimed: Claimed): Promise<InboundEmail> {
    if (claimed.email) return claimed.email;
    const fresh = this.#fresh.get(claimed.record.id);
    this.#fresh.delete(claimed.record.id);
    if (fresh) return fresh;
    let bytes: Buffer;
    try {
      bytes = await this.storedBody(claimed);
    } catch (error) {
      if (error instanceof InboundEmailNotFoundError)
        throw new UnprocessableEmailError(error.message, { cause: error });
      throw error;
    }
    try {
      return await this.#parse(bytes, claimed.record.contentType);
    } catch (error) {
      if (isUnavailableError(error) || isSystemError(error) || isPermanentFailure(error)) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new UnprocessableEmailError(`the stored post cannot be parsed: ${detail}`, { cause: error });
    }
  }
}

/** A Node.js system error (ENOSPC, EMFILE, ENOMEM…): the machine's trouble, not the email's. */
function isSystemError(error: unknown): boolean {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  return typeof code === 'string' && typeof syscall === 'string';
}
