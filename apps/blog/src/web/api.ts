/**
 * JSON API (documented in the README). Reading public posts and authors needs nothing; writing and
 * reading your own drafts needs HTTP Basic (email:password) or a session plus `X-CSRF-Token`.
 */
import { Hono, type Context } from 'hono';
import { postingAddress, postUrl, type BlogConfig } from '../config.js';
import type { Author, Download, Image, Post } from '../db/schema.js';
import {
  AuthorInputError,
  authorById,
  createAuthor,
  listAuthors,
  regeneratePostingAddress,
  setAuthorPassword,
  setPostingAddressRevoked,
} from '../domain/authors.js';
import { WeakPasswordError } from '../domain/passwords.js';
import {
  authorPosts,
  deletePost,
  editPost,
  effectiveStatus,
  isPublic,
  postById,
  postMedia,
  publicPosts,
} from '../domain/posts.js';
import { imageUrl, renderPostBody, teaser } from './render.js';
import { requireApiAuthor, type WebEnv } from './session.js';
import type { WebDeps } from './app.js';

export function postJson(
  config: BlogConfig,
  post: Post,
  authorName: string,
  images: Image[],
  downloads: Download[],
  now: Date,
) {
  return {
    id: post.id,
    title: post.title,
    slug: post.slug,
    url: postUrl(config, post.slug),
    status: effectiveStatus(post, now),
    draftReason: post.status === 'draft' ? post.draftReason : null,
    publishAt: post.publishAt?.toISOString() ?? null,
    createdAt: post.createdAt.toISOString(),
    updatedAt: post.updatedAt.toISOString(),
    author: { id: post.authorId, name: authorName },
    category: post.category,
    tags: post.tags,
    excerpt: teaser(post.excerpt, post.html),
    comments: post.comments,
    format: post.sourceFormat,
    html: renderPostBody(post.html, images, downloads, config.publicUrl),
    images: images.map((i) => ({
      id: i.id,
      alt: i.alt,
      width: i.width,
      height: i.height,
      urls: Object.fromEntries(Object.keys(i.renditions).map((size) => [size, imageUrl(config.publicUrl, i, size)])),
    })),
    downloads: downloads.map((d) => ({
      id: d.id,
      filename: d.filename,
      contentType: d.contentType,
      size: d.size,
      url: `${config.publicUrl}/files/${d.id}/${encodeURIComponent(d.filename)}`,
    })),
  };
}

function meJson(config: BlogConfig, author: Author) {
  return {
    id: author.id,
    email: author.email,
    name: author.name,
    isAdmin: author.isAdmin,
    postingAddress: postingAddress(config, author.postingToken),
    postingAddressEnabled: !author.revoked,
  };
}

async function readJson(c: Context): Promise<Record<string, unknown> | null> {
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) return null;
  try {
    const body: unknown = await c.req.json();
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The JSON API: public posts and authors, and (signed in, session or Basic) the author's own. */
export function createApi(deps: WebDeps): Hono<WebEnv> {
  const api = new Hono<WebEnv>();
  api.route('/', publicApi(deps));
  api.route('/', authorApi(deps));
  api.notFound((c) => c.json({ error: 'no such endpoint' }, 404));
  return api;
}

/** Posts as JSON with their images and downloads (one query for all of them). */
async function postsJson({ db, config }: WebDeps, rows: Array<{ post: Post; authorName: string }>) {
  const media = await postMedia(
    db,
    rows.map((r) => r.post.id),
  );
  const now = config.now();
  return rows.map(({ post, authorName }) =>
    postJson(
      config,
      post,
      authorName,
      media.images.filter((i) => i.postId === post.id),
      media.downloads.filter((d) => d.postId === post.id),
      now,
    ),
  );
}

function publicApi(deps: WebDeps): Hono<WebEnv> {
  const { db, config } = deps;
  const api = new Hono<WebEnv>();
  const withMedia = (rows: Array<{ post: Post; authorName: string }>) => postsJson(deps, rows);

  api.get('/posts', async (c) => {
    const page = Math.max(1, Number.parseInt(c.req.query('page') ?? '1', 10) || 1);
    const perPage = Math.min(
      100,
      Math.max(1, Number.parseInt(c.req.query('perPage') ?? String(config.postsPerPage), 10) || config.postsPerPage),
    );
    const category = c.req.query('category');
    const tag = c.req.query('tag');
    const authorId = c.req.query('author') ? Number(c.req.query('author')) : undefined;
    const { items, total } = await publicPosts(db, {
      now: config.now(),
      page,
      perPage,
      ...(category ? { category } : {}),
      ...(tag ? { tag } : {}),
      ...(authorId && Number.isSafeInteger(authorId) ? { authorId } : {}),
    });
    return c.json({ page, perPage, total, items: await withMedia(items) });
  });

  api.get('/posts/:id{[0-9]+}', async (c) => {
    const post = await postById(db, Number(c.req.param('id')));
    // Drafts are visible to their author only (session or Basic); to anyone else they do not exist.
    if (post && !isPublic(post, config.now())) {
      let viewer = c.var.author;
      if (c.req.header('authorization') !== undefined) {
        const denied = await requireApiAuthor(db, deps.kit)(c, async () => {
          viewer = c.var.author;
        });
        if (denied) return denied;
      }
      if (viewer?.id !== post.authorId) return c.json({ error: 'no such post' }, 404);
    }
    if (!post) return c.json({ error: 'no such post' }, 404);
    const author = await authorById(db, post.authorId);
    const [json] = await withMedia([{ post, authorName: author?.name ?? '' }]);
    return c.json(json);
  });

  api.get('/authors', async (c) => c.json({ items: await listAuthors(db, config.now()) }));
  api.get('/authors/:id{[0-9]+}', async (c) => {
    const id = Number(c.req.param('id'));
    const author = (await listAuthors(db, config.now())).find((a) => a.id === id);
    return author ? c.json(author) : c.json({ error: 'no such author' }, 404);
  });

  return api;
}

function authorApi(deps: WebDeps): Hono<WebEnv> {
  const { db, config } = deps;
  const withMedia = (rows: Array<{ post: Post; authorName: string }>) => postsJson(deps, rows);
  const me = new Hono<WebEnv>();
  for (const path of ['/me', '/me/*', '/posts/*', '/authors']) me.use(path, requireApiAuthor(db, deps.kit));
  me.get('/me', (c) => c.json(meJson(config, c.var.author!)));
  me.get('/me/posts', async (c) => {
    const author = c.var.author!;
    const posts = await authorPosts(db, author.id);
    return c.json({ items: await withMedia(posts.map((post) => ({ post, authorName: author.name }))) });
  });
  me.post('/me/address', async (c) => {
    const body = (await readJson(c)) ?? {};
    const author =
      body.enabled === false
        ? (await setPostingAddressRevoked(db, c.var.author!.id, true), await authorById(db, c.var.author!.id))!
        : await regeneratePostingAddress(db, c.var.author!.id);
    return c.json(meJson(config, author));
  });

  me.post('/me/password', async (c) => {
    const body = await readJson(c);
    if (!body) return c.json({ error: 'send a JSON object {"current", "new"} (Content-Type: application/json)' }, 400);
    const author = c.var.author!;
    const result = await deps.kit.changePassword(
      c,
      String(author.id),
      c.var.session,
      { current: body.current, next: body.new, confirm: body.new },
      {
        verifyCurrent: (password) => deps.kit.verifyPassword(password, author.passwordHash),
        save: (hash) => setAuthorPassword(db, author.id, hash),
      },
    );
    if (result.ok) return c.body(null, 204);
    return c.json(
      { error: result.error },
      result.status,
      result.retryAfterSeconds ? { 'Retry-After': String(result.retryAfterSeconds) } : {},
    );
  });

  me.patch('/posts/:id{[0-9]+}', async (c) => {
    const post = await postById(db, Number(c.req.param('id')));
    if (!post || post.authorId !== c.var.author!.id) return c.json({ error: 'no such post of yours' }, 404);
    const body = await readJson(c);
    if (!body) return c.json({ error: 'send a JSON object (Content-Type: application/json)' }, 400);
    const edit = postEdit(body);
    if (typeof edit === 'string') return c.json({ error: edit }, 400);
    const updated = await editPost(db, post, edit, config.now());
    const [json] = await withMedia([{ post: updated, authorName: c.var.author!.name }]);
    return c.json(json);
  });

  me.delete('/posts/:id{[0-9]+}', async (c) => {
    const post = await postById(db, Number(c.req.param('id')));
    if (!post || post.authorId !== c.var.author!.id) return c.json({ error: 'no such post of yours' }, 404);
    await deletePost(db, post.id);
    return c.body(null, 204);
  });

  me.post('/authors', async (c) => {
    if (!c.var.author!.isAdmin) return c.json({ error: 'only administrators can add authors' }, 403);
    const body = await readJson(c);
    if (!body || typeof body.email !== 'string' || typeof body.name !== 'string' || typeof body.password !== 'string') {
      return c.json({ error: 'email, name and password (strings) are required' }, 400);
    }
    try {
      const author = await createAuthor(
        db,
        { email: body.email, name: body.name, password: body.password, isAdmin: body.isAdmin === true },
        deps.kit.hashPassword,
      );
      return c.json(meJson(config, author), 201);
    } catch (error) {
      if (error instanceof AuthorInputError || error instanceof WeakPasswordError)
        return c.json({ error: error.message }, 400);
      throw error;
    }
  });

  return me;
}

type PostEdit = { title?: string; source?: string; status?: 'draft' | 'published' };

/** The fields a PATCH may change, checked; a string says what is wrong. */
function postEdit(body: Record<string, unknown>): PostEdit | string {
  const edit: PostEdit = {};
  if (body.title !== undefined) {
    if (typeof body.title !== 'string' || !body.title.trim()) return 'title must be a non-empty string';
    edit.title = body.title;
  }
  if (body.source !== undefined) {
    if (typeof body.source !== 'string') return 'source must be a string';
    edit.source = body.source;
  }
  if (body.status !== undefined) {
    if (body.status !== 'draft' && body.status !== 'published') return 'status must be "draft" or "published"';
    edit.status = body.status;
  }
  return edit;
}
