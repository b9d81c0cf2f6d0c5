import { Hono, type Context } from 'hono';
import { formLogin, kitAssets, securityHeaders, type AppKit } from '@mailroom/app-kit';
import type { BlobStore } from '@mailroom/core/inbox';
import { plainPostingAddress, postingAddress, type BlogConfig } from '../config.js';
import type { BlogDb } from '../db/index.js';
import type { Post } from '../db/schema.js';
import {
  authenticateAuthor,
  authorById,
  regeneratePostingAddress,
  setAuthorPassword,
  setPostingAddressRevoked,
} from '../domain/authors.js';
import {
  authorPosts,
  deletePost,
  downloadById,
  editPost,
  imageById,
  isPublic,
  postBySlug,
  postById,
  postMedia,
  publicPosts,
  type PageQuery,
} from '../domain/posts.js';
import { createApi } from './api.js';
import { atomFeed } from './feed.js';
import { coverImage, renderPostBody, teaser } from './render.js';
import { loadSession, requirePageAuthor, type WebEnv } from './session.js';
import { BLOG_CSS } from './styles.js';
import {
  AddressPage,
  AdminPostsPage,
  EditPostPage,
  IndexPage,
  LoginPage,
  NotFoundPage,
  PasswordPage,
  PostPage,
} from './views.js';

export interface WebDeps {
  db: BlogDb;
  blobs: BlobStore;
  config: BlogConfig;
  /** Sessions, login throttling, password policy and CSRF (`@mailroom/app-kit`). */
  kit: AppKit;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Public blog, author UI, media and (under /api) the JSON API. Mount it at `config.basePath`. */
export function createWebApp(deps: WebDeps): Hono {
  const { db, config, kit } = deps;
  const web = new Hono<WebEnv>();

  web.use(securityHeaders({ crossOriginResourcePolicy: 'same-site' }));
  web.route('/', kitAssets());
  web.use(loadSession(db, kit));
  web.route('/api', createApi(deps));
  web.get('/assets/blog.css', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(BLOG_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });

  web.route('/', publicPages(deps));
  web.route('/', mediaRoutes(deps));
  web.route('/', authorForms(deps));
  web.notFound((c) => c.html(<NotFoundPage config={config} author={c.var.author ?? null} />, 404));
  // Callers mount a plain Hono: the session variables stay inside (Hono runs only the outermost app's notFound).
  const root = new Hono().route('/', web);
  root.notFound((c) => c.html(<NotFoundPage config={config} author={null} />, 404));
  return root;
}

/** Readers see public posts; an author also sees (previews) their own drafts. */
function canSee(c: Context<WebEnv>, config: BlogConfig, post: Post): boolean {
  return isPublic(post, config.now()) || c.var.author?.id === post.authorId;
}

/** The listing (all, a category, a tag), a post and the Atom feed. */
function publicPages({ db, config }: WebDeps): Hono<WebEnv> {
  const base = config.basePath;
  const pages = new Hono<WebEnv>();
  async function listing(
    c: Context<WebEnv>,
    filter: Pick<PageQuery, 'category' | 'tag'>,
    heading: string | undefined,
    pagePath: string,
  ) {
    const page = Math.max(1, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '1', 10) || 1));
    const now = config.now();
    const { items, total } = await publicPosts(db, { now, page, perPage: config.postsPerPage, ...filter });
    const pages = Math.max(1, Math.ceil(total / config.postsPerPage));
    if ((filter.category || filter.tag) && total === 0) {
      return c.html(<NotFoundPage config={config} author={c.var.author} message="No posts here." />, 404);
    }
    const media = await postMedia(
      db,
      items.map((i) => i.post.id),
    );
    const cards = items.map(({ post, authorName }) => ({
      post,
      authorName,
      teaser: teaser(post.excerpt, post.html),
      cover: coverImage(media.images.filter((i) => i.postId === post.id)),
    }));
    return c.html(
      <IndexPage
        config={config}
        author={c.var.author}
        cards={cards}
        page={page}
        pages={pages}
        pagePath={pagePath}
        {...(heading ? { heading } : {})}
      />,
    );
  }

  pages.get('/', (c) => listing(c, {}, undefined, base || '/'));
  pages.get('/category/:name', (c) => {
    const name = c.req.param('name');
    return listing(c, { category: name }, `Category: ${name}`, `${base}/category/${encodeURIComponent(name)}`);
  });
  pages.get('/tag/:name', (c) => {
    const name = c.req.param('name');
    return listing(c, { tag: name }, `Tagged #${name}`, `${base}/tag/${encodeURIComponent(name)}`);
  });

  pages.get('/posts/:slug', async (c) => {
    const post = await postBySlug(db, c.req.param('slug'));
    if (!post || !canSee(c, config, post))
      return c.html(<NotFoundPage config={config} author={c.var.author} message="No such post." />, 404);
    const [author, media] = await Promise.all([authorById(db, post.authorId), postMedia(db, [post.id])]);
    const body = renderPostBody(post.html, media.images, media.downloads, base);
    if (!isPublic(post, config.now())) c.header('Cache-Control', 'private, no-store');
    return c.html(
      <PostPage
        config={config}
        author={c.var.author}
        post={post}
        authorName={author?.name ?? ''}
        body={body}
        now={config.now()}
        teaser={teaser(post.excerpt, post.html)}
      />,
    );
  });

  pages.get('/feed.xml', async (c) => {
    const now = config.now();
    const { items } = await publicPosts(db, { now, page: 1, perPage: 20 });
    const media = await postMedia(
      db,
      items.map((i) => i.post.id),
    );
    const entries = items.map(({ post, authorName }) => ({
      post,
      authorName,
      images: media.images.filter((i) => i.postId === post.id),
      downloads: media.downloads.filter((d) => d.postId === post.id),
    }));
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(atomFeed(config, entries, now), 200, { 'Content-Type': 'application/atom+xml; charset=utf-8' });
  });

  return pages;
}

/** Images and downloads of posts the visitor may see; immutable caching for public ones. */
function mediaRoutes({ db, blobs, config }: WebDeps): Hono<WebEnv> {
  const media = new Hono<WebEnv>();
  media.get('/images/:id/:size', async (c) => {
    const id = Number(c.req.param('id'));
    const found = Number.isSafeInteger(id) ? await imageById(db, id) : null;
    const rendition = found?.image.renditions[c.req.param('size')];
    if (
      !found ||
      !rendition ||
      !Object.hasOwn(found.image.renditions, c.req.param('size')) ||
      !canSee(c, config, found.post)
    ) {
      return c.text('no such image', 404);
    }
    const etag = `"${rendition.key.split('/').slice(-2).join('-')}"`;
    const cache = isPublic(found.post, config.now()) ? IMMUTABLE : 'private, no-store';
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, { ETag: etag, 'Cache-Control': cache });
    const bytes = await blobs.get(rendition.key);
    if (!bytes) return c.text('image missing', 404);
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': rendition.contentType,
      'Cache-Control': cache,
      ETag: etag,
      'X-Content-Type-Options': 'nosniff',
    });
  });

  media.get('/files/:id/:name', async (c) => {
    const id = Number(c.req.param('id'));
    const found = Number.isSafeInteger(id) ? await downloadById(db, id) : null;
    if (!found || !canSee(c, config, found.post)) return c.text('no such file', 404);
    const bytes = await blobs.get(found.download.blobKey);
    if (!bytes) return c.text('file missing', 404);
    const ascii = found.download.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': found.download.contentType,
      // Always a download, never rendered in our origin.
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(found.download.filename)}`,
      'Cache-Control': isPublic(found.post, config.now()) ? 'public, max-age=86400' : 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    });
  });

  return media;
}

/**
 * Sign-in, sign-out and /admin. hono/csrf rejects cross-origin form posts (login CSRF included); signed-in forms
 * also carry a per-session token.
 */
function authorForms(deps: WebDeps): Hono<WebEnv> {
  const { db, config, kit } = deps;
  const base = config.basePath;
  const forms = new Hono<WebEnv>();
  forms.use(kit.formOriginCheck);
  forms.get('/login', (c) => (c.var.author ? c.redirect(`${base}/admin`, 303) : c.html(<LoginPage config={config} />)));
  forms.post(
    '/login',
    formLogin(kit, {
      authenticate: (email, password) => authenticateAuthor(db, email, password, kit.verifyPassword),
      page: (email, error) => <LoginPage config={config} email={email} error={error} />,
      home: `${base}/admin`,
    }),
  );
  forms.post('/logout', async (c) => {
    const form = await c.req.parseBody();
    if (c.var.session && !kit.verifyCsrf(c.var.session, form._csrf))
      return c.text('invalid or missing CSRF token; reload the page', 403);
    await kit.sessions.end(c);
    return c.redirect(base || '/', 303);
  });

  const admin = new Hono<WebEnv>();
  admin.use(requirePageAuthor(config));
  // Every POST under /admin must carry the session's CSRF token.
  admin.use(async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const form = await c.req.parseBody();
    if (!kit.verifyCsrf(c.var.session, form._csrf))
      return c.text('invalid or missing CSRF token; reload the page', 403);
    return next();
  });
  admin.route('/', adminPosts(deps));
  admin.route('/', adminAccount(deps));
  forms.route('/admin', admin);
  return forms;
}

const NOTICES: Record<string, string> = {
  saved: 'Saved.',
  deleted: 'Post deleted.',
  regenerated: 'Your new posting address is ready. The old one no longer works.',
  disabled: 'Your posting address is switched off. Make a new one to post by email again.',
  password: 'Password changed. Every other session of yours is signed out.',
};

/** The signed-in author's posts: list, edit, delete. */
/** The admin forms' CSRF token, for the signed-in author's session. */
const csrfOf = (kit: AppKit, c: Context<WebEnv>) => kit.csrfToken(c.var.session!);
/** The notice a redirect after a change asks for (`?done=…`). */
const noticeOf = (c: Context<WebEnv>) => NOTICES[c.req.query('done') ?? ''];

function adminPosts({ db, config, kit }: WebDeps): Hono<WebEnv> {
  const base = config.basePath;
  const admin = new Hono<WebEnv>();
  admin.get('/', async (c) => {
    const author = c.var.author!;
    const posts = await authorPosts(db, author.id);
    const notice = noticeOf(c);
    return c.html(
      <AdminPostsPage
        config={config}
        author={author}
        posts={posts}
        now={config.now()}
        csrf={csrfOf(kit, c)}
        {...(notice ? { notice } : {})}
      />,
    );
  });

  async function ownPost(c: Context<WebEnv>): Promise<Post | null> {
    const id = Number(c.req.param('id'));
    const post = Number.isSafeInteger(id) ? await postById(db, id) : null;
    return post && post.authorId === c.var.author!.id ? post : null;
  }

  admin.get('/posts/:id', async (c) => {
    const post = await ownPost(c);
    if (!post)
      return c.html(<NotFoundPage config={config} author={c.var.author} message="No such post of yours." />, 404);
    const notice = noticeOf(c);
    return c.html(
      <EditPostPage
        config={config}
        author={c.var.author!}
        post={post}
        now={config.now()}
        csrf={csrfOf(kit, c)}
        {...(notice ? { notice } : {})}
      />,
    );
  });
  admin.post('/posts/:id', async (c) => {
    const post = await ownPost(c);
    if (!post)
      return c.html(<NotFoundPage config={config} author={c.var.author} message="No such post of yours." />, 404);
    const form = await c.req.parseBody();
    const title = typeof form.title === 'string' ? form.title : '';
    const source = typeof form.source === 'string' ? form.source : null;
    const status = form.status === 'draft' || form.status === 'published' ? form.status : null;
    if (!title.trim() || source === null || !status) {
      return c.html(
        <EditPostPage
          config={config}
          author={c.var.author!}
          post={post}
          now={config.now()}
          csrf={csrfOf(kit, c)}
          error="Title, content and status are required."
        />,
        400,
      );
    }
    await editPost(db, post, { title, source: source.replace(/\r\n/g, '\n'), status }, config.now());
    return c.redirect(`${base}/admin/posts/${post.id}?done=saved`, 303);
  });
  admin.post('/posts/:id/delete', async (c) => {
    const post = await ownPost(c);
    if (!post)
      return c.html(<NotFoundPage config={config} author={c.var.author} message="No such post of yours." />, 404);
    await deletePost(db, post.id);
    return c.redirect(`${base}/admin?done=deleted`, 303);
  });

  return admin;
}

/** The signed-in author's posting address and password. */
function adminAccount({ db, config, kit }: WebDeps): Hono<WebEnv> {
  const base = config.basePath;
  const admin = new Hono<WebEnv>();
  admin.get('/address', async (c) => {
    const author = c.var.author!;
    const notice = noticeOf(c);
    return c.html(
      <AddressPage
        config={config}
        author={author}
        address={postingAddress(config, author.postingToken)}
        plainAddress={config.allowPlainAddress ? plainPostingAddress(config) : null}
        csrf={csrfOf(kit, c)}
        {...(notice ? { notice } : {})}
      />,
    );
  });
  admin.post('/address/regenerate', async (c) => {
    await regeneratePostingAddress(db, c.var.author!.id);
    return c.redirect(`${base}/admin/address?done=regenerated`, 303);
  });
  admin.post('/address/disable', async (c) => {
    await setPostingAddressRevoked(db, c.var.author!.id, true);
    return c.redirect(`${base}/admin/address?done=disabled`, 303);
  });

  admin.get('/password', (c) => {
    const notice = noticeOf(c);
    return c.html(
      <PasswordPage config={config} author={c.var.author!} csrf={csrfOf(kit, c)} {...(notice ? { notice } : {})} />,
    );
  });
  admin.post('/password', async (c) => {
    const author = c.var.author!;
    const form = await c.req.parseBody();
    const result = await kit.changePassword(
      c,
      String(author.id),
      c.var.session,
      { current: form.current, next: form.next, confirm: form.confirm },
      {
        verifyCurrent: (password) => kit.verifyPassword(password, author.passwordHash),
        save: (hash) => setAuthorPassword(db, author.id, hash),
      },
    );
    if (result.ok) return c.redirect(`${base}/admin/password?done=password`, 303);
    const headers: Record<string, string> = result.retryAfterSeconds
      ? { 'Retry-After': String(result.retryAfterSeconds) }
      : {};
    return c.html(
      <PasswordPage config={config} author={author} csrf={csrfOf(kit, c)} error={result.error} />,
      result.status,
      headers,
    );
  });

  return admin;
}
