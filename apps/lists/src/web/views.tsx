/** Server-rendered pages: plain, readable HTML; every value is escaped by hono/jsx, message HTML is sanitized. */
import {
  ActionForm,
  Badge,
  Empty,
  ErrorPage,
  Field,
  FORMATTING_TAGS,
  Flash,
  linkRel,
  Page as KitPage,
  PageHead,
  Select,
  SelectField,
  Table,
  Time,
  sanitizeBoundedMailHtml,
} from '@mailroom/app-kit';
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { List, Member, Message, ModerationItem, Thread } from '../domain/index.js';

/** The app bar of every lists page: the lists nav; signed in, the admin links and a log-out form. */
function frame(base: string, admin = false, csrf = '') {
  const home = base || '/';
  const nav = [
    { href: home, label: 'Lists' },
    ...(admin
      ? [
          { href: `${base}/admin`, label: 'Admin' },
          { href: `${base}/admin/password`, label: 'Password' },
        ]
      : []),
  ];
  const account = admin ? (
    <ActionForm action={`${base}/logout`} csrf={csrf} csrfName="csrf" submit="Log out" />
  ) : (
    <a href={`${base}/login`}>Admin login</a>
  );
  return { app: { name: 'Lists', home, base }, nav, account };
}

/** The kit's page frame for lists; `heading: false` leaves the h1 to the page. */
export function Page(props: {
  title: string;
  base: string;
  admin?: boolean;
  csrf?: string;
  heading?: boolean;
  back?: { href: string; label: string };
  children?: Child;
}) {
  return (
    <KitPage
      title={props.title}
      {...frame(props.base, props.admin, props.csrf)}
      width={props.admin ? 'wide' : 'narrow'}
    >
      {props.heading === false ? null : <PageHead title={props.title} {...(props.back ? { back: props.back } : {})} />}
      {props.children}
    </KitPage>
  );
}

/** A refusal or a missing page (404, 403, 409…) in the lists frame, with the reason. */
export function Refusal(props: { base: string; status: number; message: string; admin?: boolean; csrf?: string }) {
  const title = props.status === 404 ? 'Not found' : props.status === 403 ? 'Not allowed' : 'Not possible';
  return (
    <ErrorPage
      {...frame(props.base, props.admin, props.csrf)}
      status={props.status}
      title={title}
      message={props.message}
    />
  );
}

/** A one-line outcome ("x is unsubscribed") in the lists frame. */
export function Outcome(props: { base: string; title: string; text: string }) {
  return (
    <Page title={props.title} base={props.base}>
      <Flash kind="ok">{props.text}</Flash>
      <p>
        <a href={props.base || '/'}>All lists</a>
      </p>
    </Page>
  );
}

/**
 * A message's original HTML as the archive may show it: formatting and links only, no images, scripts or styles;
 * bounded first (the kit's size and element limits), since every archive view sanitizes it again.
 */
export function sanitizeMessageHtml(html: string): string {
  return sanitizeBoundedMailHtml(html, {
    allowedTags: [...FORMATTING_TAGS, 'span', 'b', 'i', 'h1'],
    // rel must be allowed for the transform's value to survive the attribute filter.
    allowedAttributes: { a: ['href', 'title', 'rel'] },
    transformTags: { a: linkRel('noopener noreferrer nofollow') },
  });
}

const ROLES = ['member', 'moderator', 'owner'] as const;
const STATUSES = ['active', 'suspended', 'unsubscribed'] as const;

export function ListIndex(props: { base: string; lists: List[] }) {
  if (props.lists.length === 0) return <Empty>No lists yet.</Empty>;
  return (
    <>
      {props.lists.map((l) => (
        <section class="card">
          <h2>
            <a href={`${props.base}/archive/${l.slug}`}>{l.name}</a>
          </h2>
          <p>{l.description}</p>
          <p class="meta">{l.archive === 'public' ? 'Public archive' : 'Members-only archive'}</p>
        </section>
      ))}
    </>
  );
}

export function ThreadIndex(props: { base: string; list: List; threads: Thread[]; access: string }) {
  return (
    <Table head={['Thread', 'Messages', 'Last post']} rows={props.threads} empty="No messages in this archive yet.">
      {props.threads.map((t) => (
        <tr>
          <td class="wrap-anywhere">
            <a href={`${props.base}/archive/${props.list.slug}/t/${t.id}${props.access}`}>{t.subject}</a>
          </td>
          <td class="num">{t.messageCount}</td>
          <td>
            <Time value={t.lastPostAt} />
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function ThreadView(props: { messages: Message[] }) {
  return (
    <>
      {props.messages.map((m) => (
        <article class="message" id={`m-${m.id}`}>
          <p class="meta">
            <strong>{m.authorName || m.authorAddress}</strong> · <Time value={m.createdAt} /> · {m.subject}
          </p>
          <div class="body">{m.newText}</div>
          {m.fullHtml || (m.fullText && m.fullText.trim() !== m.newText.trim()) ? (
            <details>
              <summary>Original message</summary>
              {m.fullHtml ? <div class="html">{raw(sanitizeMessageHtml(m.fullHtml))}</div> : <pre>{m.fullText}</pre>}
            </details>
          ) : null}
        </article>
      ))}
    </>
  );
}

export function Form(props: { action: string; csrf: string; children?: Child; submit: string }) {
  return (
    <form class="card" method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.children}
      <button type="submit">{props.submit}</button>
    </form>
  );
}

export function AdminHome(props: {
  base: string;
  csrf: string;
  lists: List[];
  pending: Record<string, number>;
  error?: string;
}) {
  return (
    <>
      <Flash kind="error">{props.error}</Flash>
      <Table
        head={['List', 'Policy', 'Archive', 'Moderation']}
        rows={props.lists}
        empty="No lists yet: create the first one below."
      >
        {props.lists.map((l) => (
          <tr>
            <td>
              <a href={`${props.base}/admin/lists/${l.slug}`}>{l.name}</a> <span class="muted">({l.slug})</span>
            </td>
            <td>{l.policy}</td>
            <td>{l.archive}</td>
            <td>
              <a href={`${props.base}/admin/lists/${l.slug}/moderation`}>{props.pending[l.id] ?? 0} pending</a>
            </td>
          </tr>
        ))}
      </Table>
      <h2>Create a list</h2>
      <Form action={`${props.base}/admin/lists`} csrf={props.csrf} submit="Create">
        <div class="row">
          <Field label="Address (slug)" name="slug" required pattern="[a-z0-9][a-z0-9-]*" />
          <Field label="Name" name="name" required />
        </div>
        <Field label="Description" name="description" />
        <div class="row">
          <SelectField
            label="Policy"
            name="policy"
            options={[
              ['members', 'members post'],
              ['moderated', 'moderated'],
              ['announce', 'announce-only'],
            ]}
          />
          <SelectField
            label="Archive"
            name="archive"
            options={[
              ['public', 'public'],
              ['members', 'members only'],
            ]}
          />
        </div>
      </Form>
    </>
  );
}

export function AdminList(props: { base: string; csrf: string; list: List; members: Member[]; error?: string }) {
  const { base, csrf, list } = props;
  return (
    <>
      <Flash kind="error">{props.error}</Flash>
      <p>
        Policy: <strong>{list.policy}</strong> · Archive: <strong>{list.archive}</strong> ·{' '}
        <a href={`${base}/admin/lists/${list.slug}/moderation`}>Moderation queue</a> ·{' '}
        <a href={`${base}/archive/${list.slug}`}>Archive</a>
      </p>
      <h2>Members ({props.members.length})</h2>
      <Table head={['Address', 'Name', 'Role', 'Status', 'Bounces', '']} rows={props.members} empty="No members yet.">
        {props.members.map((m) => (
          <tr>
            <td class="wrap-anywhere">{m.address}</td>
            <td>{m.name}</td>
            <td>{m.role}</td>
            <td>
              <Badge value={m.status} />
            </td>
            <td class="num">{m.bounceScore}</td>
            <td class="controls">
              <form class="inline" method="post" action={`${base}/admin/lists/${list.slug}/members/${m.id}`}>
                <input type="hidden" name="csrf" value={csrf} />
                <Select name="role" label={`Role of ${m.address}`} options={ROLES} selected={m.role} />{' '}
                <Select name="status" label={`Status of ${m.address}`} options={STATUSES} selected={m.status} />{' '}
                <button class="small" type="submit">
                  Save
                </button>
              </form>
            </td>
          </tr>
        ))}
      </Table>
      <h2>Add a member</h2>
      <Form action={`${base}/admin/lists/${list.slug}/members`} csrf={csrf} submit="Add">
        <div class="row">
          <Field label="Address" name="address" type="email" required />
          <Field label="Name" name="name" />
          <SelectField label="Role" name="role" options={ROLES} class="shrink" />
        </div>
      </Form>
    </>
  );
}

export function ModerationQueue(props: { base: string; csrf: string; list: List; items: ModerationItem[] }) {
  if (props.items.length === 0) return <Empty>Nothing waits for moderation.</Empty>;
  return (
    <>
      {props.items.map((item) => (
        <article class="message">
          <p class="meta">
            From <strong>{item.sender}</strong> · <Time value={item.createdAt} /> · held because: {item.reason} ·{' '}
            <Badge value={item.status} />
          </p>
          <h3>{item.subject}</h3>
          <div class="body">{item.submission.newText}</div>
          {item.status === 'pending' ? (
            <form class="actions" method="post" action={`${props.base}/admin/moderation/${item.id}`}>
              <input type="hidden" name="csrf" value={props.csrf} />
              <button type="submit" name="decision" value="approve">
                Approve
              </button>
              <button class="secondary" type="submit" name="decision" value="reject">
                Reject
              </button>
            </form>
          ) : null}
        </article>
      ))}
    </>
  );
}
