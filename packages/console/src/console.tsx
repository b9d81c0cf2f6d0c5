/**
 * `mailroomConsole(options)`: the developer console as a Hono sub-app — Inbox, Compose, Outbox, Events, and a JSON API
 * under `<base>/api`. Compose and simulated events go through your server's real webhook endpoints, signed.
 */
import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { RouteNameError, type Mailroom, type InboundStatus, type Store } from '@mailroom/core';
import { listEvents } from '@mailroom/core/events';
import { INBOUND_STATUSES, whyNotReplayable } from '@mailroom/core/inbox';
import { listOutboundMessages } from '@mailroom/core/outbound';
import { WEBHOOKS_OFF, createConsoleApi } from './api.js';
import { consoleAuthMiddleware, type ConsoleAuth } from './auth.js';
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
import { htmlPreviewResponse } from './html-preview.js';
import { rawSourceOf } from './raw-source/index.js';
import { InboxDetail, InboxList } from './inbox-views.js';
import { ErrorPage, at, consoleAssets, consoleBase, type HostLink } from './look/index.js';
import { EventsPage, OutboxDetail, OutboxList } from './outbox-views.js';
import { composeQuery, replyValues } from './reply.js';
import { isSimulatedEvent, simulatedEvent, type WebhookClient } from './webhooks.js';
import type { ComposeAttachment } from './posts.js';
import { checkedProviders, composeProviders, providerUrl, type ConsoleProviders } from './providers.js';

export interface MailroomConsoleOptions {
  /** The store the Mailroom uses (the console reads the inbox, outbox and events from it). */
  store: Store;
  // Any extension type: the console only replays and lists route names.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  mailroom: Mailroom<any>;
  /**
   * Required: your middleware, `{ username, password }` (built-in HTTP Basic, throttled), or `'development'`
   * (open; refused with NODE_ENV=production). Missing → ConsoleConfigurationError.
   */
  auth: ConsoleAuth;
  /** Posts compose and simulated events through your webhooks (`createWebhookClient`); without, both are off. */
  webhooks?: WebhookClient | null;
  /**
   * The other providers' endpoints you mounted, which Compose can post as besides SendGrid (the default): where
   * each is (`url`, a path on the server; default `/webhooks/postmark/inbound`, `/webhooks/mailgun/mime`,
   * `/webhooks/raw`) and the credential it takes. Each post is that provider's real request, sent through `webhooks`.
   */
  providers?: ConsoleProviders;
  /** Known addresses (compose suggestions). */
  addresses?: Array<{ address: string; app: string }>;
  /** Your mail domains (classification treats mail from them as yours). */
  ownDomains?: string[];
  /** How compose posts are authenticated, for the compose page's explanation. */
  signing?: string;
  /** A file compose offers to attach with one checkbox (the demo's sample photo). */
  sample?: ComposeAttachment;
  /** Links of your app shown above the console's bar. */
  links?: HostLink[];
  /** Where the console is mounted, when Hono cannot tell (Express strips the mount path; a mount path with params). */
  basePath?: string;
  /** Origins whose form posts are accepted (default: the request's own origin; set your public one behind a proxy). */
  origin?: string | string[];
}

/** The options with their defaults, as the pages and the API read them. */
export interface ConsoleOptions extends Omit<MailroomConsoleOptions, 'sample' | 'webhooks' | 'providers'> {
  webhooks: WebhookClient | null;
  providers: ConsoleProviders;
  addresses: Array<{ address: string; app: string }>;
  ownDomains: string[];
  signing: string;
  sample: ComposeAttachment | null;
}

const PAGE = 50;
const PREVIEW_PATH = /\/(?:inbox|outbox)\/[^/]+\/html$/;

/**
 * The console's policy: nothing from elsewhere, styles and images from itself only, no script at all, never framed
 * (its own HTML previews excepted, which are framed by the console and carry their own, stricter policy).
 */
const CSP = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  frameSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

export function mailroomConsole(input: MailroomConsoleOptions): Hono {
  const auth = consoleAuthMiddleware(input.auth);
  const options: ConsoleOptions = {
    ...input,
    webhooks: input.webhooks ?? null,
    providers: checkedProviders(input.providers, Boolean(input.webhooks)),
    addresses: input.addresses ?? [],
    ownDomains: input.ownDomains ?? [],
    signing: input.signing ?? 'signed with the key you gave createWebhookClient',
    sample: input.sample ?? null,
  };
  const { mailroom } = options;
  const app = new Hono();
  app.use(consoleBase(input.basePath, input.links ?? []));
  if (auth) app.use(auth);
  const pageHeaders = secureHeaders({
    xFrameOptions: 'DENY',
    contentSecurityPolicy: CSP,
    referrerPolicy: 'same-origin',
  });
  // An HTML preview carries its own headers (its sandboxing CSP, framed by the console): nothing may loosen them.
  app.use((c, next) => (PREVIEW_PATH.test(c.req.path) ? next() : pageHeaders(c, next)));
  app.use(csrf(input.origin ? { origin: input.origin } : {}));
  app.route('/', consoleAssets());

  const routeNames = () => [
    ...mailroom.router.routes.map((r: { name: string }) => r.name),
    ...(mailroom.router.fallbackRoute ? ['fallback'] : []),
  ];

  app.route('/api', createConsoleApi({ ...options, routeNames }));
  app.get('/', (c) => c.redirect(at('/inbox')));
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

/** <base>/inbox: the list, one email in full, its stored bytes and attachments, replay and reroute. */
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
    const raw = detail.record.incineratedAt ? null : await store.inbox.loadPost(detail.record.id);
    const flash = c.req.query('sent')
      ? 'Posted through the webhook.'
      : c.req.query('replayed')
        ? 'Queued again.'
        : null;
    const source = raw ? await rawSourceOf(raw.body, raw.contentType) : null;
    return c.html(<InboxDetail detail={detail} routes={routeNames()} source={source} flash={flash} />);
  });

  // The HTML part on its own URL, framed by the detail page: sanitized, and sandboxed by its own CSP.
  app.get('/:id/html', async (c) => {
    const detail = await inboundDetail(store, c.req.param('id'), ownDomains);
    if (!detail?.email?.html) return notFound(c, 'No HTML part.');
    return htmlPreviewResponse(detail.email.html);
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
      if (count === 0) {
        // The same reason `mailroom replay` prints: unknown, incinerated, or being processed.
        const record = await store.inbox.get(c.req.param('id'));
        const reason = `Not replayed: ${whyNotReplayable(record)}.`;
        return c.html(<Message title="Cannot replay" text={reason} status={record ? 409 : 404} />, record ? 409 : 404);
      }
    } catch (error) {
      if (error instanceof RouteNameError) return c.html(<Message title="Cannot reroute" text={error.message} />, 400);
      throw error;
    }
    return c.redirect(at(`/inbox/${c.req.param('id')}?replayed=1`), 303);
  });
  return app;
}

/** <base>/compose: the form, and posting it (or a pasted .eml) through the real webhook. */
function composePages(options: ConsoleOptions): Hono {
  const { webhooks } = options;
  const app = new Hono();
  const composePage = (
    c: Context,
    values: ComposeFormValues,
    error: string | null = null,
    status: 200 | 400 | 401 | 403 | 404 | 413 | 422 | 502 = 200,
  ) =>
    c.html(
      <ComposePage
        values={values}
        addresses={options.addresses}
        error={error ?? (webhooks ? null : WEBHOOKS_OFF)}
        signing={options.signing}
        sample={options.sample?.filename ?? null}
        providers={composeProviders(options.providers).map((name) => ({
          name,
          endpoint: name === 'sendgrid' ? null : providerUrl(options.providers, name),
        }))}
      />,
      status,
    );
  // The form again with the webhook's refusal or the compose mistake; the stored email's page once it was accepted.
  const answer = async (c: Context, values: ComposeFormValues, send: () => Promise<ComposeOutcome>) => {
    try {
      const result = await send();
      if (!result.id)
        return composePage(c, values, describeRefusal(result.answer), webhookStatus(result.answer.status));
      return c.redirect(at(`/inbox/${result.id}?sent=1`), 303);
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
    if (!webhooks) return composePage(c, values, WEBHOOKS_OFF, 404);
    const files = await filesOf(form.attachments);
    return answer(c, values, async () =>
      sendComposed({ webhooks, providers: options.providers }, form, files, options.sample),
    );
  });

  app.post('/eml', async (c) => {
    const form = await c.req.parseBody();
    const file = form.file instanceof File && form.file.size > 0 ? Buffer.from(await form.file.arrayBuffer()) : null;
    const pasted =
      typeof form.eml === 'string' ? Buffer.from(form.eml.replace(/\r?\n/g, '\r\n'), 'utf8') : Buffer.alloc(0);
    const values = { ...EMPTY_COMPOSE, provider: typeof form.provider === 'string' ? form.provider : '' };
    if (!webhooks) return composePage(c, values, WEBHOOKS_OFF, 404);
    return answer(c, values, () => sendEml({ webhooks, providers: options.providers }, file ?? pasted, form));
  });
  return app;
}

/** <base>/outbox: what the apps sent, one message in full, "reply as recipient" and simulated events. */
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

  app.get('/:id/html', async (c) => {
    const message = await outboundRow(store, c.req.param('id'));
    if (!message?.html) return notFound(c, 'No HTML part.');
    return htmlPreviewResponse(message.html);
  });

  app.get('/:id/reply', async (c) => {
    const message = await outboundRow(store, c.req.param('id'));
    if (!message) return notFound(c, 'No outbox message with that id.');
    return c.redirect(at(`/compose?${composeQuery(replyValues(message, EMPTY_COMPOSE, c.req.query('as')))}`), 303);
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
    if (!webhooks) return c.html(<Message title="Simulated events are off" text={WEBHOOKS_OFF} status={404} />, 404);
    const answer = await webhooks.postEvents([simulatedEvent(form.event, message, recipient)]);
    const query =
      answer.status < 300 ? `simulated=${form.event}` : `error=${encodeURIComponent(describeRefusal(answer))}`;
    return c.redirect(at(`/outbox/${message.id}?${query}`), 303);
  });
  return app;
}

function Message(props: { title: string; text: string; status?: number }) {
  return <ErrorPage status={props.status ?? 400} title={props.title} message={props.text} />;
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
