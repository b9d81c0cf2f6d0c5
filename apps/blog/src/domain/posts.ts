import { createHash } from 'node:crypto';
import { and, asc, count, desc, eq, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { BlobStore } from '@mailroom/core/inbox';
import { renderSource, type BuiltContent } from '../content/pipeline.js';
import { slugify } from '../content/directives.js';
import type { BlogDb } from '../db/index.js';
import {
  authors,
  downloads,
  images,
  posts,
  type Download,
  type Image,
  type ImageRendition,
  type Post,
  type PostStatus,
} from '../db/schema.js';

/** A post as readers and the API see it: a due scheduled post is published. */
export function effectiveStatus(post: Pick<Post, 'status' | 'publishAt'>, now: Date): PostStatus {
  if (post.status === 'scheduled' && post.publishAt && post.publishAt.getTime() <= now.getTime()) return 'published';
  return post.status;
}

export function isPublic(post: Pick<Post, 'status' | 'publishAt'>, now: Date): boolean {
  return effectiveStatus(post, now) === 'published';
}

/** SQL for "visible to readers at `now`". */
export function publicWhere(now: Date): SQL {
  return and(inArray(posts.status, ['published', 'scheduled']), lte(posts.publishAt, now))!;
}

/** `base`, else `base-2`, `base-3`… (the unique index settles races: the insert fails and the email is retried). */
export async function uniqueSlug(db: BlogDb, wanted: string, excludePostId?: number): Promise<string> {
  const base = slugify(wanted) || 'post';
  const rows = await db
    .select({ slug: posts.slug, id: posts.id })
    .from(posts)
    .where(or(eq(posts.slug, base), sql`${posts.slug} like ${`${base}-%`}`));
  const taken = new Set(rows.filter((r) => r.id !== excludePostId).map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

export interface Placement {
  status: PostStatus;
  publishAt: Date | null;
  draftReason: string | null;
}

/** What the directives and the sender check make of a post. */
export function placement(built: BuiltContent, now: Date, refusal: string | null): Placement {
  const publishAt = built.directives.publishAt ?? now;
  if (refusal) return { status: 'draft', publishAt, draftReason: refusal };
  if (built.directives.status === 'draft')
    return { status: 'draft', publishAt, draftReason: 'you asked for a draft ([status draft])' };
  return { status: publishAt.getTime() > now.getTime() ? 'scheduled' : 'published', publishAt, draftReason: null };
}

export interface NewPost {
  authorId: number;
  built: BuiltContent;
  placement: Placement;
  inboundEmailId: string | null;
  sourceMessageId: string | null;
}

/** Stores the post, its image renditions and downloads (blobs join the caller's transaction). */
export async function createPost(db: BlogDb, blobs: BlobStore, input: NewPost): Promise<Post> {
  const { built } = input;
  const slug = await uniqueSlug(db, built.directives.slug ?? built.title);
  const [post] = await db
    .insert(posts)
    .values({
      authorId: input.authorId,
      title: built.title,
      slug,
      html: built.html,
      source: built.source,
      sourceFormat: built.format,
      status: input.placement.status,
      publishAt: input.placement.publishAt,
      draftReason: input.placement.draftReason,
      category: built.directives.category ?? null,
      tags: built.directives.tags ?? [],
      excerpt: built.directives.excerpt ?? null,
      comments: built.directives.comments ?? true,
      inboundEmailId: input.inboundEmailId,
      sourceMessageId: input.sourceMessageId,
    })
    .returning();
  await storeMedia(db, blobs, post!.id, built);
  return post!;
}

/**
 * New content for an existing post (a reply to the confirmation): body, and whatever the directives
 * say. New images replace the old ones; without new images the old ones stay (appended).
 */
export async function updatePostContent(
  db: BlogDb,
  blobs: BlobStore,
  post: Post,
  built: BuiltContent,
  now: Date,
): Promise<Post> {
  const d = built.directives;
  const changes: Partial<typeof posts.$inferInsert> = {
    html: built.html,
    source: built.source,
    sourceFormat: built.format,
    updatedAt: now,
  };
  if (d.title) changes.title = d.title;
  if (d.category) changes.category = d.category;
  if (d.tags) changes.tags = d.tags;
  if (d.excerpt) changes.excerpt = d.excerpt;
  if (d.comments !== undefined) changes.comments = d.comments;
  if (d.slug) changes.slug = await uniqueSlug(db, d.slug, post.id);
  if (d.status === 'draft') {
    changes.status = 'draft';
    changes.draftReason = 'you asked for a draft ([status draft])';
  } else if (d.status === 'publish' || d.publishAt) {
    const publishAt = d.publishAt ?? (post.status === 'draft' ? now : (post.publishAt ?? now));
    changes.publishAt = publishAt;
    changes.status = publishAt.getTime() > now.getTime() ? 'scheduled' : 'published';
    changes.draftReason = null;
  }
  const [updated] = await db.update(posts).set(changes).where(eq(posts.id, post.id)).returning();
  if (built.images.length || built.downloads.length) {
    if (built.images.length) await db.delete(images).where(eq(images.postId, post.id));
    if (built.downloads.length) await db.delete(downloads).where(eq(downloads.postId, post.id));
    await storeMedia(db, blobs, post.id, built);
  } else {
    // Old images keep their rows; any that were placed in the old HTML are appended now.
    await db.update(images).set({ placed: false, run: 0 }).where(eq(images.postId, post.id));
  }
  return updated!;
}

async function storeMedia(db: BlogDb, blobs: BlobStore, postId: number, built: BuiltContent): Promise<void> {
  const tx = db;
  for (const image of built.images) {
    const renditions: Record<string, ImageRendition> = {};
    for (const [name, rendition] of Object.entries(image.processed.renditions)) {
      // Content-addressed: the same photo in two posts (or a redelivered email) is stored once.
      const key = `blog/images/${image.processed.sha256}/${name}`;
      if (!(await blobs.has(key, tx))) await blobs.put(key, rendition.data, tx);
      renditions[name] = { width: rendition.width, height: rendition.height, key, contentType: rendition.contentType };
    }
    await db.insert(images).values({
      postId,
      position: image.position,
      placed: image.placed,
      run: Math.max(0, image.run),
      renditions,
      width: image.processed.width,
      height: image.processed.height,
      filename: image.filename,
      alt: image.alt,
      sha256: image.processed.sha256,
    });
  }
  for (const file of built.downloads) {
    const key = `blog/files/${createHash('sha256').update(file.content).digest('hex')}`;
    if (!(await blobs.has(key, tx))) await blobs.put(key, file.content, tx);
    await db.insert(downloads).values({
      postId,
      position: file.position,
      filename: file.filename,
      contentType: file.mime,
      size: file.content.length,
      blobKey: key,
    });
  }
}

export interface PostEdit {
  title?: string;
  source?: string;
  status?: 'draft' | 'published';
}

/** Edits from the author UI or the API: the source is rendered again through the same sanitizer. */
export async function editPost(db: BlogDb, post: Post, edit: PostEdit, now: Date): Promise<Post> {
  const changes: Partial<typeof posts.$inferInsert> = { updatedAt: now };
  if (edit.title !== undefined) changes.title = edit.title.trim().slice(0, 200) || post.title;
  if (edit.source !== undefined) {
    const postImages = await db.select().from(images).where(eq(images.postId, post.id));
    changes.source = edit.source;
    changes.html = renderSource(
      post.sourceFormat,
      edit.source,
      postImages.map((i) => ({ position: i.position, filename: i.filename })),
    );
  }
  if (edit.status === 'draft' && post.status !== 'draft') {
    changes.status = 'draft';
    changes.draftReason = 'unpublished by the author';
  } else if (edit.status === 'published' && post.status === 'draft') {
    // Publishing a draft keeps a future date it was scheduled for, else publishes now.
    const future = post.publishAt && post.publishAt.getTime() > now.getTime();
    changes.status = future ? 'scheduled' : 'published';
    changes.publishAt = future ? post.publishAt : now;
    changes.draftReason = null;
  }
  const [updated] = await db.update(posts).set(changes).where(eq(posts.id, post.id)).returning();
  return updated!;
}

export async function postById(db: BlogDb, id: number): Promise<Post | null> {
  const [row] = await db.select().from(posts).where(eq(posts.id, id));
  return row ?? null;
}

export async function postBySourceMessage(db: BlogDb, authorId: number, messageId: string): Promise<Post | null> {
  const [row] = await db
    .select()
    .from(posts)
    .where(and(eq(posts.authorId, authorId), eq(posts.sourceMessageId, messageId)));
  return row ?? null;
}

export async function postBySlug(db: BlogDb, slug: string): Promise<Post | null> {
  const [row] = await db.select().from(posts).where(eq(posts.slug, slug));
  return row ?? null;
}

export interface PostWithAuthor {
  post: Post;
  authorName: string;
}

export interface PageQuery {
  now: Date;
  page: number;
  perPage: number;
  category?: string;
  tag?: string;
  authorId?: number;
}

/** Public posts, newest first, one page of them, and the total. */
export async function publicPosts(db: BlogDb, query: PageQuery): Promise<{ items: PostWithAuthor[]; total: number }> {
  const conditions: SQL[] = [publicWhere(query.now)];
  if (query.category) conditions.push(sql`lower(${posts.category}) = ${query.category.toLowerCase()}`);
  if (query.tag) conditions.push(sql`${posts.tags} @> ${JSON.stringify([query.tag.toLowerCase()])}::jsonb`);
  if (query.authorId) conditions.push(eq(posts.authorId, query.authorId));
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    db
      .select({ post: posts, authorName: authors.name })
      .from(posts)
      .innerJoin(authors, eq(authors.id, posts.authorId))
      .where(where)
      .orderBy(desc(posts.publishAt), desc(posts.id))
      .limit(query.perPage)
      .offset((query.page - 1) * query.perPage),
    db.select({ n: count() }).from(posts).where(where),
  ]);
  return { items: rows, total: total?.n ?? 0 };
}

/** Every post of one author (drafts too), newest first. */
export async function authorPosts(db: BlogDb, authorId: number): Promise<Post[]> {
  return db.select().from(posts).where(eq(posts.authorId, authorId)).orderBy(desc(posts.createdAt), desc(posts.id));
}

export async function postMedia(db: BlogDb, postIds: number[]): Promise<{ images: Image[]; downloads: Download[] }> {
  if (!postIds.length) return { images: [], downloads: [] };
  const [imageRows, downloadRows] = await Promise.all([
    db.select().from(images).where(inArray(images.postId, postIds)).orderBy(asc(images.postId), asc(images.position)),
    db
      .select()
      .from(downloads)
      .where(inArray(downloads.postId, postIds))
      .orderBy(asc(downloads.postId), asc(downloads.position)),
  ]);
  return { images: imageRows, downloads: downloadRows };
}

export async function imageById(db: BlogDb, id: number): Promise<{ image: Image; post: Post } | null> {
  const [row] = await db
    .select({ image: images, post: posts })
    .from(images)
    .innerJoin(posts, eq(posts.id, images.postId))
    .where(eq(images.id, id));
  return row ?? null;
}

export async function downloadById(db: BlogDb, id: number): Promise<{ download: Download; post: Post } | null> {
  const [row] = await db
    .select({ download: downloads, post: posts })
    .from(downloads)
    .innerJoin(posts, eq(posts.id, downloads.postId))
    .where(eq(downloads.id, id));
  return row ?? null;
}

export async function deletePost(db: BlogDb, id: number): Promise<void> {
  await db.delete(posts).where(eq(posts.id, id));
}
