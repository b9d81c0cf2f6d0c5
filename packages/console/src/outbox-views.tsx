/** Outbox and Event Webhook pages: what the apps sent, its events, "reply as recipient" and "simulate event". */
import type { StoredEvent } from '@mailroom/core/events';
import { recipientsOf, type OutboundDetail, type OutboundRow } from './data.js';
import { PageHead, Select, Table, at } from './look/index.js';
import { Badge, ClipCell, Layout, MessageBody, Notice, OptionalFact, Time, WhenAndStatus } from './layout.js';
import { SIMULATED_EVENTS } from './webhooks.js';

const addresses = (list: Array<{ address: string; name: string }>) =>
  list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');

export function OutboxList(props: { messages: OutboundRow[]; olderThan: string | null }) {
  return (
    <Layout title="Outbox" section="outbox">
      <PageHead
        title="Outbox"
        sub="Every message the apps sent (queued in the handler's transaction, delivered after commit)."
      />
      <Table
        class="outbox stack"
        head={['Created', 'Status', 'From', 'To', 'Subject', 'Threading']}
        rows={props.messages}
        empty="Nothing sent yet."
      >
        {props.messages.map((m) => (
          <tr data-id={m.id}>
            <WhenAndStatus at={m.createdAt} status={m.status} label="Created" />
            <ClipCell value={m.from.address} label="From" />
            <ClipCell value={m.to.map((a) => a.address).join(', ')} label="To" />
            <td class="wrap-anywhere" data-label="Subject">
              <a href={at(`/outbox/${m.id}`)}>{m.subject}</a>
            </td>
            <td class="small muted" data-label="Threading">
              {m.inReplyTo ? 'reply' : 'new thread'}
            </td>
          </tr>
        ))}
      </Table>
      {props.olderThan ? (
        <p>
          <a href={at(`/outbox?before=${props.olderThan}`)}>Older →</a>
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
      <PageHead back={{ href: at('/outbox'), label: 'Outbox' }} title={m.subject} />
      {props.flash ? <Notice>{props.flash}</Notice> : null}
      {props.error ? <Notice kind="error">{props.error}</Notice> : null}
      <div class="actions">
        <a class="button" href={at(`/outbox/${m.id}/reply`)}>
          Reply as recipient
        </a>
      </div>
      <div class="card">
        <dl class="facts">
          <dt>Status</dt>
          <dd>
            <Badge value={m.status} /> via {m.transport ?? '—'}, {m.attempts} attempt(s)
            {m.lastError ? ` — ${m.lastError}` : ''}
          </dd>
          <dt>Delivery</dt>
          <dd>{delivery ? <Badge value={delivery.status} /> : <span class="muted">no delivery events</span>}</dd>
          <dt>From</dt>
          <dd>{addresses([m.from])}</dd>
          <dt>To</dt>
          <dd>{addresses(m.to)}</dd>
          <OptionalFact term="Cc" value={addresses(m.cc)} />
          <OptionalFact term="Bcc" value={addresses(m.bcc)} />
          <OptionalFact term="Reply-To" value={addresses(m.replyTo)} class="reply-to" />
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
          <OptionalFact term="Categories" value={m.categories.join(', ')} />
        </dl>
      </div>
      <MessageBody text={m.text} htmlSrc={m.html ? at(`/outbox/${m.id}/html`) : null} />
      {m.attachments.length ? (
        <>
          <h2>Attachments</h2>
          <ul>
            {m.attachments.map((a) => (
              <li>
                {a.filename}{' '}
                <span class="muted small">
                  ({a.contentType}, {a.size.toLocaleString('en')} bytes)
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <h2>Events</h2>
      <form class="card filters" method="post" action={at(`/outbox/${m.id}/events`)}>
        <label>
          Simulate <Select name="event" options={SIMULATED_EVENTS} />
        </label>
        <label>
          for <Select name="email" options={recipients} />
        </label>
        <button type="submit">Post signed event</button>
      </form>
      <EventsTable events={events} showMessage={false} />
    </Layout>
  );
}

export function EventsTable(props: { events: StoredEvent[]; showMessage: boolean }) {
  const head = ['Received', 'Event', 'Recipient', ...(props.showMessage ? ['Message'] : []), 'Detail', 'Handled'];
  return (
    <Table class="events stack" head={head} rows={props.events} empty="No events.">
      {props.events.map((e) => {
        const p = e.event.payload;
        const detail = [p.type, p.status, p.reason, p.response, p.url]
          .filter((x) => typeof x === 'string' && x)
          .join(' · ');
        return (
          <tr>
            <td class="small" data-label="Received">
              <Time value={e.receivedAt} />
            </td>
            <td data-label="Event">
              <Badge value={e.event.event} />
            </td>
            <td class="small" data-label="Recipient">
              <span class="clip" title={e.event.email ?? undefined}>
                {e.event.email ?? '—'}
              </span>
            </td>
            {props.showMessage ? (
              <td class="small" data-label="Message">
                {e.outboundMessageId ? <a href={at(`/outbox/${e.outboundMessageId}`)}>outbox message</a> : 'not ours'}
              </td>
            ) : null}
            <td class="small wrap-anywhere" data-label="Detail">
              {detail}
            </td>
            <td class="small" data-label="Handled">
              <Badge value={e.status} />
              {e.lastError ? ` ${e.lastError}` : ''}
            </td>
          </tr>
        );
      })}
    </Table>
  );
}

export function EventsPage(props: { events: StoredEvent[]; kind: string }) {
  return (
    <Layout title="Events" section="events">
      <PageHead
        title="Event Webhook log"
        sub={
          <>
            Events posted to <code>POST /webhooks/sendgrid/events</code> (by SendGrid, or simulated from an outbox
            message).
          </>
        }
      />
      <form class="filters" method="get" action={at('/events')}>
        <label>
          Event <Select name="event" options={[['', 'any'], ...SIMULATED_EVENTS]} selected={props.kind} />
        </label>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <EventsTable events={props.events} showMessage />
    </Layout>
  );
}
