import { Hono, type Context } from 'hono';
import { formLogin, kitAssets, securityHeaders, type AppKit } from '@mailroom/app-kit';
import type { ResolvedConfig } from '../config.js';
import { ActionError, parseStatus, parseTicketNumber, replyAsAgent, updateTicket } from '../domain/actions.js';
import { agentPasswordHash, authenticateAgent, listAgents, setAgentPassword } from '../domain/agents.js';
import { attachmentById, listTickets, ticketConversation, type QueueFilter } from '../domain/tickets.js';
import type { SupportServices } from '../domain/services.js';
import { createApi } from './api.js';
import { requirePageAgent, type WebEnv } from './session.js';
import { LoginPage, NotFoundPage, PasswordPage, QueuePage, TicketPage } from './views.js';

const FILTERS: QueueFilter[] = ['open', 'pending', 'closed', 'mine', 'all'];

type Deps = { services: SupportServices; config: ResolvedConfig; kit: AppKit };

/** The agent web UI (server-rendered) and, under `/api`, the JSON API. */
export function createWebApp(services: SupportServices, config: ResolvedConfig, kit: AppKit): Hono {
  const deps: Deps = { services, config, kit };
  const web = new Hono();
  web.use(securityHeaders());
  web.route('/', kitAssets());
  web.route('/api', createApi(services, config, kit));

  // Forms: the Origin check (hono/csrf) stops cross-site posts, including login CSRF; signed-in
  // forms also carry the per-session token.
  const pages = new Hono<WebEnv>();
  pages.use(kit.formOriginCheck);
  pages.route('/', loginPages(deps));
  const signedIn = new Hono<WebEnv>();
  signedIn.use(requirePageAgent(services.db, kit, config));
  signedIn.route('/', ticketPages(deps));
  signedIn.route('/', accountPages(deps));
  pages.route('/', signedIn);
  web.route('/', pages);
  return web;
}

function loginPages({ services: { db }, config, kit }: Deps): Hono<WebEnv> {
  const base = config.basePath;
  const pages = new Hono<WebEnv>();
  pages.get('/login', (c) => c.html(<LoginPage base={base} />));
  pages.post(
    '/login',
    formLogin(kit, {
      authenticate: (email, password) => authenticateAgent(db, email, password, kit.verifyPassword),
      page: (email, error) => <LoginPage base={base} email={email} error={error} />,
      home: `${base}/`,
    }),
  );
  pages.post('/logout', async (c) => {
    const session = await kit.sessions.read(c);
    const form = await c.req.parseBody();
    if (session && !kit.verifyCsrf(session, form._csrf)) return c.text('invalid CSRF token', 403);
    await kit.sessions.end(c);
    return c.redirect(`${base}/login`, 303);
  });

  return pages;
}

/** The queue, a ticket, and the agent's answers and changes to it. */
function ticketPages({ services, config, kit }: Deps): Hono<WebEnv> {
  const base = config.basePath;
  const { db } = services;
  const signedIn = new Hono<WebEnv>();
  signedIn.get('/', async (c) => {
    const agent = c.var.agent;
    const requested = c.req.query('filter') as QueueFilter | undefined;
    const filter = requested && FILTERS.includes(requested) ? requested : 'open';
    const query = (c.req.query('q') ?? '').slice(0, 200);
    const [tickets, agents] = await Promise.all([
      listTickets(db, { filter, agentId: agent.id, query }),
      listAgents(db),
    ]);
    return c.html(
      <QueuePage
        base={base}
        agent={agent}
        csrf={kit.csrfToken(c.var.session!)}
        filter={filter}
        query={query}
        tickets={tickets}
        agents={agents}
      />,
    );
  });

  async function ticketPage(
    c: Context<WebEnv>,
    number: number,
    status: 200 | 400 | 404 = 200,
    extra: { notice?: string; error?: string } = {},
  ) {
    const csrfToken = kit.csrfToken(c.var.session!);
    const conversation = await ticketConversation(db, number);
    if (!conversation)
      return c.html(
        <NotFoundPage base={base} agent={c.var.agent} csrf={csrfToken} what={`No ticket #${number}.`} />,
        404,
      );
    const agents = await listAgents(db);
    return c.html(
      <TicketPage
        base={base}
        agent={c.var.agent}
        csrf={csrfToken}
        conversation={conversation}
        agents={agents}
        {...extra}
      />,
      status,
    );
  }

  /** A ticket form's post: CSRF checked, the ticket number parsed; an ActionError shows the ticket with the reason. */
  function ticketAction(act: (c: Context<WebEnv>, form: Record<string, unknown>, number: number) => Promise<Response>) {
    return async (c: Context<WebEnv>) => {
      const form = await c.req.parseBody();
      if (!kit.verifyCsrf(c.var.session, form._csrf)) return c.text('invalid CSRF token', 403);
      let number = 0;
      try {
        number = parseTicketNumber(c.req.param('number') ?? '');
        return await act(c, form, number);
      } catch (error) {
        if (error instanceof ActionError)
          return ticketPage(c, number, error.status === 404 ? 404 : 400, { error: error.message });
        throw error;
      }
    };
  }

  signedIn.get('/tickets/:number', async (c) => {
    const raw = c.req.param('number');
    if (!/^\d{1,9}$/.test(raw)) return c.html(<NotFoundPage base={base} what={`No ticket "${raw}".`} />, 404);
    return ticketPage(c, Number(raw), 200, { notice: c.req.query('sent') ? 'Reply sent.' : undefined });
  });

  signedIn.post(
    '/tickets/:number/reply',
    ticketAction(async (c, form, number) => {
      const status = form.status ? parseStatus(form.status) : undefined;
      await replyAsAgent(services, config, { ticketNumber: number, agent: c.var.agent, text: form.text, status });
      return c.redirect(`${base}/tickets/${number}?sent=1`, 303);
    }),
  );

  signedIn.post(
    '/tickets/:number/update',
    ticketAction(async (c, form, number) => {
      const status = form.status ? parseStatus(form.status) : undefined;
      const assignee =
        typeof form.assignee === 'string' ? (form.assignee === '' ? null : Number(form.assignee)) : undefined;
      if (assignee !== undefined && assignee !== null && !Number.isSafeInteger(assignee))
        throw new ActionError(400, 'assignee must be an agent id');
      await updateTicket(services, { ticketNumber: number, status, assigneeId: assignee });
      return c.redirect(`${base}/tickets/${number}`, 303);
    }),
  );
  return signedIn;
}

/** The agent's password and the tickets' attachments. */
function accountPages({ services, config, kit }: Deps): Hono<WebEnv> {
  const base = config.basePath;
  const { db } = services;
  const signedIn = new Hono<WebEnv>();
  signedIn.get('/password', (c) =>
    c.html(
      <PasswordPage
        base={base}
        agent={c.var.agent}
        csrf={kit.csrfToken(c.var.session!)}
        {...(c.req.query('done') ? { notice: 'Password changed. Your other sessions are logged out.' } : {})}
      />,
    ),
  );
  signedIn.post('/password', async (c) => {
    const agent = c.var.agent;
    const form = await c.req.parseBody();
    if (!kit.verifyCsrf(c.var.session, form._csrf)) return c.text('invalid CSRF token', 403);
    const result = await kit.changePassword(
      c,
      String(agent.id),
      c.var.session,
      { current: form.current, next: form.next, confirm: form.confirm },
      {
        verifyCurrent: async (password) => kit.verifyPassword(password, await agentPasswordHash(db, agent.id)),
        save: (hash) => setAgentPassword(db, agent.id, hash),
      },
    );
    if (result.ok) return c.redirect(`${base}/password?done=1`, 303);
    const headers: Record<string, string> = result.retryAfterSeconds
      ? { 'Retry-After': String(result.retryAfterSeconds) }
      : {};
    return c.html(
      <PasswordPage base={base} agent={agent} csrf={kit.csrfToken(c.var.session!)} error={result.error} />,
      result.status,
      headers,
    );
  });

  signedIn.get('/attachments/:id', async (c) => {
    const file = await attachmentById(db, c.req.param('id'));
    const bytes = file && services.blobs ? await services.blobs.get(file.blobKey) : null;
    if (!file || !bytes) return c.text('attachment not found', 404);
    // Only images render in place; everything else downloads (no HTML/SVG from customers in our origin).
    const inlineSafe = /^image\/(png|jpeg|gif|webp)$/i.test(file.contentType);
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': inlineSafe ? file.contentType : 'application/octet-stream',
      'Content-Disposition': `${inlineSafe ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=3600',
    });
  });

  return signedIn;
}
