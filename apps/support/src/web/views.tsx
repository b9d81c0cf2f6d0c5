import { PasswordChangeForm } from '@mailroom/app-kit';
import type { Child, FC } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Ticket } from '../db/schema.js';
import type { PublicAgent } from '../domain/agents.js';
import type { QueueFilter, TicketConversation, MessageWithAttachments } from '../domain/tickets.js';
import { sanitizeMessageHtml } from './sanitize.js';

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
header{background:#1d2430;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center}
header a{color:#fff}header form{margin-left:auto}
main{max-width:960px;margin:1rem auto;padding:0 1rem}
a{color:#2254c5}table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e3e6ea}
nav.filters a{margin-right:.8rem}nav.filters a.on{font-weight:bold;text-decoration:none;color:#1d2430}
.badge{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.8em;background:#e3e6ea}
.badge.open{background:#d7f5dd}.badge.pending{background:#fff1c2}.badge.closed{background:#e3e6ea}.badge.warn{background:#ffd6d6}
.msg{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.msg.outbound{border-left:4px solid #2254c5}.msg.system,.msg.auto{opacity:.75}
.msg .meta{color:#5b6472;font-size:.85em;margin-bottom:.3rem}.msg pre{white-space:pre-wrap;font:inherit;margin:0}
textarea{width:100%;min-height:8rem;font:inherit;box-sizing:border-box}
.error{color:#b00020}.row{display:flex;gap:1rem;align-items:flex-end;flex-wrap:wrap;margin:.5rem 0}
img{max-width:100%}
`;

export interface PageProps {
  title: string;
  base: string;
  agent?: PublicAgent | null;
  csrf?: string;
  children?: Child;
}

export const Layout: FC<PageProps> = ({ title, base, agent, csrf, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title}</title>
      <style>{raw(STYLE)}</style>
    </head>
    <body>
      <header>
        <a href={`${base}/`}>
          <strong>Help desk</strong>
        </a>
        {agent ? (
          <form method="post" action={`${base}/logout`}>
            <span>{agent.name} </span>
            <a href={`${base}/password`}>Password</a>{' '}
            <input type="hidden" name="_csrf" value={csrf ?? ''} />
            <button type="submit">Log out</button>
          </form>
        ) : null}
      </header>
      <main>{children}</main>
    </body>
  </html>
);

export const LoginPage: FC<{ base: string; error?: string; email?: string }> = ({ base, error, email }) => (
  <Layout title="Log in · Help desk" base={base}>
    <h1>Agent login</h1>
    {error ? <p class="error" role="alert">{error}</p> : null}
    <form method="post" action={`${base}/login`}>
      <p>
        <label>
          Email <input type="email" name="email" required autocomplete="username" value={email ?? ''} />
        </label>
      </p>
      <p>
        <label>
          Password <input type="password" name="password" required autocomplete="current-password" />
        </label>
      </p>
      <button type="submit">Log in</button>
    </form>
  </Layout>
);

export const PasswordPage: FC<{ base: string; agent: PublicAgent; csrf: string; error?: string; notice?: string }> = (props) => (
  <Layout title="Change password · Help desk" base={props.base} agent={props.agent} csrf={props.csrf}>
    <h1>Change password</h1>
    <PasswordChangeForm action={`${props.base}/password`} csrf={props.csrf} error={props.error} notice={props.notice} />
  </Layout>
);

const FILTERS: QueueFilter[] = ['open', 'pending', 'closed', 'mine', 'all'];

export const StatusBadge: FC<{ status: string }> = ({ status }) => <span class={`badge ${status}`}>{status}</span>;

export const QueuePage: FC<{
  base: string;
  agent: PublicAgent;
  csrf: string;
  filter: QueueFilter;
  query: string;
  tickets: Ticket[];
  agents: PublicAgent[];
}> = ({ base, agent, csrf, filter, query, tickets, agents }) => (
  <Layout title="Tickets · Help desk" base={base} agent={agent} csrf={csrf}>
    <nav class="filters">
      {FILTERS.map((f) => (
        <a href={`${base}/?filter=${f}`} class={f === filter ? 'on' : ''}>
          {f}
        </a>
      ))}
    </nav>
    <form method="get" action={`${base}/`} class="row">
      <input type="hidden" name="filter" value="all" />
      <input type="search" name="q" value={query} placeholder="#1042, requester or subject" aria-label="Search" />
      <button type="submit">Search</button>
    </form>
    <table>
      <thead>
        <tr>
          <th>#</th>
          <th>Subject</th>
          <th>Requester</th>
          <th>Status</th>
          <th>Assignee</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>
        {tickets.length === 0 ? (
          <tr>
            <td colspan={6}>No tickets.</td>
          </tr>
        ) : (
          tickets.map((t) => (
            <tr>
              <td>
                <a href={`${base}/tickets/${t.number}`}>#{t.number}</a>
              </td>
              <td>
                <a href={`${base}/tickets/${t.number}`}>{t.subject}</a> {t.throttled ? <span class="badge warn">throttled</span> : null}
              </td>
              <td>{t.requesterName ? `${t.requesterName} <${t.requesterAddress}>` : t.requesterAddress}</td>
              <td>
                <StatusBadge status={t.status} />
              </td>
              <td>{agents.find((a) => a.id === t.assigneeId)?.name ?? '—'}</td>
              <td>
                <time datetime={t.updatedAt.toISOString()}>{t.updatedAt.toISOString().slice(0, 16).replace('T', ' ')}</time>
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
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
  const css = ['msg', message.direction, message.kind === 'auto-reply' || message.kind === 'bounce' ? 'auto' : ''].join(' ');
  const files = message.attachments.filter((a) => !a.inline);
  const hasOriginal = (message.fullHtml ?? '') !== '' || ((message.fullText ?? '') !== '' && message.fullText !== message.bodyText);
  return (
    <article class={css} id={`m-${message.id}`}>
      <div class="meta">
        <strong>{message.authorName || message.authorAddress || 'system'}</strong>
        {message.authorName && message.authorAddress ? ` <${message.authorAddress}>` : ''} ·{' '}
        <time datetime={message.createdAt.toISOString()}>{message.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</time>
        {KIND_LABEL[message.kind] ? ` · ${KIND_LABEL[message.kind]}` : ''}
        {message.recipients.length ? ` · to ${message.recipients.join(', ')}` : ''}
      </div>
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
          {message.fullHtml ? <div class="html">{raw(sanitizeMessageHtml(message.fullHtml, cidUrl))}</div> : <pre>{message.fullText}</pre>}
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
      <p>
        <a href={`${base}/`}>← Tickets</a>
      </p>
      <h1>
        [#{ticket.number}] {ticket.subject} <StatusBadge status={ticket.status} />
      </h1>
      {notice ? <p role="status">{notice}</p> : null}
      {error ? <p class="error" role="alert">{error}</p> : null}
      <p>
        Queue <strong>{ticket.queue}</strong>
        {ticket.linkedTicket ? (
          <>
            {' '}· follows up <a href={`${base}/tickets/${ticket.linkedTicket}`}>#{ticket.linkedTicket}</a>
          </>
        ) : null}
        {ticket.throttled ? <> · <span class="badge warn">throttled: not acknowledged</span></> : null}
      </p>
      <ul class="people">
        {participants.map((p) => (
          <li>
            {p.name ? `${p.name} <${p.address}>` : p.address} ({p.role})
            {p.undeliverable ? <> <span class="badge warn" title={p.undeliverable}>undeliverable</span></> : null}
          </li>
        ))}
      </ul>
      <form method="post" action={`${base}/tickets/${ticket.number}/update`} class="row">
        <input type="hidden" name="_csrf" value={csrf} />
        <label>
          Status{' '}
          <select name="status">
            {(['open', 'pending', 'closed'] as const).map((s) => (
              <option value={s} selected={s === ticket.status}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Assignee{' '}
          <select name="assignee">
            <option value="">nobody</option>
            {agents.map((a) => (
              <option value={String(a.id)} selected={a.id === ticket.assigneeId}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Update</button>
      </form>
      <section class="conversation">
        {messages.map((m) => (
          <MessageView base={base} message={m} />
        ))}
      </section>
      <form method="post" action={`${base}/tickets/${ticket.number}/reply`}>
        <input type="hidden" name="_csrf" value={csrf} />
        <label for="reply-text">
          <strong>Reply to requester and CCs</strong>
        </label>
        <textarea id="reply-text" name="text" required></textarea>
        <div class="row">
          <label>
            then set status{' '}
            <select name="status">
              <option value="pending">pending</option>
              <option value="open">open</option>
              <option value="closed">closed</option>
            </select>
          </label>
          <button type="submit">Send reply</button>
        </div>
      </form>
    </Layout>
  );
};

export const NotFoundPage: FC<{ base: string; agent?: PublicAgent | null; csrf?: string; what: string }> = ({ base, agent, csrf, what }) => (
  <Layout title="Not found" base={base} agent={agent} csrf={csrf}>
    <h1>Not found</h1>
    <p>{what}</p>
  </Layout>
);
