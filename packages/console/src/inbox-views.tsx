/** Inbox pages: every received post, and one post in full (parsed email, verdicts, raw source, actions). */
import { type InboundRecord } from '@mailroom/core';
import { INBOUND_STATUSES } from '@mailroom/core/inbox';
import type { InboundDetail } from './data.js';
import type { RawSource } from './raw-source/index.js';
import { PageHead, Select, Table, at } from './look/index.js';
import { Badge, ClipCell, Layout, MessageBody, Notice, OptionalFact, Time, WhenAndStatus } from './layout.js';

export function InboxList(props: { records: InboundRecord[]; status: string; q: string; olderThan: string | null }) {
  const { records } = props;
  return (
    <Layout title="Inbox" section="inbox">
      <PageHead title="Inbox" />
      <form class="filters" method="get" action={at('/inbox')}>
        <label>
          Status <Select name="status" options={[['', 'any'], ...INBOUND_STATUSES]} selected={props.status} />
        </label>
        <label>
          Search <input type="search" name="q" value={props.q} placeholder="subject, sender, Message-ID, envelope" />
        </label>
        <button type="submit" class="secondary">
          Filter
        </button>
        <a class="button" href={at('/compose')}>
          Compose
        </a>
      </form>
      <Table
        class="inbox stack"
        cols={['when', 'status', 'from', 'subject', 'recipient', 'route', 'attempts', 'note']}
        head={['Received', 'Status', 'From', 'Subject', 'Recipient', 'Route', 'Attempts', 'Error / note']}
        rows={records}
        empty={`No inbound email${props.status || props.q ? ' matches' : ' yet'}. Send one from Compose.`}
      >
        {records.map((r) => (
          <tr data-id={r.id}>
            <WhenAndStatus at={r.receivedAt} status={r.status} label="Received" />
            <ClipCell value={r.fromAddress ?? r.envelopeFrom} fallback="—" label="From" />
            <td class="wrap-anywhere" data-label="Subject">
              <a href={at(`/inbox/${r.id}`)}>{r.subject || '(no subject)'}</a>
            </td>
            <ClipCell value={r.recipient ?? r.envelopeTo.join(', ')} label="Recipient" />
            <td class="small mono wrap-anywhere" data-label="Route">
              {r.route ?? '—'}
            </td>
            <td class="num" data-label="Attempts">
              {r.attempts}
            </td>
            <td class="small wrap-anywhere" data-label="Note">
              {r.lastError ?? r.note ?? ''}
            </td>
          </tr>
        ))}
      </Table>
      {props.olderThan ? (
        <p>
          <a href={at(`/inbox?${new URLSearchParams({ status: props.status, q: props.q, before: props.olderThan })}`)}>
            Older →
          </a>
        </p>
      ) : null}
    </Layout>
  );
}

type InboxDetailProps = { detail: InboundDetail; routes: string[]; source: RawSource | null; flash: string | null };
type Email = NonNullable<InboundDetail['email']>;
type Analysis = NonNullable<InboundDetail['analysis']>;

export function InboxDetail(props: InboxDetailProps) {
  const { record, email, analysis, loadError } = props.detail;
  const busy = record.status === 'pending' || record.status === 'processing';
  return (
    <Layout title={record.subject || record.id} section="inbox" refresh={busy ? 1 : undefined}>
      <PageHead back={{ href: at('/inbox'), label: 'Inbox' }} title={record.subject || '(no subject)'} />
      {props.flash ? <Notice>{props.flash}</Notice> : null}
      <div class="card">
        <RecordFacts record={record} busy={busy} />
        <RecordActions record={record} routes={props.routes} />
      </div>

      {loadError ? <Notice kind="error">The email cannot be shown: {loadError}</Notice> : null}
      {email && analysis ? (
        <>
          <h2>Email</h2>
          <div class="card">
            <EmailFacts email={email} analysis={analysis} />
          </div>

          <h2>Reply extraction</h2>
          <ReplyExtraction reply={analysis.reply} />

          <MessageBody
            text={email.text}
            htmlSrc={email.html ? at(`/inbox/${record.id}/html`) : null}
            textClass="email-text"
          />

          <h2>Attachments</h2>
          <AttachmentTable id={record.id} attachments={email.attachments} />
          <HeaderTable headers={email.headers} />
        </>
      ) : null}

      <RawSourceView record={record} source={props.source} />
    </Layout>
  );
}

function RecordFacts({ record, busy }: { record: InboundRecord; busy: boolean }) {
  return (
    <dl class="facts">
      <dt>Status</dt>
      <dd>
        <Badge value={record.status} /> {busy ? <span class="muted small">processing… this page refreshes</span> : null}
      </dd>
      <dt>Route</dt>
      <dd class="mono">{record.route ?? '—'}</dd>
      <dt>Recipient</dt>
      <dd>{record.recipient ?? '—'}</dd>
      <dt>Attempts</dt>
      <dd>{record.attempts}</dd>
      <OptionalFact term="Error" value={record.lastError} class="mono" />
      <OptionalFact term="Note" value={record.note} />
      <dt>Received</dt>
      <dd>
        <Time value={record.receivedAt} /> · processed <Time value={record.processedAt} />
      </dd>
      <dt>Envelope</dt>
      <dd>
        {record.envelopeFrom ?? '—'} → {record.envelopeTo.join(', ')}
      </dd>
      <dt>Message-ID</dt>
      <dd class="mono">{record.messageId}</dd>
      <dt>Post</dt>
      <dd>
        {record.mode} mode, {record.size.toLocaleString('en')} bytes, id <span class="mono">{record.id}</span>
      </dd>
    </dl>
  );
}

function RecordActions({ record, routes }: { record: InboundRecord; routes: string[] }) {
  return (
    <div class="actions">
      <form class="inline" method="post" action={at(`/inbox/${record.id}/replay`)}>
        <button type="submit">Replay</button>
      </form>
      <form class="inline" method="post" action={at(`/inbox/${record.id}/replay`)}>
        <Select name="route" label="Route" class="auto" options={routes} selected={record.route} />{' '}
        <button type="submit" class="secondary">
          Reroute
        </button>
      </form>
    </div>
  );
}

const addresses = (list: Email['to']) => list.map((a) => a.address).join(', ');

function EmailFacts({ email, analysis }: { email: Email; analysis: Analysis }) {
  return (
    <dl class="facts">
      <dt>From</dt>
      <dd>{email.from ? `${email.from.name ? `${email.from.name} ` : ''}<${email.from.address}>` : '—'}</dd>
      <dt>To</dt>
      <dd>{addresses(email.to) || '—'}</dd>
      <OptionalFact term="Cc" value={addresses(email.cc)} />
      <OptionalFact term="Reply-To" value={addresses(email.replyTo)} />
      <dt>Date</dt>
      <dd>
        <Time value={email.date} />
      </dd>
      <OptionalFact term="In-Reply-To" value={email.inReplyTo} class="mono" />
      <OptionalFact term="References" value={email.references.join(' ')} class="mono" />
      <dt>Sender check</dt>
      <dd>
        <Badge value={analysis.verdict.aligned ? 'ok' : 'bad'} /> {analysis.verdict.reason}
        <span class="muted small">
          {' '}
          (SPF {email.auth.spf ?? 'none'}; DKIM{' '}
          {email.auth.dkim.map((d) => `${d.domain}: ${d.result}`).join(', ') || 'none'})
        </span>
      </dd>
      <dt>Classification</dt>
      <dd>
        <Badge value={analysis.classification.kind} />{' '}
        <span class="small muted">{analysis.classification.reasons.join('; ')}</span>
      </dd>
      <dt>Spam</dt>
      <dd>{email.spam ? `score ${email.spam.score}` : 'not checked'}</dd>
    </dl>
  );
}

function ReplyExtraction({ reply }: { reply: Analysis['reply'] }) {
  return (
    <div class="grid2">
      <div>
        <label>New text</label>
        <pre class="light reply-text">{reply.text || ' '}</pre>
      </div>
      <div>
        <label>Quoted history</label>
        <pre class="light">{reply.quoted || '—'}</pre>
        {reply.signature ? (
          <>
            <label>Signature</label>
            <pre class="light">{reply.signature}</pre>
          </>
        ) : null}
      </div>
    </div>
  );
}

function AttachmentTable({ id, attachments }: { id: string; attachments: Email['attachments'] }) {
  return (
    <Table head={['File', 'Type', 'Size', 'Inline', 'SHA-256']} rows={attachments} empty="None.">
      {attachments.map((a, index) => (
        <tr>
          <td class="wrap-anywhere">
            <a href={at(`/inbox/${id}/attachments/${index}`)}>{a.filename}</a>
          </td>
          <td class="small mono">{a.contentType}</td>
          <td class="num">{a.size.toLocaleString('en')}</td>
          <td>{a.inline ? `yes${a.contentId ? ` (cid:${a.contentId})` : ''}` : 'no'}</td>
          <td class="small mono">{a.sha256.slice(0, 16)}…</td>
        </tr>
      ))}
    </Table>
  );
}

function HeaderTable({ headers }: { headers: Email['headers'] }) {
  return (
    <details>
      <summary>Headers ({headers.length})</summary>
      <div class="table">
        <table>
          <tbody>
            {headers.map((h) => (
              <tr>
                <td class="mono small nowrap">{h.name}</td>
                <td class="mono small wrap-anywhere">{h.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function RawSourceView({ record, source }: { record: InboundRecord; source: RawSource | null }) {
  return (
    <details>
      <summary>Raw source (the post as received)</summary>
      <p class="small">
        <a href={at(`/inbox/${record.id}/raw`)}>Download the post</a> · {record.contentType}
      </p>
      {source ? (
        <>
          {source.error ? <Notice kind="error">The post cannot be split: {source.error}</Notice> : null}
          <pre class="raw">
            {source.segments.map((s) =>
              s.kind === 'text' ? (
                s.text
              ) : s.kind === 'label' ? (
                <span class="raw-part">{`form field: ${s.text}`}</span>
              ) : (
                <span class="raw-part binary">{`[binary: ${s.label} · ${s.size.toLocaleString('en')} bytes · ${s.hex}]`}</span>
              ),
            )}
            {source.omitted ? `\n… ${source.omitted.toLocaleString('en')} more characters (download the post)` : ''}
          </pre>
        </>
      ) : (
        <p class="muted">The bytes are gone (incinerated).</p>
      )}
    </details>
  );
}
