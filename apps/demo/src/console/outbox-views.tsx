/** Outbox and Event Webhook pages: what the apps sent, its events, "reply as recipient" and "simulate event". */
import type { StoredEvent } from '@mailroom/core';
import { recipientsOf, type OutboundDetail, type OutboundRow } from './data.js';
import { Badge, HtmlPreview, Layout, Notice, Time } from './layout.js';
import { SIMULATED_EVENTS } from './webhooks.js';

const addresses = (list: Array<{ address: string; name: string }>) =>
  list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');

export function OutboxList(props: { messages: OutboundRow[]; olderThan: string | null }) {
  return (
    <Layout title="Outbox" section="outbox">
      <h1>Outbox</h1>
      <p class="muted small">Every message the apps sent (queued in the handler's transaction, delivered after commit).</p>
      {props.messages.length === 0 ? (
        <div class="empty">Nothing sent yet.</div>
      ) : (
        <table class="outbox">
          <thead>
            <tr>
              <th>Created</th>
              <th>Status</th>
              <th>From</th>
              <th>To</th>
              <th>Subject</th>
              <th>Threading</th>
            </tr>
          </thead>
          <tbody>
            {props.messages.map((m) => (
              <tr data-id={m.id}>
                <td class="small">
                  <Time value={m.createdAt} />
                </td>
                <td>
                  <Badge value={m.status} />
                </td>
                <td class="small">{m.from.address}</td>
                <td class="small">{m.to.map((a) => a.address).join(', ')}</td>
                <td>
                  <a href={`/console/outbox/${m.id}`}>{m.subject}</a>
                </td>
                <td class="small muted">{m.inReplyTo ? 'reply' : 'new thread'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.olderThan ? (
        <p>
          <a href={`/console/outbox?before=${props.olderThan}`}>Older →</a>
        </p>
      ) : null}
    </Layout>
  );
}

export function OutboxDetail(props: { detail: OutboundDetail; flash: string | null; error: string | null }) {
  const { message: m, events, delivery } = props.detail;
  const recipients = recipientsOf(m);
  return (
    <Layout title={m.subject} section="outbox">
      <p class="small">
        <a href="/console/outbox">← Outbox</a>
      </p>
      <h1>{m.subject}</h1>
      {props.flash ? <Notice>{props.flash}</Notice> : null}
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <div class="actions">
        <a class="button" href={`/console/outbox/${m.id}/reply`}>
          Reply as recipient
        </a>
      </div>
      <div class="card">
        <dl class="facts">
          <dt>Status</dt>
          <dd>
            <Badge value={m.status} /> via {m.transport ?? '—'}, {m.attempts} attempt(s){m.lastError ? ` — ${m.lastError}` : ''}
          </dd>
          <dt>Delivery</dt>
          <dd>{delivery ? <Badge value={delivery.status} /> : <span class="muted">no delivery events</span>}</dd>
          <dt>From</dt>
          <dd>{addresses([m.from])}</dd>
          <dt>To</dt>
          <dd>{addresses(m.to)}</dd>
          {m.cc.length ? (
            <>
              <dt>Cc</dt>
              <dd>{addresses(m.cc)}</dd>
            </>
          ) : null}
          {m.bcc.length ? (
            <>
              <dt>Bcc</dt>
              <dd>{addresses(m.bcc)}</dd>
            </>
          ) : null}
          {m.replyTo.length ? (
            <>
              <dt>Reply-To</dt>
              <dd class="reply-to">{addresses(m.replyTo)}</dd>
            </>
          ) : null}
          <dt>Message-ID</dt>
          <dd class="mono">&lt;{m.messageId}&gt;</dd>
          <dt>In-Reply-To</dt>
          <dd class="mono">{m.inReplyTo ? `<${m.inReplyTo}>` : '—'}</dd>
          <dt>References</dt>
          <dd class="mono">{m.references.length ? m.references.map((r) => `<${r}>`).join(' ') : '—'}</dd>
          {Object.entries(m.headers).map(([name, value]) => (
            <>
              <dt>{name}</dt>
              <dd class="mono">{value}</dd>
            </>
          ))}
          <dt>Custom args</dt>
          <dd class="mono">{JSON.stringify(m.customArgs)}</dd>
          {m.categories.length ? (
            <>
              <dt>Categories</dt>
              <dd>{m.categories.join(', ')}</dd>
            </>
          ) : null}
        </dl>
      </div>
      <h2>Text</h2>
      <pre class="light">{m.text ?? '(no text part)'}</pre>
      {m.html ? (
        <>
          <h2>HTML (sandboxed preview)</h2>
          <HtmlPreview html={m.html} title="HTML part" />
        </>
      ) : null}
      {m.attachments.length ? (
        <>
          <h2>Attachments</h2>
          <ul>
            {m.attachments.map((a) => (
              <li>
                {a.filename} <span class="muted small">({a.contentType}, {a.size.toLocaleString('en')} bytes)</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <h2>Events</h2>
      <form class="card filters" method="post" action={`/console/outbox/${m.id}/events`}>
        <label>
          Simulate{' '}
          <select name="event">
            {SIMULATED_EVENTS.map((e) => (
              <option value={e}>{e}</option>
            ))}
          </select>
        </label>
        <label>
          for{' '}
          <select name="email">
            {recipients.map((r) => (
              <option value={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="submit">Post signed event</button>
      </form>
      <EventsTable events={events} showMessage={false} />
    </Layout>
  );
}

export function EventsTable(props: { events: StoredEvent[]; showMessage: boolean }) {
  if (props.events.length === 0) return <div class="empty">No events.</div>;
  return (
    <table class="events">
      <thead>
        <tr>
          <th>Received</th>
          <th>Event</th>
          <th>Recipient</th>
          {props.showMessage ? <th>Message</th> : null}
          <th>Detail</th>
          <th>Handled</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((e) => {
          const p = e.event.payload;
          const detail = [p.type, p.status, p.reason, p.response, p.url].filter((x) => typeof x === 'string' && x).join(' · ');
          return (
            <tr>
              <td class="small">
                <Time value={e.receivedAt} />
              </td>
              <td>
                <Badge value={e.event.event} />
              </td>
              <td class="small">{e.event.email ?? '—'}</td>
              {props.showMessage ? (
                <td class="small">{e.outboundMessageId ? <a href={`/console/outbox/${e.outboundMessageId}`}>outbox message</a> : 'not ours'}</td>
              ) : null}
              <td class="small">{detail}</td>
              <td class="small">
                <Badge value={e.status} />
                {e.lastError ? ` ${e.lastError}` : ''}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function EventsPage(props: { events: StoredEvent[]; kind: string }) {
  return (
    <Layout title="Events" section="events">
      <h1>Event Webhook log</h1>
      <p class="muted small">
        Events posted to <code>POST /webhooks/sendgrid/events</code> (by SendGrid, or simulated from an outbox message).
      </p>
      <form class="filters" method="get" action="/console/events">
        <label>
          Event{' '}
          <select name="event">
            <option value="">any</option>
            {SIMULATED_EVENTS.map((e) => (
              <option value={e} selected={props.kind === e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <EventsTable events={props.events} showMessage />
    </Layout>
  );
}
