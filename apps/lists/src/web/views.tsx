/** Server-rendered pages: plain, readable HTML; every value is escaped by hono/jsx, message HTML is sanitized. */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import sanitizeHtml from 'sanitize-html';
import type { List, Member, Message, ModerationItem, Thread } from '../domain/index.js';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;color:#222}
a{color:#0645ad}pre,.body{white-space:pre-wrap;word-wrap:break-word;font:inherit}article{border-top:1px solid #ddd;padding:.8rem 0}
.meta{color:#555;font-size:.9rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left}
form.inline{display:inline}details{margin-top:.5rem}.notice{background:#ffd;padding:.5rem}`;

export function Page(props: { title: string; base: string; admin?: boolean; csrf?: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <nav>
          <a href={props.base || '/'}>Lists</a>
          {props.admin ? (
            <>
              {' · '}
              <a href={`${props.base}/admin`}>Admin</a> <a href={`${props.base}/admin/password`}>Password</a>{' '}
              <form class="inline" method="post" action={`${props.base}/logout`}>
                <input type="hidden" name="csrf" value={props.csrf ?? ''} />
                <button type="submit">Log out</button>
              </form>
            </>
          ) : null}
        </nav>
        <h1>{props.title}</h1>
        {props.children}
      </body>
    </html>
  );
}

/** A message's original HTML as the archive may show it: formatting and links only, no images, scripts or styles. */
export function sanitizeMessageHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ['p', 'br', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'a', 'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'h1', 'h2', 'h3', 'h4', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
    allowedAttributes: { a: ['href', 'title'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    transformTags: { a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } }) },
  });
}

const when = (d: Date) => new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export function ListIndex(props: { base: string; lists: List[] }) {
  return (
    <ul>
      {props.lists.map((l) => (
        <li>
          <a href={`${props.base}/archive/${l.slug}`}>{l.name}</a> — {l.description} <span class="meta">({l.archive === 'public' ? 'public archive' : 'members-only archive'})</span>
        </li>
      ))}
    </ul>
  );
}

export function ThreadIndex(props: { base: string; list: List; threads: Thread[]; access: string }) {
  return (
    <>
      <p>{props.list.description}</p>
      <table>
        <tr>
          <th>Thread</th>
          <th>Messages</th>
          <th>Last post</th>
        </tr>
        {props.threads.map((t) => (
          <tr>
            <td>
              <a href={`${props.base}/archive/${props.list.slug}/t/${t.id}${props.access}`}>{t.subject}</a>
            </td>
            <td>{t.messageCount}</td>
            <td>{when(t.lastPostAt)}</td>
          </tr>
        ))}
      </table>
    </>
  );
}

export function ThreadView(props: { messages: Message[] }) {
  return (
    <>
      {props.messages.map((m) => (
        <article id={`m-${m.id}`}>
          <div class="meta">
            <strong>{m.authorName || m.authorAddress}</strong> · {when(m.createdAt)} · {m.subject}
          </div>
          <div class="body">{m.newText}</div>
          {m.fullHtml || (m.fullText && m.fullText.trim() !== m.newText.trim()) ? (
            <details>
              <summary>Original message</summary>
              {m.fullHtml ? <div>{raw(sanitizeMessageHtml(m.fullHtml))}</div> : <pre>{m.fullText}</pre>}
            </details>
          ) : null}
        </article>
      ))}
    </>
  );
}

export function Form(props: { action: string; csrf: string; children?: Child; submit: string }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.children}
      <button type="submit">{props.submit}</button>
    </form>
  );
}

export function AdminHome(props: { base: string; csrf: string; lists: List[]; pending: Record<string, number>; error?: string }) {
  return (
    <>
      {props.error ? <p class="notice">{props.error}</p> : null}
      <table>
        <tr>
          <th>List</th>
          <th>Policy</th>
          <th>Archive</th>
          <th>Moderation</th>
        </tr>
        {props.lists.map((l) => (
          <tr>
            <td>
              <a href={`${props.base}/admin/lists/${l.slug}`}>{l.name}</a> ({l.slug})
            </td>
            <td>{l.policy}</td>
            <td>{l.archive}</td>
            <td>
              <a href={`${props.base}/admin/lists/${l.slug}/moderation`}>{props.pending[l.id] ?? 0} pending</a>
            </td>
          </tr>
        ))}
      </table>
      <h2>Create a list</h2>
      <Form action={`${props.base}/admin/lists`} csrf={props.csrf} submit="Create">
        <p>
          <label>
            Address (slug) <input name="slug" required pattern="[a-z0-9][a-z0-9-]*" />
          </label>
        </p>
        <p>
          <label>
            Name <input name="name" required />
          </label>
        </p>
        <p>
          <label>
            Description <input name="description" />
          </label>
        </p>
        <p>
          <label>
            Policy{' '}
            <select name="policy">
              <option value="members">members post</option>
              <option value="moderated">moderated</option>
              <option value="announce">announce-only</option>
            </select>
          </label>{' '}
          <label>
            Archive{' '}
            <select name="archive">
              <option value="public">public</option>
              <option value="members">members only</option>
            </select>
          </label>
        </p>
      </Form>
    </>
  );
}

export function AdminList(props: { base: string; csrf: string; list: List; members: Member[]; error?: string }) {
  const { base, csrf, list } = props;
  return (
    <>
      {props.error ? <p class="notice">{props.error}</p> : null}
      <p>
        Policy: {list.policy} · Archive: {list.archive} · <a href={`${base}/admin/lists/${list.slug}/moderation`}>Moderation queue</a> ·{' '}
        <a href={`${base}/archive/${list.slug}`}>Archive</a>
      </p>
      <h2>Members ({props.members.length})</h2>
      <table>
        <tr>
          <th>Address</th>
          <th>Name</th>
          <th>Role</th>
          <th>Status</th>
          <th>Bounces</th>
          <th></th>
        </tr>
        {props.members.map((m) => (
          <tr>
            <td>{m.address}</td>
            <td>{m.name}</td>
            <td>{m.role}</td>
            <td>{m.status}</td>
            <td>{m.bounceScore}</td>
            <td>
              <form class="inline" method="post" action={`${base}/admin/lists/${list.slug}/members/${m.id}`}>
                <input type="hidden" name="csrf" value={csrf} />
                <select name="role">
                  {(['member', 'moderator', 'owner'] as const).map((r) => (
                    <option value={r} selected={r === m.role}>
                      {r}
                    </option>
                  ))}
                </select>
                <select name="status">
                  {(['active', 'suspended', 'unsubscribed'] as const).map((s) => (
                    <option value={s} selected={s === m.status}>
                      {s}
                    </option>
                  ))}
                </select>
                <button type="submit">Save</button>
              </form>
            </td>
          </tr>
        ))}
      </table>
      <h2>Add a member</h2>
      <Form action={`${base}/admin/lists/${list.slug}/members`} csrf={csrf} submit="Add">
        <label>
          Address <input name="address" type="email" required />
        </label>{' '}
        <label>
          Name <input name="name" />
        </label>{' '}
        <select name="role">
          <option value="member">member</option>
          <option value="moderator">moderator</option>
          <option value="owner">owner</option>
        </select>
      </Form>
    </>
  );
}

export function ModerationQueue(props: { base: string; csrf: string; list: List; items: ModerationItem[] }) {
  return (
    <>
      {props.items.length === 0 ? <p>Nothing waits for moderation.</p> : null}
      {props.items.map((item) => (
        <article>
          <div class="meta">
            From <strong>{item.sender}</strong> · {when(item.createdAt)} · held because: {item.reason} · {item.status}
          </div>
          <h3>{item.subject}</h3>
          <div class="body">{item.submission.newText}</div>
          {item.status === 'pending' ? (
            <form method="post" action={`${props.base}/admin/moderation/${item.id}`}>
              <input type="hidden" name="csrf" value={props.csrf} />
              <button type="submit" name="decision" value="approve">
                Approve
              </button>{' '}
              <button type="submit" name="decision" value="reject">
                Reject
              </button>
            </form>
          ) : null}
        </article>
      ))}
    </>
  );
}
