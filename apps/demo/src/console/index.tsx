/**
 * The developer console at /console: Inbox, Compose, Outbox, Events, and a JSON API under /console/api.
 * Everything it sends goes through the server's real webhook endpoints, signed with the development keys.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { ErrorPage, kitAssets } from '@mailroom/app-kit';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { RouteNameError, type Mailroom, type InboundStatus, type Store } from '@mailroom/core';
import { listEvents } from '@mailroom/core/events';
import { INBOUND_STATUSES } from '@mailroom/core/inbox';
import { listOutboundMessages } from '@mailroom/core/outbound';
import { createConsoleApi } from './api.js';
import {
  ComposeError,
  composeValuesFrom,
  describeRefusal,
  sendComposed,
  sendEml,
  type ComposeOutcome,
} from './compose.js';
import { ComposePage, EMPTY_COMPOSE, type ComposeFormValues } from './compose-views.js';
import { inboundDetail, outboundDetail, outboundRow, recipientsOf } from './data.js';
import { InboxDetail, InboxList } from './inbox-views.js';
import { CONSOLE_APP } from './layout.js';
import { EventsPage, OutboxDetail, OutboxList } from './outbox-views.js';
import { composeQuery, replyValues } from './reply.js';
import { isSimulatedEvent, simulatedEvent, type WebhookClient } from './webhooks.js';
import type { ComposeAttachment } from './posts.js';

export interface ConsoleOptions {
  store: Store;
  mailroom: Mailroom<object>;
  webhooks: WebhookClient;
  /** Known addresses (compose suggestions). */
  addresses: Array<{ address: string; app: string }>;
  /** Our mail domains (classification treats mail from them as ours). */
  ownDomains: string[];
  /** How compose posts are authenticated, for the page's explanation. */
  signing: string;
  /** The throttled basic auth protecting the console (`consoleAuth`); null = open (development without CONSOLE_PASSWORD). */
  auth: MiddlewareHandler | null;
}

const PAGE = 50;

export function createConsole(options: ConsoleOptions): Hono {
  const { mailroom } = options;
  const app = new Hono();
  if (options.auth) app.use(options.auth);
  app.use(secureHeaders({ xFrameOptions: 'DENY' }));
  app.use(csrf());
  app.route('/', kitAssets());

  const routeNames = () => [
    ...mailroom.router.routes.map((r) => r.name),
    ...(mailroom.router.fallbackRoute ? ['fallback'] : []),
  ];

  app.route('/api', createConsoleApi({ ...options, routeNames }));
  app.get('/', (c) => c.redirect('/console/inbox'));
  app.route('/inbox', inboxPages(options, routeNames));
  app.route('/compose', composePages(options));
  app.route('/outbox', outboxPages(options));
  app.get('/events', async (c) => {
    const kind = c.req.query('event') ?? '';
    const events = await listEvents(options.store.db, { ...(kind ? { event: kind } : {}), limit: 200 });
    return c.html(<EventsPage events={events} kind={kind} />);
  });
  return app;
}

/** /console/inbox: the list, one email in full, its stored bytes and attachments, replay and reroute. */
function inboxPages({ store, mailroom, ownDomains }: ConsoleOptions, routeNames: () => string[]): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const status = c.req.query('status') ?? '';
    const q = c.req.query('q') ?? '';
    const before = c.req.query('before');
    const records = await store.inbox.list({
      ...(INBOUND_STATUSES.includes(status as InboundStatus) ? { status: status as InboundStatus } : {}),
      ...(q ? { search: q } : {}),
      ...(before ? { before } : {}),
      limit: PAGE,
    });
    return c.html(
      <InboxList
        records={records}
        status={status}
        q={q}
        olderThan={records.length === PAGE ? records.at(-1)!.id : null}
      />,
    );
  });

  app.get('/:id', async (c) => {
    const detail = await inboundDetail(store, c.req.param('id'), ownDomains);
    if (!detail) return notFound(c, 'No inbound email with that id.');
    const raw = await store.inbox.loadPost(detail.record.id);
    const flash = c.req.query('sent')
      ? 'Posted through the webhook.'
      : c.req.query('replayed')
        ? 'Queued again.'
        : null;
    return c.html(<InboxDetail detail={detail} routes={routeNames()} rawPost={raw?.body ?? null} flash={flash} />);
  });

  app.get('/:id/raw', async (c) => {
    const post = await store.inbox.loadPost(c.req.param('id'));
    if (!post) return notFound(c, 'No stored post with that id (unknown or incinerated).');
    return c.body(new Uint8Array(post.body), 200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="inbound-${c.req.param('id')}.multipart"`,
      'x-original-content-type': post.contentType,
    });
  });

  app.get('/:id/attachments/:index', async (c) => {
    const detail = await inboundDetail(store, c.req.param('id'), ownDomains);
    const attachment = detail?.email?.attachments[Number(c.req.param('index'))];
    if (!attachment) return notFound(c, 'No such attachment.');
    // Always a download, never rendered in the console's origin.
    return c.body(new Uint8Array(await attachment.content()), 200, {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${attachment.storageName}"`,
      'x-content-type-options': 'nosniff',
    });
  });

  app.post('/:id/replay', async (c) => {
    const form = await c.req.parseBody();
    const route = typeof form.route === 'string' && form.route ? form.route : undefined;
    try {
      const count = await mailroom.replay(c.req.param('id'), route ? { route } : {});
      if (count === 0) return notFound(c, 'No inbound email with that id.');
    } catch (error) {
      if (error instanceof RouteNameError) return c.html(<Message title="Cannot reroute" text={error.message} />, 400);
      throw error;
    }
    return c.redirect(`/console/inbox/${c.req.param('id')}?replayed=1`, 303);
  });
  return app;
}

/** /console/compose: the form, and posting it (or a pasted .eml) through the real webhook. */
function composePages(options: ConsoleOptions): Hono {
  const { webhooks } = options;
  const app = new Hono();
  const composePage = (
    c: Context,
    values: ComposeFormValues,
    error: string | null = null,
    status: 200 | 400 | 401 | 403 | 413 | 422 | 502 = 200,
  ) =>
    c.html(
      <ComposePage values={values} addresses={options.addresses} error={error} signing={options.signing} />,
      status,
    );
  // The form again with the webhook's refusal or the compose mistake; the stored email's page once it was accepted.
  const answer = async (c: Context, values: ComposeFormValues, send: () => Promise<ComposeOutcome>) => {
    try {
      const result = await send();
      if (!result.id)
        return composePage(c, values, describeRefusal(result.answer), webhookStatus(result.answer.status));
      return c.redirect(`/console/inbox/${result.id}?sent=1`, 303);
    } catch (error) {
      if (error instanceof ComposeError) return composePage(c, values, error.message, 400);
      throw error;
    }
  };

  app.get('/', (c) => composePage(c, composeValuesFrom(c.req.query(), EMPTY_COMPOSE)));

  app.post('/', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const values = composeValuesFrom(
      Object.fromEntries(Object.entries(form).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])),
      EMPTY_COMPOSE,
    );
    return answer(c, values, async () => sendComposed(webhooks, form, await filesOf(form.attachments)));
  });

  app.post('/eml', async (c) => {
    const form = await c.req.parseBody();
    const file = form.file instanceof File && form.file.size > 0 ? Buffer.from(await form.file.arrayBuffer()) : null;
    const pasted =
      typeof form.eml === 'string' ? Buffer.from(form.eml.replace(/\r?\n/g, '\r\n'), 'utf8') : Buffer.alloc(0);
    return answer(c, EMPTY_COMPOSE, () => sendEml(webhooks, file ?? pasted, form.envelope));
  });
  return app;
}

/** /console/outbox: what the apps sent, one message in full, "reply as recipient" and simulated events. */
function outboxPages({ store, webhooks }: ConsoleOptions): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const before = c.req.query('before');
    const rows = await listOutboundMessages(store.db, { limit: PAGE, ...(before ? { before } : {}) });
    return c.html(<OutboxList messages={rows} olderThan={rows.length === PAGE ? rows.at(-1)!.id : null} />);
  });

  app.get('/:id', async (c) => {
    const detail = await outboundDetail(store, c.req.param('id'));
    if (!detail) return notFound(c, 'No outbox message with that id.');
    const flash = c.req.query('simulated')
      ? `Posted a signed "${c.req.query('simulated')}" event to the Event Webhook.`
      : null;
    return c.html(<OutboxDetail detail={detail} flash={flash} error={c.req.query('error') ?? null} />);
  });

  app.get('/:id/reply', async (c) => {
    const message = await outboundRow(store, c.req.param('id'));
    if (!message) return notFound(c, 'No outbox message with that id.');
    return c.redirect(`/console/compose?${composeQuery(replyValues(message, EMPTY_COMPOSE, c.req.query('as')))}`, 303);
  });

  app.post('/:id/events', async (c) => {
    const message = await outboundRow(store, c.req.param('id'));
    if (!message) return notFound(c, 'No outbox message with that id.');
    const form = await c.req.parseBody();
    if (!isSimulatedEvent(form.event))
      return c.html(<Message title="Unknown event" text="Choose one of the listed events." />, 400);
    const recipient =
      typeof form.email === 'string' && recipientsOf(message).includes(form.email)
        ? form.email
        : recipientsOf(message)[0]!;
    const answer = await webhooks.postEvents([simulatedEvent(form.event, message, recipient)]);
    const query =
      answer.status < 300 ? `simulated=${form.event}` : `error=${encodeURIComponent(describeRefusal(answer))}`;
    return c.redirect(`/console/outbox/${message.id}?${query}`, 303);
  });
  return app;
}

function Message(props: { title: string; text: string; status?: number }) {
  return <ErrorPage app={CONSOLE_APP} status={props.status ?? 400} title={props.title} message={props.text} />;
}

function notFound(c: Context, text: string) {
  return c.html(<Message title="Not found" text={text} status={404} />, 404);
}

/** The webhook's own 4xx goes back to the form as is; its 5xx is a bad gateway from the console's view. */
function webhookStatus(status: number): 400 | 401 | 403 | 413 | 422 | 502 {
  return status === 401 || status === 403 || status === 413 ? status : status >= 500 ? 502 : status >= 400 ? 422 : 502;
}

async function filesOf(value: unknown): Promise<ComposeAttachment[]> {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const files = list.filter((f): f is File => f instanceof File && f.size > 0);
  return Promise.all(
    files.map(async (f) => ({
      filename: f.name,
      ...(f.type ? { contentType: f.type } : {}),
      content: Buffer.from(await f.arrayBuffer()),
    })),
  );
}
