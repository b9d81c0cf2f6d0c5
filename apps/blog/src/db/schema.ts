import { pgSchema, integer, text, boolean, timestamp, jsonb, index, uniqueIndex } from 'drizzle-orm/pg-core';

/** The blog's tables live in their own Postgres schema, apart from core's `mailroom` tables. */
export const blog = pgSchema('blog');

export const postStatuses = ['draft', 'scheduled', 'published'] as const;
export type PostStatus = (typeof postStatuses)[number];

export const authors = blog.table(
  'authors',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** The registered address (lower case): mail must come from it, DKIM/SPF-aligned, to publish. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** `scrypt$N$r$p$salt$hash`; see domain/passwords.ts. */
    passwordHash: text('password_hash').notNull(),
    /** The secret of `post+<token>@domain`, kept to show it to its author in the UI. */
    postingToken: text('posting_token').notNull(),
    /** sha256 of the token: what inbound mail is looked up by. */
    postingTokenHash: text('posting_token_hash').notNull(),
    /** The secret address is switched off: mail to it is refused with a reply. */
    revoked: boolean('revoked').notNull().default(false),
    /** May create authors through the API. */
    isAdmin: boolean('is_admin').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('authors_email_key').on(t.email),
    uniqueIndex('authors_posting_token_hash_key').on(t.postingTokenHash),
  ],
);

/** Secrets replaced by "regenerate": mail to them is refused with a reply, not silently dropped. */
export const retiredTokens = blog.table('retired_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  authorId: integer('author_id')
    .notNull()
    .references(() => authors.id, { onDelete: 'cascade' }),
  retiredAt: timestamp('retired_at', { withTimezone: true }).notNull().defaultNow(),
});

export const posts = blog.table(
  'posts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    authorId: integer('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    slug: text('slug').notNull(),
    /** Sanitized HTML; images appear as `blog-image:<id>` placeholders resolved when rendering. */
    html: text('html').notNull(),
    /** What the author wrote after directives, quotes and signature were removed (Markdown or sanitized HTML). */
    source: text('source').notNull(),
    sourceFormat: text('source_format', { enum: ['markdown', 'html'] }).notNull(),
    status: text('status', { enum: postStatuses }).notNull(),
    /** When the post appears (scheduled posts are public from then on). */
    publishAt: timestamp('publish_at', { withTimezone: true }),
    /** Why the post was kept as a draft (spoofed sender, `[status draft]`…), shown to the author. */
    draftReason: text('draft_reason'),
    category: text('category'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    excerpt: text('excerpt'),
    comments: boolean('comments').notNull().default(true),
    /** The inbound email (core's `mailroom.inbound_emails.id`) that created the post. */
    inboundEmailId: text('inbound_email_id'),
    /** Message-ID of that email: the same message delivered twice (even to two addresses) is one post. */
    sourceMessageId: text('source_message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('posts_slug_key').on(t.slug),
    uniqueIndex('posts_author_message_key').on(t.authorId, t.sourceMessageId),
    index('posts_public_idx').on(t.status, t.publishAt),
    index('posts_category_idx').on(t.category),
  ],
);

/** One web rendition of an image: blob key, pixel size, format. */
export interface ImageRendition {
  width: number;
  height: number;
  key: string;
  contentType: string;
}

export const images = blog.table(
  'images',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    /** Order among the post's images. */
    position: integer('position').notNull(),
    /** True when placed inside the HTML where its `cid:` reference was; false when appended (single or gallery). */
    placed: boolean('placed').notNull(),
    /** Appended images with the same run were consecutive attachments: two or more make a gallery. */
    run: integer('run').notNull().default(0),
    /** Renditions by size name (`small`, `medium`, `large`), each re-encoded without metadata. */
    renditions: jsonb('renditions').$type<Record<string, ImageRendition>>().notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    filename: text('filename').notNull(),
    alt: text('alt').notNull().default(''),
    sha256: text('sha256').notNull(),
  },
  (t) => [index('images_post_idx').on(t.postId, t.position)],
);

export const downloads = blog.table(
  'downloads',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    filename: text('filename').notNull(),
    /** Type found by magic bytes (or text/plain for valid UTF-8 text files). */
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    blobKey: text('blob_key').notNull(),
  },
  (t) => [index('downloads_post_idx').on(t.postId, t.position)],
);

export type Author = typeof authors.$inferSelect;
export type Post = typeof posts.$inferSelect;
export type Image = typeof images.$inferSelect;
export type Download = typeof downloads.$inferSelect;
