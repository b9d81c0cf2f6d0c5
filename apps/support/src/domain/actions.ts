import type { ResolvedConfig } from '../config.js';
import { ticketStatus, type Message, type Ticket, type TicketStatus } from '../db/schema.js';
import { listAgents, type PublicAgent } from './agents.js';
import { sendAgentReply } from './replies.js';
import type { SupportServices } from './services.js';
import { assignTicket, setStatus, ticketByNumber } from './tickets.js';

/** A request the agent can fix (HTTP 4xx). */
export class ActionError extends Error {
  override name = 'ActionError';
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_REPLY_CHARS = 100_000;

export function parseStatus(value: unknown): TicketStatus {
  if (typeof value === 'string' && (ticketStatus as readonly string[]).includes(value)) return value as TicketStatus;
  throw new ActionError(400, `status must be one of ${ticketStatus.join(', ')}`);
}

export function parseTicketNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new ActionError(404, `no ticket "${value}"`);
  return Number(value);
}

/** An agent's reply from the web UI or the API: mailed (`mailroom.mailer`) and recorded in one transaction. */
export async function replyAsAgent(
  services: SupportServices,
  config: ResolvedConfig,
  input: { ticketNumber: number; agent: PublicAgent; text: unknown; status?: TicketStatus },
): Promise<{ ticket: Ticket; message: Message }> {
  if (typeof input.text !== 'string' || !input.text.trim()) throw new ActionError(400, 'reply text is empty');
  if (input.text.length > MAX_REPLY_CHARS)
    throw new ActionError(400, `reply text is longer than ${MAX_REPLY_CHARS} characters`);
  const text = input.text;
  return services.transaction(async (tx, afterCommit) => {
    const ticket = await ticketByNumber(tx, input.ticketNumber);
    if (!ticket) throw new ActionError(404, `no ticket #${input.ticketNumber}`);
    const message = await sendAgentReply(services, config, { ticket, agent: input.agent, text }, { tx, afterCommit });
    const updated =
      input.status && input.status !== ticket.status
        ? await setStatus(tx, ticket.number, input.status)
        : await ticketByNumber(tx, ticket.number);
    return { ticket: updated!, message };
  });
}

/** Status and/or assignee change; `assignee` undefined leaves it, null unassigns. */
export async function updateTicket(
  services: SupportServices,
  input: { ticketNumber: number; status?: TicketStatus; assigneeId?: number | null },
): Promise<Ticket> {
  return services.transaction(async (tx) => {
    const ticket = await ticketByNumber(tx, input.ticketNumber);
    if (!ticket) throw new ActionError(404, `no ticket #${input.ticketNumber}`);
    if (input.assigneeId !== undefined && input.assigneeId !== null) {
      const agents = await listAgents(tx);
      if (!agents.some((a) => a.id === input.assigneeId))
        throw new ActionError(422, `no agent with id ${input.assigneeId}`);
    }
    let current = ticket;
    if (input.status && input.status !== ticket.status) current = (await setStatus(tx, ticket.number, input.status))!;
    if (input.assigneeId !== undefined && input.assigneeId !== ticket.assigneeId)
      current = (await assignTicket(tx, ticket.number, input.assigneeId))!;
    return current;
  });
}
