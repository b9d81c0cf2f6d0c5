import type { AppKit } from '@mailroom/app-kit';
import { Hono } from 'hono';
import type { ResolvedConfig } from '../config.js';
import { ActionError, parseStatus, parseTicketNumber, replyAsAgent, updateTicket } from '../domain/actions.js';
import { agentByEmail, listAgents } from '../domain/agents.js';
import { listTickets, ticketConversation, type QueueFilter } from '../domain/tickets.js';
import type { Message, Ticket } from '../db/schema.js';
import type { SupportServices } from '../domain/services.js';
import { requireApiAgent, type WebEnv } from './session.js';

const FILTERS: QueueFilter[] = ['open', 'pending', 'closed', 'mine', 'all'];

function ticketJson(ticket: Ticket, assignee: string | null) {
  return {
    number: ticket.number,
    subject: ticket.subject,
    status: ticket.status,
    queue: ticket.queue,
    requester: { address: ticket.requesterAddress, name: ticket.requesterName },
    assignee,
    linkedTicket: ticket.linkedTicket,
    throttled: ticket.throttled,
    createdAt: ticket.createdAt.toISOString(),
    updatedAt: ticket.updatedAt.toISOString(),
    closedAt: ticket.closedAt?.toISOString() ?? null,
  };
}

function messageJson(
  m: Message & { attachments?: { id: string; filename: string; contentType: string; size: number; inline: boolean }[] },
) {
  return {
    id: m.id,
    direction: m.direction,
    kind: m.kind,
    author: { address: m.authorAddress, name: m.authorName },
    text: m.bodyText,
    fullText: m.fullText,
    fullHtml: m.fullHtml,
    subject: m.subject,
    messageId: m.messageId,
    recipients: m.recipients,
    createdAt: m.createdAt.toISOString(),
    attachments: (m.attachments ?? []).map((a) => ({
      id: a.id,
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      inline: a.inline,
    })),
  };
}

async function jsonBody(c: { req: { json(): Promise<unknown> } }): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new ActionError(400, 'body must be JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ActionError(400, 'body must be a JSON object');
  return body as Record<string, unknown>;
}

/** JSON API: list, get with messages, reply, change status/assignee. Bearer token or session + X-CSRF-Token. */
export function createApi(services: SupportServices, config: ResolvedConfig, kit: AppKit): Hono<WebEnv> {
  const api = new Hono<WebEnv>();
  const { db } = services;
  api.use(requireApiAgent(db, kit));

  api.onError((error, c) => {
    if (error instanceof ActionError) return c.json({ error: error.message }, error.status);
    throw error;
  });

  const assigneeEmail = async () => {
    const agents = await listAgents(db);
    return (id: number | null) => agents.find((a) => a.id === id)?.email ?? null;
  };

  api.get('/tickets', async (c) => {
    const requested = c.req.query('status') ?? 'open';
    if (!FILTERS.includes(requested as QueueFilter))
      throw new ActionError(400, `status must be one of ${FILTERS.join(', ')}`);
    const limit = Number(c.req.query('limit') ?? 50);
    const offset = Number(c.req.query('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ActionError(400, 'limit must be 1..200');
    if (!Number.isInteger(offset) || offset < 0) throw new ActionError(400, 'offset must be ≥ 0');
    const tickets = await listTickets(db, {
      filter: requested as QueueFilter,
      agentId: c.var.agent.id,
      query: c.req.query('q'),
      limit,
      offset,
    });
    const emailOf = await assigneeEmail();
    return c.json({ tickets: tickets.map((t) => ticketJson(t, emailOf(t.assigneeId))) });
  });

  api.get('/tickets/:number', async (c) => {
    const number = parseTicketNumber(c.req.param('number'));
    const conversation = await ticketConversation(db, number);
    if (!conversation) throw new ActionError(404, `no ticket #${number}`);
    const emailOf = await assigneeEmail();
    return c.json({
      ticket: ticketJson(conversation.ticket, emailOf(conversation.ticket.assigneeId)),
      participants: conversation.participants.map((p) => ({
        address: p.address,
        name: p.name,
        role: p.role,
        undeliverable: p.undeliverable,
      })),
      messages: conversation.messages.map(messageJson),
    });
  });

  api.post('/tickets/:number/replies', async (c) => {
    const number = parseTicketNumber(c.req.param('number'));
    const body = await jsonBody(c);
    const status = body.status === undefined ? undefined : parseStatus(body.status);
    const { ticket, message } = await replyAsAgent(services, config, {
      ticketNumber: number,
      agent: c.var.agent,
      text: body.text,
      status,
    });
    const emailOf = await assigneeEmail();
    return c.json({ ticket: ticketJson(ticket, emailOf(ticket.assigneeId)), message: messageJson(message) }, 201);
  });

  api.patch('/tickets/:number', async (c) => {
    const number = parseTicketNumber(c.req.param('number'));
    const body = await jsonBody(c);
    const status = body.status === undefined ? undefined : parseStatus(body.status);
    let assigneeId: number | null | undefined;
    if (body.assignee === null) assigneeId = null;
    else if (typeof body.assignee === 'string') {
      const agent = await agentByEmail(db, body.assignee);
      if (!agent) throw new ActionError(422, `no agent ${body.assignee}`);
      assigneeId = agent.id;
    } else if (body.assignee !== undefined) throw new ActionError(400, 'assignee must be an agent email or null');
    if (status === undefined && assigneeId === undefined)
      throw new ActionError(400, 'nothing to change: give status and/or assignee');
    const ticket = await updateTicket(services, { ticketNumber: number, status, assigneeId });
    const emailOf = await assigneeEmail();
    return c.json({ ticket: ticketJson(ticket, emailOf(ticket.assigneeId)) });
  });

  api.notFound((c) => c.json({ error: 'no such API endpoint' }, 404));
  return api;
}
