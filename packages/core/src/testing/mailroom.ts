import { Hono } from 'hono';
import { startServer } from '../http/index.js';
import { createMailroom, type Mailroom, type MailroomMailOptions, type MailroomOptions } from '../mailroom/index.js';
import type { PreparedMessage, Transport } from '../outbound/index.js';
import { eventWebhookRequest } from './events.js';
import { TEST_KEY_PAIR } from './keys.js';
import { inboundRequest, type InboundRequestOptions, type PostSource } from './request.js';
import { createTestStore, type TestStore } from './store.js';

export interface TestMailroomOptions<E extends object = {}> extends Omit<
  MailroomOptions<E>,
  'store' | 'security' | 'mail' | 'eventsSecurity'
> {
  /** Default: a fresh `createTestStore()` (closed again by `close()`). */
  store?: TestStore;
  /** Outbound mail; the transport is always the capturing one. Default `{ from: 'mailroom@example.test' }`. */
  mail?: Omit<MailroomMailOptions, 'transport'>;
  /** How many messages the capturing transport takes per call (default 1; 1000 to see SendGrid-sized batches). */
  maxBatchSize?: number;
}

export interface TestMailroom<E extends object = {}> {
  readonly mailroom: Mailroom<E>;
  readonly store: TestStore;
  /**
   * The server's root app: the Mailroom answers at `/webhooks/sendgrid/parse` and `/webhooks/sendgrid/events`.
   * Mount the app under test here (`t.app.route('/blog', blog.web)`) before the first request.
   */
  readonly app: Hono;
  /** The server's origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every message the Mailroom's deliverer handed to the transport, oldest first. */
  readonly sent: PreparedMessage[];
  /** Every transport call (one SendGrid request each). */
  readonly batches: PreparedMessage[][];
  /** Posts like SendGrid's Inbound Parse (signed with TEST_KEY_PAIR) over HTTP, then drains. */
  post(source: PostSource, options?: InboundRequestOptions): Promise<Response>;
  /** Sends any request to the server, then drains. */
  postRaw(request: Request): Promise<Response>;
  /** Posts signed Event Webhook events, then drains. */
  postEvents(events: ReadonlyArray<Record<string, unknown>>): Promise<Response>;
  /** Runs `mailroom.drain()` (inbound, outbox, events) and then what `alsoDrain` added. */
  drain(): Promise<void>;
  /** Work of the app's own that `drain()` should also wait for (a fan-out loop). */
  alsoDrain(fn: () => Promise<void>): void;
  /** Stops the server and the Mailroom, then closes the store (if it created it). */
  close(): Promise<void>;
}

/**
 * A Mailroom on a test store behind a real HTTP server, for end-to-end tests of an app: outbound mail
 * goes through the real outbox and deliverer to a transport that keeps what it was handed. Inbound Parse
 * and the Event Webhook are verified with `TEST_KEY_PAIR`; the worker does not start by itself, so
 * `post()`/`drain()` decide when mail is processed.
 *
 * @example
 * ```ts
 * const t = await createTestMailroom({ mail: { from: 'Blog <blog@blog.example.com>' } });
 * const blog = await createBlogApp({ mailroom: t.mailroom, store: t.store, config });
 * t.app.route('/blog', blog.web);
 * await t.post({ from: 'ann@example.com', to: 'post@blog.example.com', subject: 'Hello' });
 * expect(t.sent[0]?.subject).toBe('Published: Hello');
 * await t.close();
 * ```
 */
export async function createTestMailroom<E extends object = {}>(
  options: TestMailroomOptions<E> = {},
): Promise<TestMailroom<E>> {
  const { store: givenStore, mail, maxBatchSize = 1, ...mailroomOptions } = options;
  const store = givenStore ?? (await createTestStore());
  const sent: PreparedMessage[] = [];
  const batches: PreparedMessage[][] = [];
  const transport: Transport = {
    name: 'capture',
    maxBatchSize,
    async deliver(batch) {
      batches.push([...batch]);
      sent.push(...batch);
      return { providerMessageId: `capture-${batches.length}` };
    },
  };
  const mailroom = createMailroom<E>({
    ...mailroomOptions,
    store,
    security: { publicKeys: [TEST_KEY_PAIR.publicKey] },
    eventsSecurity: { publicKeys: [TEST_KEY_PAIR.publicKey] },
    worker: { autoStart: false, ...mailroomOptions.worker },
    mail: { from: 'mailroom@example.test', ...mail, transport },
  });
  const app = new Hono();
  app.route('/webhooks/sendgrid', mailroom.app());
  const server = await startServer((request) => app.fetch(request), { hostname: '127.0.0.1' });
  const extraDrains: Array<() => Promise<void>> = [];

  async function drain(): Promise<void> {
    await mailroom.drain();
    for (const fn of extraDrains) await fn();
  }
  async function postRaw(request: Request): Promise<Response> {
    const response = await fetch(request);
    await drain();
    return response;
  }

  return {
    mailroom,
    store,
    app,
    url: server.url,
    sent,
    batches,
    post: (source, requestOptions = {}) =>
      postRaw(
        inboundRequest(source, {
          sign: TEST_KEY_PAIR,
          url: `${server.url}/webhooks/sendgrid/parse`,
          ...requestOptions,
        }),
      ),
    postRaw,
    postEvents: (events) =>
      postRaw(eventWebhookRequest(events, { sign: TEST_KEY_PAIR, url: `${server.url}/webhooks/sendgrid/events` })),
    drain,
    alsoDrain(fn) {
      extraDrains.push(fn);
    },
    async close() {
      await server.close();
      await mailroom.stop();
      if (!givenStore) await store.close();
    },
  };
}
