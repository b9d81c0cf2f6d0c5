import {
  ActionForm,
  Badge,
  CsrfInput,
  ErrorPage,
  Field,
  Flashes,
  Flash,
  Page,
  PageHead,
  SelectField,
  Table,
  TextField,
  Time,
} from '@mailroom/app-kit';
import { PasswordChangeForm } from '@mailroom/app-kit';
import type { Child, FC } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Ticket } from '../db/schema.js';
import type { PublicAgent } from '../domain/agents.js';
import type { QueueFilter, TicketConversation, MessageWithAttachments } from '../domain/tickets.js';
import { sanitizeMessageHtml } from './sanitize.js';

export interface PageProps {
  title: string;
  base: string;
  agent?: PublicAgent | null;
  csrf?: string;
  children?: Child;
}

/** The app bar of every help-desk page: the queue; signed in, the agent's name, password and a log-out form. */
function frame(base: string, agent?: PublicAgent | null, csrf?: string) {
  const home = `${base}/`;
  const account = agent ? (
    <>
      <span>{agent.name}</span>
      <a href={`${base}/password`}>Password</a>
      <ActionForm action={`${base}/logout`} csrf={csrf ?? ''} submit="Log out" />
    </>
  ) : undefined;
  return { app: { name: 'Help desk', home, base }, nav: agent ? [{ href: home, label: 'Tickets' }] : [], account };
}

export const Layout: FC<PageProps & { narrow?: boolean }> = ({ title, base, agent, csrf, narrow, children }) => (
  <Page title={title} {...frame(base, agent, csrf)} width={narrow ? 'narrow' : 'wide'}>
    {children}
  </Page>
);

export const LoginPage: FC<{ base: string; error?: string; email?: string }> = ({ base, error, email }) => (
  <Layout title="Log in" base={base} narrow>
    <h1>Agent login</h1>
    <Flash kind="error">{error}</Flash>
    <form class="card" method="post" action={`${base}/login`}>
      <Field label="Email" type="email" name="email" required autocomplete="username" value={email ?? ''} />
      <Field label="Password" type="password" name="password" required autocomplete="current-password" />
      <button type="submit">Log in</button>
    </form>
  </Layout>
);

export const PasswordPage: FC<{ base: string; agent: PublicAgent; csrf: string; error?: string; notice?: string }> = (
  props,
) => (
  <Layout title="Change password" base={props.base} agent={props.agent} csrf={props.csrf} narrow>
    <h1>Change password</h1>
    <PasswordChangeForm action={`${props.base}/password`} csrf={props.csrf} error={props.error} notice={props.notice} />
  </Layout>
);

const FILTERS: QueueFilter[] = ['open', 'pending', 'closed', 'mine', 'all'];

export const StatusBadge: FC<{ status: string }> = ({ status }) => <Badge value={status} />;

export const QueuePage: FC<{
  base: string;
  agent: PublicAgent;
  csrf: string;
  filter: QueueFilter;
  query: string;
  tickets: Ticket[];
  agents: PublicAgent[];
}> = ({ base, agent, csrf, filter, query, tickets, agents }) => (
  <Layout title="Tickets" base={base} agent={agent} csrf={csrf}>
    <PageHead title="Tickets" />
    <div class="toolbar">
      <nav class="tabs" aria-label="Queue">
        {FILTERS.map((f) => (
          <a href={`${base}/?filter=${f}`} aria-current={f === filter ? 'page' : undefined}>
            {f}
          </a>
        ))}
      </nav>
      <form method="get" action={`${base}/`} class="search" role="search">
        <input type="hidden" name="filter" value="all" />
        <input type="search" name="q" value={query} placeholder="#1042, requester or subject" aria-label="Search" />
        <button type="submit">Search</button>
      </form>
    </div>
    <Table
      head={['#', 'Subject', 'Requester', 'Status', 'Assignee', 'Updated']}
      rows={tickets}
      empty={query ? `No tickets match “${query}”.` : 'No tickets.'}
    >
      {tickets.map((t) => (
        <tr>
          <td>
            <a href={`${base}/tickets/${t.number}`}>#{t.number}</a>
          </td>
          <td class="wrap-anywhere">
            <a href={`${base}/tickets/${t.number}`}>{t.subject}</a> {t.throttled ? <Badge value="throttled" /> : null}
          </td>
          <td class="wrap-anywhere">
            {t.requesterName ? `${t.requesterName} <${t.requesterAddress}>` : t.requesterAddress}
          </td>
          <td>
            <StatusBadge status={t.status} />
          </td>
          <td>{agents.find((a) => a.id === t.assigneeId)?.name ?? '—'}</td>
          <td>
            <Time value={t.updatedAt} />
          </td>
        </tr>
      ))}
    </Table>
  </Layout>
);

const KIND_LABEL: Record<string, string> = {
  customer: '',
  agent: 'agent reply',
  ack: 'acknowledgement',
  'auto-reply': 'automatic reply (recorded, not acted on)',
  bounce: 'delivery failure',
};

const MessageView: FC<{ base: string; message: MessageWithAttachments }> = ({ base, message }) => {
  const cidUrl = (cid: string) => {
    const file = message.attachments.find((a) => a.contentId === cid);
    return file ? `${base}/attachments/${file.id}` : null;
  };
  const css = [
    'message',
    message.direction,
    message.kind === 'auto-reply' || message.kind === 'bounce' ? 'quiet' : '',
  ].join(' ');
  const files = message.attachments.filter((a) => !a.inline);
  const hasOriginal =
    (message.fullHtml ?? '') !== '' || ((message.fullText ?? '') !== '' && message.fullText !== message.bodyText);
  return (
    <article class={css} id={`m-${message.id}`}>
      <p class="meta">
        <strong>{message.authorName || message.authorAddress || 'system'}</strong>
        {message.authorName && message.authorAddress ? ` <${message.authorAddress}>` : ''} ·{' '}
        <Time value={message.createdAt} />
        {KIND_LABEL[message.kind] ? ` · ${KIND_LABEL[message.kind]}` : ''}
        {message.recipients.length ? ` · to ${message.recipients.join(', ')}` : ''}
      </p>
      <pre class="body">{message.bodyText}</pre>
      {files.length ? (
        <ul class="files">
          {files.map((f) => (
            <li>
              <a href={`${base}/attachments/${f.id}`}>{f.filename}</a> ({Math.ceil(f.size / 1024)} KB)
            </li>
          ))}
        </ul>
      ) : null}
      {hasOriginal ? (
        <details>
          <summary>Full original</summary>
          {message.fullHtml ? (
            <div class="html">{raw(sanitizeMessageHtml(message.fullHtml, cidUrl))}</div>
          ) : (
            <pre>{message.fullText}</pre>
          )}
        </details>
      ) : null}
    </article>
  );
};

export const TicketPage: FC<{
  base: string;
  agent: PublicAgent;
  csrf: string;
  conversation: TicketConversation;
  agents: PublicAgent[];
  notice?: string;
  error?: string;
}> = ({ base, agent, csrf, conversation, agents, notice, error }) => {
  const { ticket, messages, participants } = conversation;
  return (
    <Layout title={`#${ticket.number} ${ticket.subject}`} base={base} agent={agent} csrf={csrf}>
      <PageHead
        back={{ href: `${base}/`, label: 'Tickets' }}
        title={
          <>
            [#{ticket.number}] {ticket.subject} <StatusBadge status={ticket.status} />
          </>
        }
        sub={
          <>
            Queue <strong>{ticket.queue}</strong>
            {ticket.linkedTicket ? (
              <>
                {' '}
                · follows up <a href={`${base}/tickets/${ticket.linkedTicket}`}>#{ticket.linkedTicket}</a>
              </>
            ) : null}
            {ticket.throttled ? (
              <>
                {' '}
                · <Badge value="throttled: not acknowledged" tone="bad" />
              </>
            ) : null}
          </>
        }
      />
      <Flashes notice={notice} error={error} />
      <div class="ticket-tools card">
        <ul class="people">
          {participants.map((p) => (
            <li class="address">
              {p.name ? `${p.name} <${p.address}>` : p.address} <span class="muted">({p.role})</span>
              {p.undeliverable ? (
                <>
                  {' '}
                  <Badge value="undeliverable" tone="bad" title={p.undeliverable} />
                </>
              ) : null}
            </li>
          ))}
        </ul>
        <form method="post" action={`${base}/tickets/${ticket.number}/update`} class="row">
          <CsrfInput token={csrf} />
          <SelectField
            label="Status"
            name="status"
            class="shrink"
            options={STATUSES.map((s) => [s, s] as const)}
            selected={ticket.status}
          />
          <SelectField
            label="Assignee"
            name="assignee"
            class="shrink"
            options={[['', 'nobody'], ...agents.map((a) => [String(a.id), a.name] as const)]}
            selected={ticket.assigneeId === null ? '' : String(ticket.assigneeId)}
          />
          <button type="submit">Update</button>
        </form>
      </div>
      <section class="conversation">
        {messages.map((m) => (
          <MessageView base={base} message={m} />
        ))}
      </section>
      <form class="card" method="post" action={`${base}/tickets/${ticket.number}/reply`}>
        <CsrfInput token={csrf} />
        <TextField label="Reply to requester and CCs" id="reply-text" name="text" required />
        <div class="row">
          <SelectField
            label="then set status"
            name="status"
            class="shrink"
            options={[
              ['pending', 'pending'],
              ['open', 'open'],
              ['closed', 'closed'],
            ]}
          />
          <button type="submit">Send reply</button>
        </div>
      </form>
    </Layout>
  );
};

const STATUSES = ['open', 'pending', 'closed'] as const;

export const NotFoundPage: FC<{ base: string; agent?: PublicAgent | null; csrf?: string; what: string }> = ({
  base,
  agent,
  csrf,
  what,
}) => <ErrorPage {...frame(base, agent, csrf)} status={404} title="Not found" message={what} />;
