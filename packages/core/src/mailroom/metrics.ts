import { sql } from 'drizzle-orm';
import type { Context, MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { rowsOf, type InboxEvent } from '../inbox/index.js';
import type { Mailroom } from './mailroom.js';

export interface MailroomMetricsOptions {
  /** Where the metrics are registered (default a new Registry, so two Mailrooms in one process never clash). */
  registry?: Registry;
  /** Metric name prefix (default `mailroom_`). */
  prefix?: string;
}

export interface MailroomMetrics {
  readonly registry: Registry;
  /** Hono middleware counting webhook answers by status and reason: put it before `mailroom.app()`. */
  readonly observePosts: MiddlewareHandler;
  /** The Prometheus text exposition (`GET /metrics`): `app.get('/metrics', metrics.handler)`. */
  readonly handler: (c: Context) => Promise<Response>;
  /** Stops listening to the store's events. */
  close(): void;
}

/** Lifecycle events counted as processing outcomes (the rest count as `events_total` only). */
const OUTCOMES = new Set(['delivered', 'bounced', 'ignored', 'unrouted', 'failed']);

/**
 * Prometheus metrics through prom-client: posts answered (status, reason), emails stored and duplicated, processing
 * outcomes and handler durations (from the store's lifecycle events), and, read at scrape time, the queue depth,
 * the oldest pending email's age and the outbox backlog. Mount it where you want: nothing is served by default.
 *
 * @example
 * ```ts
 * const metrics = mailroomMetrics(mailroom);
 * app.use('/webhooks/sendgrid/*', metrics.observePosts);
 * app.route('/webhooks/sendgrid', mailroom.app());
 * app.get('/metrics', metrics.handler);            // behind your own auth or network policy
 * ```
 */
export function mailroomMetrics(
  mailroom: Pick<Mailroom, 'store'>,
  options: MailroomMetricsOptions = {},
): MailroomMetrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'mailroom_';
  const registers = [registry];
  const posts = new Counter({
    name: `${p}webhook_posts_total`,
    help: 'Webhook posts answered, by HTTP status and reason code',
    labelNames: ['status', 'reason'],
    registers,
  });
  const events = new Counter({
    name: `${p}inbound_events_total`,
    help: 'Inbound email lifecycle events (received, duplicate, routed, retry, replayed, …)',
    labelNames: ['event'],
    registers,
  });
  const outcomes = new Counter({
    name: `${p}processing_outcomes_total`,
    help: 'Emails processed, by outcome and route',
    labelNames: ['outcome', 'route'],
    registers,
  });
  const durations = new Histogram({
    name: `${p}handler_duration_seconds`,
    help: 'Time from claiming an email to its outcome (parse, route, handler, commit)',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const queue = new Gauge({
    name: `${p}inbound_queue_depth`,
    help: 'Inbound emails waiting or being processed, by status',
    labelNames: ['status'],
    registers,
  });
  const oldest = new Gauge({
    name: `${p}inbound_oldest_pending_age_seconds`,
    help: 'Age of the oldest pending inbound email (0 when none)',
    registers,
  });
  const backlog = new Gauge({
    name: `${p}outbox_backlog`,
    help: 'Outbound messages queued or sending',
    labelNames: ['status'],
    registers,
  });

  const unsubscribe = mailroom.store.onEvent((event: InboxEvent) => {
    events.inc({ event: event.event });
    if (!OUTCOMES.has(event.event)) return;
    outcomes.inc({ outcome: event.event, route: typeof event.route === 'string' ? event.route : '' });
    if (typeof event.durationMs === 'number') durations.observe({ outcome: event.event }, event.durationMs / 1000);
  });

  async function readQueues(): Promise<void> {
    const db = mailroom.store.db;
    const inbound = rowsOf<{ status: string; count: string | number; oldest: string | number | null }>(
      await db.execute(sql`select status, count(*) as count,
        extract(epoch from now() - min(received_at)) as oldest
        from mailroom.inbound_emails where status in ('pending', 'processing') group by status`),
    );
    queue.reset();
    queue.set({ status: 'pending' }, 0);
    queue.set({ status: 'processing' }, 0);
    oldest.set(0);
    for (const row of inbound) {
      queue.set({ status: row.status }, Number(row.count));
      if (row.status === 'pending' && row.oldest != null) oldest.set(Number(row.oldest));
    }
    const outbound = rowsOf<{ status: string; count: string | number }>(
      await db.execute(
        sql`select status, count(*) as count from mailroom.outbound_messages where status in ('queued', 'sending') group by status`,
      ),
    );
    backlog.reset();
    backlog.set({ status: 'queued' }, 0);
    backlog.set({ status: 'sending' }, 0);
    for (const row of outbound) backlog.set({ status: row.status }, Number(row.count));
  }

  const observePosts: MiddlewareHandler = async (c, next) => {
    await next();
    if (c.req.method !== 'POST') return;
    const status = c.res.status;
    posts.inc({ status: String(status), reason: status === 200 ? 'stored' : await reasonOf(c.res) });
  };

  return {
    registry,
    observePosts,
    async handler(c) {
      await readQueues();
      return c.body(await registry.metrics(), 200, {
        'content-type': registry.contentType,
        'cache-control': 'no-store',
      });
    },
    close: () => void unsubscribe(),
  };
}

/** The `error` code of a JSON rejection (`signature_invalid`, `body_too_large`, …), or `unknown`. */
async function reasonOf(response: Response): Promise<string> {
  try {
    const body = (await response.clone().json()) as { error?: unknown };
    return typeof body.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? body.error : 'unknown';
  } catch {
    return 'unknown';
  }
}
