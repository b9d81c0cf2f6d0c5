/** Server-rendered pages (hono/jsx escapes every interpolated value; post bodies come from render.ts). */
import { PasswordChangeForm } from '@mailroom/app-kit';
import type { Child } from 'hono/jsx';
import type { BlogConfig } from '../config.js';
import type { Author, Image, Post } from '../db/schema.js';
import { effectiveStatus } from '../domain/posts.js';
import { imageUrl } from './render.js';

export interface PageChrome {
  config: BlogConfig;
  author?: Author | null;
}

function formatDate(date: Date | null, config: BlogConfig): string {
  if (!date) return '';
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: config.timeZone }).format(date);
}

function formatDateTime(date: Date | null, config: BlogConfig): string {
  if (!date) return '';
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }).format(date);
}

/** The blog's home: `/blog` when mounted there (a sub-app does not answer `/blog/`), `/` at the root. */
export function homePath(config: BlogConfig): string {
  return config.basePath || '/';
}

export function Layout(props: PageChrome & { title: string; children: Child; admin?: boolean; description?: string }) {
  const { config } = props;
  const base = config.basePath;
  const home = homePath(config);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title === config.title ? config.title : `${props.title} · ${config.title}`}</title>
        {props.description ? <meta name="description" content={props.description} /> : null}
        <link rel="stylesheet" href={`${base}/assets/blog.css`} />
        <link rel="alternate" type="application/atom+xml" title={config.title} href={`${base}/feed.xml`} />
      </head>
      <body>
        <header class="site">
          <div class="wrap">
            <div>
              <a class="brand" href={home}>{config.title}</a>
              {config.tagline ? <p class="tagline">{config.tagline}</p> : null}
            </div>
            <nav class="site">
              <a href={home}>Home</a>
              <a href={`${base}/feed.xml`}>Feed</a>
              {props.author ? <a href={`${base}/admin`}>Your posts</a> : <a href={`${base}/login`}>Sign in</a>}
            </nav>
          </div>
        </header>
        <main class={props.admin ? 'wrap admin' : 'wrap'}>{props.children}</main>
        <footer class="site">
          <div class="wrap">Written by email. {config.title}</div>
        </footer>
      </body>
    </html>
  );
}

export interface PostCard {
  post: Post;
  authorName: string;
  teaser: string;
  cover: Image | null;
}

export function IndexPage(props: PageChrome & { heading?: string; cards: PostCard[]; page: number; pages: number; pagePath: string }) {
  const { config } = props;
  const base = config.basePath;
  return (
    <Layout config={config} author={props.author ?? null} title={props.heading ?? config.title}>
      {props.heading ? <h1>{props.heading}</h1> : null}
      {props.cards.length === 0 ? <p class="meta">Nothing published here yet.</p> : null}
      {props.cards.map(({ post, authorName, teaser, cover }) => (
        <article class="card">
          <p class="post-meta">
            <time datetime={post.publishAt?.toISOString()}>{formatDate(post.publishAt, config)}</time>
            {' · '}
            {authorName}
            {post.category ? (
              <>
                {' · '}
                <a href={`${base}/category/${encodeURIComponent(post.category.toLowerCase())}`}>{post.category}</a>
              </>
            ) : null}
          </p>
          <h2>
            <a href={`${base}/posts/${encodeURIComponent(post.slug)}`}>{post.title}</a>
          </h2>
          {cover ? (
            <a href={`${base}/posts/${encodeURIComponent(post.slug)}`}>
              <img class="cover" src={imageUrl(base, cover, cover.renditions.medium ? 'medium' : 'small')} alt={cover.alt} loading="lazy" />
            </a>
          ) : null}
          <p>{teaser}</p>
          <a href={`${base}/posts/${encodeURIComponent(post.slug)}`}>Read more →</a>
        </article>
      ))}
      {props.pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          {props.page > 1 ? <a rel="prev" href={`${props.pagePath}?page=${props.page - 1}`}>← Newer posts</a> : <span />}
          <span class="meta">
            Page {props.page} of {props.pages}
          </span>
          {props.page < props.pages ? <a rel="next" href={`${props.pagePath}?page=${props.page + 1}`}>Older posts →</a> : <span />}
        </nav>
      ) : null}
    </Layout>
  );
}

export function PostPage(props: PageChrome & { post: Post; authorName: string; body: string; now: Date; teaser: string }) {
  const { config, post } = props;
  const base = config.basePath;
  const status = effectiveStatus(post, props.now);
  return (
    <Layout config={config} author={props.author ?? null} title={post.title} description={props.teaser}>
      <article class="post">
        {status !== 'published' ? (
          <p class="notice">
            Preview: this post is {status}
            {post.draftReason ? ` (${post.draftReason})` : ''}. Only you can see it.
          </p>
        ) : null}
        <h1>{post.title}</h1>
        <p class="post-meta">
          <time datetime={post.publishAt?.toISOString()}>{formatDate(post.publishAt, config)}</time>
          {' · '}by {props.authorName}
          {post.category ? (
            <>
              {' · in '}
              <a href={`${base}/category/${encodeURIComponent(post.category.toLowerCase())}`}>{post.category}</a>
            </>
          ) : null}
        </p>
        <div class="content" dangerouslySetInnerHTML={{ __html: props.body }} />
        {post.tags.length ? (
          <ul class="tags">
            {post.tags.map((tag) => (
              <li>
                <a href={`${base}/tag/${encodeURIComponent(tag)}`}>#{tag}</a>
              </li>
            ))}
          </ul>
        ) : null}
        {!post.comments ? <p class="meta">Comments are closed for this post.</p> : null}
      </article>
    </Layout>
  );
}

export function NotFoundPage(props: PageChrome & { message?: string }) {
  return (
    <Layout config={props.config} author={props.author ?? null} title="Not found">
      <h1>Not found</h1>
      <p>{props.message ?? 'There is nothing here.'}</p>
      <p>
        <a href={homePath(props.config)}>Back to the blog</a>
      </p>
    </Layout>
  );
}

export function LoginPage(props: PageChrome & { email?: string; error?: string }) {
  return (
    <Layout config={props.config} title="Sign in" admin>
      <h1>Sign in</h1>
      {props.error ? <p class="notice error" role="alert">{props.error}</p> : null}
      <form class="stack" method="post" action={`${props.config.basePath}/login`}>
        <label for="email">Email</label>
        <input id="email" type="email" name="email" value={props.email ?? ''} required autocomplete="username" />
        <label for="password">Password</label>
        <input id="password" type="password" name="password" required autocomplete="current-password" />
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}

export function PasswordPage(props: PageChrome & { author: Author; csrf: string; notice?: string; error?: string }) {
  return (
    <Layout config={props.config} author={props.author} title="Change password" admin>
      <h1>Change password</h1>
      <PasswordChangeForm action={`${props.config.basePath}/admin/password`} csrf={props.csrf} error={props.error} notice={props.notice} />
    </Layout>
  );
}

function StatusBadge(props: { status: string }) {
  return <span class={`status ${props.status}`}>{props.status}</span>;
}

export function AdminPostsPage(props: PageChrome & { author: Author; posts: Post[]; now: Date; csrf: string; notice?: string }) {
  const { config } = props;
  const base = config.basePath;
  return (
    <Layout config={config} author={props.author} title="Your posts" admin>
      <h1>Your posts</h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <p>
        Email a post to your secret address (<a href={`${base}/admin/address`}>show it</a>). The subject becomes the title.{' '}
        <a href={`${base}/admin/password`}>Change your password</a>.
      </p>
      <table>
        <thead>
          <tr>
            <th>Title</th>
            <th>Status</th>
            <th>Date</th>
          </tr>
        </thead>
        <tbody>
          {props.posts.map((post) => (
            <tr>
              <td>
                <a href={`${base}/admin/posts/${post.id}`}>{post.title}</a>
                {post.draftReason && post.status === 'draft' ? <div class="meta">{post.draftReason}</div> : null}
              </td>
              <td>
                <StatusBadge status={effectiveStatus(post, props.now)} />
              </td>
              <td class="meta">{formatDateTime(post.publishAt, config)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.posts.length === 0 ? <p class="meta">No posts yet.</p> : null}
      <form method="post" action={`${base}/logout`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button class="secondary" type="submit">Sign out</button>
      </form>
    </Layout>
  );
}

export function EditPostPage(props: PageChrome & { author: Author; post: Post; now: Date; csrf: string; notice?: string; error?: string }) {
  const { config, post } = props;
  const base = config.basePath;
  const status = effectiveStatus(post, props.now);
  return (
    <Layout config={config} author={props.author} title={`Edit: ${post.title}`} admin>
      <p>
        <a href={`${base}/admin`}>← Your posts</a>
      </p>
      <h1>Edit post</h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      {props.error ? <p class="notice error" role="alert">{props.error}</p> : null}
      <p>
        <StatusBadge status={status} /> <a href={`${base}/posts/${encodeURIComponent(post.slug)}`}>View</a>
        {post.draftReason && post.status === 'draft' ? <span class="meta"> · {post.draftReason}</span> : null}
      </p>
      <form class="stack" method="post" action={`${base}/admin/posts/${post.id}`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <label for="title">Title</label>
        <input id="title" type="text" name="title" value={post.title} required maxlength={200} />
        <label for="source">Content ({post.sourceFormat === 'markdown' ? 'Markdown' : 'HTML'})</label>
        <textarea id="source" name="source">{post.source}</textarea>
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="published" selected={status !== 'draft'}>
            {status === 'scheduled' ? 'Scheduled' : 'Published'}
          </option>
          <option value="draft" selected={status === 'draft'}>
            Draft
          </option>
        </select>
        <button type="submit">Save</button>
      </form>
      <form method="post" action={`${base}/admin/posts/${post.id}/delete`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button class="secondary" type="submit">Delete post</button>
      </form>
    </Layout>
  );
}

export function AddressPage(props: PageChrome & { author: Author; address: string; plainAddress: string | null; csrf: string; notice?: string }) {
  const { config, author } = props;
  const base = config.basePath;
  return (
    <Layout config={config} author={author} title="Your posting address" admin>
      <p>
        <a href={`${base}/admin`}>← Your posts</a>
      </p>
      <h1>Your posting address</h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <p>
        Send an email to this address to publish a post. Keep it secret: mail to it must also come from <strong>{author.email}</strong>{' '}
        (signed by your provider), otherwise it is kept as a draft.
      </p>
      <p>
        <code class="address" id="posting-address">{props.address}</code> {author.revoked ? <StatusBadge status="disabled" /> : null}
      </p>
      {props.plainAddress ? (
        <p class="meta">
          You can also write to {props.plainAddress} from {author.email}.
        </p>
      ) : null}
      <form method="post" action={`${base}/admin/address/regenerate`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button type="submit">Make a new address</button>
      </form>
      {!author.revoked ? (
        <form method="post" action={`${base}/admin/address/disable`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button class="secondary" type="submit">Switch this address off</button>
        </form>
      ) : null}
      <h2>Directives</h2>
      <p>Put these on their own lines anywhere in the email; they are removed from the post.</p>
      <pre>{`[category Travel]
[tags rome, food]
[status draft]            or [status publish]
[slug my-url]
[title A title]           (when the subject cannot be used)
[excerpt]A summary.[/excerpt]
[delay +2h]               or [publish 2026-12-24 09:00]
[comments off]
[end]                     (everything below is ignored)`}</pre>
    </Layout>
  );
}
