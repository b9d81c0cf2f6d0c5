/** Server-rendered pages (hono/jsx escapes every interpolated value; post bodies come from render.ts). */
import {
  ActionForm,
  Badge,
  CsrfInput,
  Empty,
  ErrorPage,
  Field,
  Flash,
  Flashes,
  Page,
  PageHead,
  SelectField,
  Table,
  TextField,
} from '@mailroom/app-kit';
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
  return new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: config.timeZone,
  }).format(date);
}

/** The blog's home: `/blog` when mounted there (a sub-app does not answer `/blog/`), `/` at the root. */
export function homePath(config: BlogConfig): string {
  return config.basePath || '/';
}

/** The kit's page frame for the blog: public pages read as prose (serif, one column), the author's pages as a form UI. */
export function Layout(props: PageChrome & { title: string; children: Child; admin?: boolean; description?: string }) {
  const { config } = props;
  const base = config.basePath;
  const home = homePath(config);
  const nav = [
    { href: home, label: 'Home' },
    { href: `${base}/feed.xml`, label: 'Feed' },
    props.author ? { href: `${base}/admin`, label: 'Your posts' } : { href: `${base}/login`, label: 'Sign in' },
  ];
  return (
    <Page
      title={props.title}
      app={{ name: config.title, home, base }}
      nav={nav}
      width={props.admin ? 'narrow' : 'reading'}
      stylesheets={[`${base}/assets/blog.css`]}
      head={<link rel="alternate" type="application/atom+xml" title={config.title} href={`${base}/feed.xml`} />}
      footer={<>Written by email. {config.title}</>}
      {...(props.description ? { description: props.description } : {})}
    >
      {props.admin ? props.children : <div class="prose">{props.children}</div>}
    </Page>
  );
}

export interface PostCard {
  post: Post;
  authorName: string;
  teaser: string;
  cover: Image | null;
}

export function IndexPage(
  props: PageChrome & { heading?: string; cards: PostCard[]; page: number; pages: number; pagePath: string },
) {
  const { config } = props;
  const base = config.basePath;
  return (
    <Layout config={config} author={props.author ?? null} title={props.heading ?? config.title}>
      {props.heading ? <h1>{props.heading}</h1> : config.tagline ? <p class="tagline">{config.tagline}</p> : null}
      {props.cards.length === 0 ? <Empty>Nothing published here yet.</Empty> : null}
      {props.cards.map(({ post, authorName, teaser, cover }) => (
        <article class="post-card">
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
              <img
                class="cover"
                src={imageUrl(base, cover, cover.renditions.medium ? 'medium' : 'small')}
                alt={cover.alt}
                loading="lazy"
              />
            </a>
          ) : null}
          <p>{teaser}</p>
          <a href={`${base}/posts/${encodeURIComponent(post.slug)}`}>Read more →</a>
        </article>
      ))}
      {props.pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          {props.page > 1 ? (
            <a rel="prev" href={`${props.pagePath}?page=${props.page - 1}`}>
              ← Newer posts
            </a>
          ) : (
            <span />
          )}
          <span class="meta">
            Page {props.page} of {props.pages}
          </span>
          {props.page < props.pages ? (
            <a rel="next" href={`${props.pagePath}?page=${props.page + 1}`}>
              Older posts →
            </a>
          ) : (
            <span />
          )}
        </nav>
      ) : null}
    </Layout>
  );
}

export function PostPage(
  props: PageChrome & { post: Post; authorName: string; body: string; now: Date; teaser: string },
) {
  const { config, post } = props;
  const base = config.basePath;
  const status = effectiveStatus(post, props.now);
  return (
    <Layout config={config} author={props.author ?? null} title={post.title} description={props.teaser}>
      <article class="post">
        {status !== 'published' ? (
          <Flash kind="warn">
            Preview: this post is {status}
            {post.draftReason ? ` (${post.draftReason})` : ''}. Only you can see it.
          </Flash>
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
  const { config } = props;
  const home = homePath(config);
  return (
    <ErrorPage
      app={{ name: config.title, home, base: config.basePath }}
      status={404}
      title="Not found"
      message={props.message ?? 'There is nothing here.'}
    >
      <p>
        <a href={home}>Back to the blog</a>
      </p>
    </ErrorPage>
  );
}

export function LoginPage(props: PageChrome & { email?: string; error?: string }) {
  return (
    <Layout config={props.config} title="Sign in" admin>
      <h1>Sign in</h1>
      <Flash kind="error">{props.error}</Flash>
      <form class="card" method="post" action={`${props.config.basePath}/login`}>
        <Field
          label="Email"
          id="email"
          type="email"
          name="email"
          value={props.email ?? ''}
          required
          autocomplete="username"
        />
        <Field
          label="Password"
          id="password"
          type="password"
          name="password"
          required
          autocomplete="current-password"
        />
        <button type="submit">Sign in</button>
      </form>
    </Layout>
  );
}

export function PasswordPage(props: PageChrome & { author: Author; csrf: string; notice?: string; error?: string }) {
  return (
    <Layout config={props.config} author={props.author} title="Change password" admin>
      <h1>Change password</h1>
      <PasswordChangeForm
        action={`${props.config.basePath}/admin/password`}
        csrf={props.csrf}
        error={props.error}
        notice={props.notice}
      />
    </Layout>
  );
}

function StatusBadge(props: { status: string }) {
  return <Badge value={props.status} />;
}

export function AdminPostsPage(
  props: PageChrome & { author: Author; posts: Post[]; now: Date; csrf: string; notice?: string },
) {
  const { config } = props;
  const base = config.basePath;
  return (
    <Layout config={config} author={props.author} title="Your posts" admin>
      <PageHead
        title="Your posts"
        actions={<ActionForm action={`${base}/logout`} csrf={props.csrf} submit="Sign out" variant="secondary" />}
      />
      <Flash kind="ok">{props.notice}</Flash>
      <p>
        Email a post to your secret address (<a href={`${base}/admin/address`}>show it</a>). The subject becomes the
        title. <a href={`${base}/admin/password`}>Change your password</a>.
      </p>
      <Table head={['Title', 'Status', 'Date']} rows={props.posts} empty="No posts yet.">
        {props.posts.map((post) => (
          <tr>
            <td class="wrap-anywhere">
              <a href={`${base}/admin/posts/${post.id}`}>{post.title}</a>
              {post.draftReason && post.status === 'draft' ? <div class="meta">{post.draftReason}</div> : null}
            </td>
            <td>
              <StatusBadge status={effectiveStatus(post, props.now)} />
            </td>
            <td class="meta">{formatDateTime(post.publishAt, config)}</td>
          </tr>
        ))}
      </Table>
    </Layout>
  );
}

export function EditPostPage(
  props: PageChrome & { author: Author; post: Post; now: Date; csrf: string; notice?: string; error?: string },
) {
  const { config, post } = props;
  const base = config.basePath;
  const status = effectiveStatus(post, props.now);
  return (
    <Layout config={config} author={props.author} title={`Edit: ${post.title}`} admin>
      <PageHead
        back={{ href: `${base}/admin`, label: 'Your posts' }}
        title="Edit post"
        sub={
          <>
            <StatusBadge status={status} /> <a href={`${base}/posts/${encodeURIComponent(post.slug)}`}>View</a>
            {post.draftReason && post.status === 'draft' ? <span class="meta"> · {post.draftReason}</span> : null}
          </>
        }
      />
      <Flashes notice={props.notice} error={props.error} />
      <form class="card" method="post" action={`${base}/admin/posts/${post.id}`}>
        <CsrfInput token={props.csrf} />
        <Field label="Title" id="title" type="text" name="title" value={post.title} required maxlength={200} />
        <TextField
          label={`Content (${post.sourceFormat === 'markdown' ? 'Markdown' : 'HTML'})`}
          id="source"
          name="source"
          value={post.source}
          tall
        />
        <SelectField
          label="Status"
          id="status"
          name="status"
          options={[
            ['published', status === 'scheduled' ? 'Scheduled' : 'Published'],
            ['draft', 'Draft'],
          ]}
          selected={status === 'draft' ? 'draft' : 'published'}
        />
        <button type="submit">Save</button>
      </form>
      <ActionForm
        action={`${base}/admin/posts/${post.id}/delete`}
        csrf={props.csrf}
        submit="Delete post"
        variant="danger"
      />
    </Layout>
  );
}

export function AddressPage(
  props: PageChrome & { author: Author; address: string; plainAddress: string | null; csrf: string; notice?: string },
) {
  const { config, author } = props;
  const base = config.basePath;
  return (
    <Layout config={config} author={author} title="Your posting address" admin>
      <PageHead back={{ href: `${base}/admin`, label: 'Your posts' }} title="Your posting address" />
      <Flash kind="ok">{props.notice}</Flash>
      <p>
        Send an email to this address to publish a post. Keep it secret: mail to it must also come from{' '}
        <strong>{author.email}</strong> (signed by your provider), otherwise it is kept as a draft.
      </p>
      <p>
        <code class="address" id="posting-address">
          {props.address}
        </code>{' '}
        {author.revoked ? <StatusBadge status="disabled" /> : null}
      </p>
      {props.plainAddress ? (
        <p class="meta">
          You can also write to {props.plainAddress} from {author.email}.
        </p>
      ) : null}
      <div class="actions">
        <ActionForm action={`${base}/admin/address/regenerate`} csrf={props.csrf} submit="Make a new address" />
        {!author.revoked ? (
          <ActionForm
            action={`${base}/admin/address/disable`}
            csrf={props.csrf}
            submit="Switch this address off"
            variant="secondary"
          />
        ) : null}
      </div>
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
