/** The console's JSON API under `<base>/api` (documented in the package README). */
import { Hono, type Context } from 'hono';
import { RouteNameError, type InboundStatus } from '@mailroom/core';
import { EVENT_STATUSES, listEvents, type EventStatus } from '@mailroom/core/events';
import { INBOUND_STATUSES, whyNotReplayable } from '@mailroom/core/inbox';
import { listOutboundMessages, OUTBOUND_STATUSES, type OutboundStatus } from '@mailroom/core/outbound';
import { ComposeError, sendComposed, sendEml, type ComposeOutcome } from './compose.js';
import { inboundDetail, outboundDetail, outboundRow, recipientsOf } from './data.js';
import type { ConsoleOptions } from './console.js';
import { at } from './look/index.js';
import type { ComposeAttachment } from './posts.js';
import { isSimulatedEvent, simulatedEvent, SIMULATED_EVENTS } from './webhooks.js';

class BadRequest extends Error {}
class WebhooksOff extends Error {}

/** Why compose and simulated events answer 404 when the console was given no `webhooks` client. */
export const WEBHOOKS_OFF =
  'compose and simulated events are off: pass `webhooks: createWebhookClient({ … })` to mailroomConsole to post through your webhooks';

function limitOf(c: Context, max: number): number {
  const raw = c.req.query('limit');
  if (raw === undefined) return 50;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max)
    throw new BadRequest(`limit must be an integer from 1 to ${max}`);
  return limit;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  if (!allowed.includes(value as T)) throw new BadRequest(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? ''))
    throw new BadRequest('send Content-Type: application/json');
  const body: unknown = await c.req.json().catch(() => {
    throw new BadRequest('the body is not valid JSON');
  });
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('expected a JSON object');
  return body as Record<string, unknown>;
}

function attachmentsOf(value: unknown): ComposeAttachment[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new BadRequest('attachments must be an array');
  return value.map((item, i) => {
    const a = item as { filename?: unknown; contentType?: unknown; content?: unknown };
    if (typeof a?.filename !== 'string' || typeof a.content !== 'string') {
      throw new BadRequest(`attachments[${i}] needs filename and content (base64)`);
    }
    return {
      filename: a.filename,
      ...(typeof a.contentType === 'string' ? { contentType: a.contentType } : {}),
      content: Buffer.from(a.content, 'base64'),
    };
  });
}

function composeAnswer(c: Context, result: ComposeOutcome) {
  if (result.id)
    return c.json(
      { id: result.id, duplicate: result.duplicate, url: at(`/inbox/${result.id}`), webhook: result.answer },
      201,
    );
  const status = result.answer.status >= 400 && result.answer.status < 500 ? 422 : 502;
  return c.json(
    { error: 'webhook_refused', reason: `the webhook answered ${result.answer.status}`, webhook: result.answer },
    status,
  );
}

export function createConsoleApi(options: ConsoleOptions & { routeNames: () => string[] }): Hono {
  const { store, mailroom } = options;
  const webhooks = () => {
    if (!options.webhooks) throw new WebhooksOff(WEBHOOKS_OFF);
    return options.webhooks;
  };
  const api = new Hono();
  api.onError((error, c) => {
    if (error instanceof BadRequest || error instanceof ComposeError)
      return c.json({ error: 'bad_request', reason: error.message }, 400);
    if (error instanceof WebhooksOff) return c.json({ error: 'compose_off', reason: error.message }, 404);
    if (error instanceof RouteNameError)
      return c.json({ error: 'unknown_route', reason: error.message, routes: options.routeNames() }, 400);
    throw error;
  });

  api.get('/inbound', async (c) => {
    const status = oneOf<InboundStatus>(c.req.query('status'), INBOUND_STATUSES, 'status');
    const q = c.req.query('q');
    const before = c.req.query('before');
    const items = await store.inbox.list({
      limit: limitOf(c, 1000),
      ...(status ? { status } : {}),
      ...(q ? { search: q } : {}),
      ...(before ? { before } : {}),
    });
    return c.json({ items });
  });

  api.get('/inbound/:id', async (c) => {
    const detail = await inboundDetail(store, c.req.param('id'), options.ownDomains);
    if (!detail) return c.json({ error: 'not_found', reason: 'no inbound email with that id' }, 404);
    return c.json({
      record: detail.record,
      email: detail.email?.toJSON() ?? null,
      loadError: detail.loadError,
      authVerdict: detail.analysis?.verdict ?? null,
      classification: detail.analysis?.classification ?? null,
      reply: detail.analysis?.reply ?? null,
    });
  });

  api.post('/inbound/:id/replay', async (c) => {
    const body = c.req.header('content-type') ? await jsonBody(c) : {};
    if (body.route !== undefined && typeof body.route !== 'string') throw new BadRequest('route must be a string');
    const route = body.route as string | undefined;
    const replayed = await mailroom.replay(c.req.param('id'), route ? { route } : {});
    if (replayed === 0) {
      const record = await store.inbox.get(c.req.param('id'));
      return c.json(
        { error: record ? 'not_replayable' : 'not_found', reason: whyNotReplayable(record) },
        record ? 409 : 404,
      );
    }
    return c.json({ replayed, route: route ?? null });
  });

  api.post('/replay', async (c) => {
    const body = await jsonBody(c);
    const route = typeof body.route === 'string' ? body.route : undefined;
    let replayed: number;
    if (typeof body.id === 'string') replayed = await mailroom.replay(body.id, route ? { route } : {});
    else {
      const status = oneOf<InboundStatus>(
        typeof body.status === 'string' ? body.status : undefined,
        INBOUND_STATUSES,
        'status',
      );
      if (!status) throw new BadRequest('give id (one email) or status (every email with that status)');
      replayed = await mailroom.replay({ status }, route ? { route } : {});
    }
    return c.json({ replayed, route: route ?? null });
  });

  api.post('/compose', async (c) => {
    const body = await jsonBody(c);
    const target = { webhooks: webhooks(), providers: options.providers };
    if (typeof body.eml === 'string')
      return composeAnswer(c, await sendEml(target, Buffer.from(body.eml, 'utf8'), body));
    return composeAnswer(c, await sendComposed(target, body, attachmentsOf(body.attachments), options.sample));
  });

  api.get('/outbox', async (c) => {
    const status = oneOf<OutboundStatus>(c.req.query('status'), OUTBOUND_STATUSES, 'status');
    const before = c.req.query('before');
    const items = await listOutboundMessages(store.db, {
      limit: limitOf(c, 500),
      ...(status ? { status } : {}),
      ...(before ? { before } : {}),
    });
    return c.json({ items });
  });

  api.get('/outbox/:id', async (c) => {
    const detail = await outboundDetail(store, c.req.param('id'));
    if (!detail) return c.json({ error: 'not_found', reason: 'no outbox message with that id' }, 404);
    return c.json({ message: detail.message, delivery: detail.delivery, events: detail.events });
  });

  api.post('/outbox/:id/events', async (c) => {
    const message = await outboundRow(store, c.req.param('id'));
    if (!message) return c.json({ error: 'not_found', reason: 'no outbox message with that id' }, 404);
    const body = await jsonBody(c);
    if (!isSimulatedEvent(body.event)) throw new BadRequest(`event must be one of ${SIMULATED_EVENTS.join(', ')}`);
    const recipients = recipientsOf(message);
    if (body.email !== undefined && (typeof body.email !== 'string' || !recipients.includes(body.email))) {
      throw new BadRequest(`email must be a recipient of the message: ${recipients.join(', ')}`);
    }
    const event = simulatedEvent(body.event, message, (body.email as string | undefined) ?? recipients[0]!);
    const answer = await webhooks().postEvents([event]);
    return c.json({ event, webhook: answer }, answer.status < 300 ? 201 : 502);
  });

  api.get('/events', async (c) => {
    const status = oneOf<EventStatus>(c.req.query('status'), EVENT_STATUSES, 'status');
    const event = c.req.query('event');
    const items = await listEvents(store.db, {
      limit: limitOf(c, 1000),
      ...(status ? { status } : {}),
      ...(event ? { event } : {}),
    });
    return c.json({ items });
  });

  return api;
}
