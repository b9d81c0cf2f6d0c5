import type { AcceptedPost } from '../ingress/index.js';
import type { Store } from '../inbox/index.js';
import type { Worker } from '../runtime/index.js';
import type { createEventDispatcher } from '../events/index.js';
import type { MailWiring } from './mail.js';
import type { ReceiveResult } from './respond.js';

type EventDispatcher = ReturnType<typeof createEventDispatcher>;

/**
 * The Mailroom's three background loops under one lifecycle — the inbound worker, the outbox deliverer, the event
 * dispatcher — and the ingest that hands a just-stored email to the worker.
 */
export class BackgroundWork {
  readonly #store: Store;
  readonly #worker: Worker;
  readonly #mail: MailWiring;
  readonly #dispatcher: EventDispatcher;
  readonly #autoStart: boolean;
  #dispatcherWanted: boolean;
  #started = false;
  #stopped = false;

  constructor(parts: {
    store: Store;
    worker: Worker;
    mail: MailWiring;
    dispatcher: EventDispatcher;
    autoStart: boolean;
    dispatcherWanted: boolean;
  }) {
    this.#store = parts.store;
    this.#worker = parts.worker;
    this.#mail = parts.mail;
    this.#dispatcher = parts.dispatcher;
    this.#autoStart = parts.autoStart;
    this.#dispatcherWanted = parts.dispatcherWanted;
  }

  get started(): boolean {
    return this.#started;
  }

  get state(): 'idle' | 'running' | 'stopped' {
    return this.#started ? 'running' : this.#stopped ? 'stopped' : 'idle';
  }

  /**
   * Stores one post, parsed or not yet; with a slot free in this process's worker the row is born leased to it
   * (no claim, no re-read).
   */
  async ingest(post: AcceptedPost): Promise<ReceiveResult> {
    const reservation = this.#started ? this.#worker.reserve() : null;
    let result;
    try {
      result = await this.#store.inbox.ingest(post, reservation ? { lease: reservation } : {});
    } catch (error) {
      if (reservation) this.#worker.release(reservation);
      throw error;
    }
    const { id, duplicate, record } = result;
    this.autoStart();
    if (reservation && !duplicate) this.#worker.take(reservation, record, post.email, post.body);
    else {
      if (reservation) this.#worker.release(reservation);
      // No re-parse for the email just received (one accepted unparsed is parsed from its stored bytes).
      if (this.#started) this.#worker.kick(id, duplicate ? undefined : (post.email ?? undefined));
    }
    return { id, duplicate };
  }

  /** The first post starts the loops (`worker.autoStart`), but not after stop(): that is shutting down. */
  autoStart(): void {
    if (!this.#started && !this.#stopped && this.#autoStart) this.start();
  }

  /** Only a dispatcher with handlers (or the Event Webhook) claims events: another dispatcher may own them. */
  wantDispatcher(): void {
    if (this.#dispatcherWanted) return;
    this.#dispatcherWanted = true;
    if (this.#started) this.#dispatcher.start();
  }

  /** An Event Webhook batch committed: start the loops if they may, and wake the dispatcher (a no-op until started). */
  eventsStored(): void {
    this.autoStart();
    this.#dispatcher.kick();
  }

  /** Wakes the worker for a replayed email (or every due one). */
  kick(id?: string): void {
    if (this.#started) this.#worker.kick(id);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopped = false;
    this.#worker.start();
    this.#mail.deliverer?.start();
    if (this.#dispatcherWanted) this.#dispatcher.start();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stopped = true;
    // Handlers queue mail and mail causes events: stop in that order so nothing is left half-done.
    await this.#worker.stop();
    await this.#mail.deliverer?.stop();
    await this.#dispatcher.stop();
  }

  async drain(): Promise<void> {
    await this.#worker.drain();
    await this.#mail.deliverer?.drain();
    if (this.#dispatcherWanted) {
      await this.#dispatcher.drain();
      await this.#mail.deliverer?.drain();
    }
  }
}
