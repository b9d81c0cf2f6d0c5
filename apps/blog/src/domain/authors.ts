import { eq, sql } from 'drizzle-orm';
import type { BlogDb } from '../db/index.js';
import { authors, posts, retiredTokens, type Author } from '../db/schema.js';
import { hashPassword, randomToken, tokenHash, verifyPassword } from './passwords.js';

type Hash = (password: string) => Promise<string>;
type Verify = (password: string, hash: string | null) => Promise<boolean>;

export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;
/** 26 base32 characters = 130 bits: unguessable, and short enough for a local part. */
const POSTING_TOKEN_CHARS = 26;

export class AuthorInputError extends Error {
  override name = 'AuthorInputError';
}

export function normalizeEmail(address: string): string {
  return address.trim().replace(/^<|>$/g, '').toLowerCase();
}

function newPostingToken(): { postingToken: string; postingTokenHash: string } {
  const postingToken = randomToken(POSTING_TOKEN_CHARS);
  return { postingToken, postingTokenHash: tokenHash(postingToken) };
}

export interface NewAuthor {
  email: string;
  name: string;
  password: string;
  isAdmin?: boolean;
}

export async function createAuthor(db: BlogDb, input: NewAuthor, hash: Hash = hashPassword): Promise<Author> {
  const email = normalizeEmail(input.email);
  if (!/^[^@\s]+@(?=[^@\s]+$)[^@\s]+\.[^@\s]+$/.test(email))
    throw new AuthorInputError(`"${input.email}" is not an email address`);
  const name = input.name.trim();
  if (!name || name.length > 100) throw new AuthorInputError('a name of 1 to 100 characters is required');
  const existing = await authorByEmail(db, email);
  if (existing) throw new AuthorInputError(`an author with ${email} exists already`);
  const [author] = await db
    .insert(authors)
    .values({
      email,
      name,
      passwordHash: await hash(input.password),
      isAdmin: input.isAdmin ?? false,
      ...newPostingToken(),
    })
    .returning();
  return author!;
}

/** Creates the author or updates name/password/admin (standalone server's BLOG_ADMIN_* variables). */
export async function upsertAuthor(db: BlogDb, input: NewAuthor, hash: Hash = hashPassword): Promise<Author> {
  const existing = await authorByEmail(db, input.email);
  if (!existing) return createAuthor(db, input, hash);
  const [author] = await db
    .update(authors)
    .set({
      name: input.name.trim(),
      passwordHash: await hash(input.password),
      isAdmin: input.isAdmin ?? existing.isAdmin,
    })
    .where(eq(authors.id, existing.id))
    .returning();
  return author!;
}

export async function authorByEmail(db: BlogDb, email: string): Promise<Author | null> {
  const [row] = await db
    .select()
    .from(authors)
    .where(eq(authors.email, normalizeEmail(email)));
  return row ?? null;
}

export async function authorById(db: BlogDb, id: number): Promise<Author | null> {
  const [row] = await db.select().from(authors).where(eq(authors.id, id));
  return row ?? null;
}

export type PostingAddressLookup =
  | { kind: 'active'; author: Author }
  | { kind: 'revoked'; author: Author }
  | { kind: 'retired'; author: Author }
  | { kind: 'unknown' };

/** Which author a `post+<token>` address belongs to, and whether it still works. */
export async function authorByPostingToken(db: BlogDb, token: string): Promise<PostingAddressLookup> {
  const hash = tokenHash(token);
  const [author] = await db.select().from(authors).where(eq(authors.postingTokenHash, hash));
  if (author) return { kind: author.revoked ? 'revoked' : 'active', author };
  const [retired] = await db
    .select({ author: authors })
    .from(retiredTokens)
    .innerJoin(authors, eq(authors.id, retiredTokens.authorId))
    .where(eq(retiredTokens.tokenHash, hash));
  return retired ? { kind: 'retired', author: retired.author } : { kind: 'unknown' };
}

/** A new secret address; the old one is retired (mail to it is refused with a reply). Re-enables a revoked address. */
export async function regeneratePostingAddress(db: BlogDb, authorId: number): Promise<Author> {
  const author = await authorById(db, authorId);
  if (!author) throw new AuthorInputError('no such author');
  await db.insert(retiredTokens).values({ tokenHash: author.postingTokenHash, authorId }).onConflictDoNothing();
  const [updated] = await db
    .update(authors)
    .set({ ...newPostingToken(), revoked: false })
    .where(eq(authors.id, authorId))
    .returning();
  return updated!;
}

/** Switches the secret address off (or on again). */
export async function setPostingAddressRevoked(db: BlogDb, authorId: number, revoked: boolean): Promise<void> {
  await db.update(authors).set({ revoked }).where(eq(authors.id, authorId));
}

/** Constant work whether or not the email exists (an unknown one is checked against the dummy hash). */
export async function authenticateAuthor(
  db: BlogDb,
  email: string,
  password: string,
  verify: Verify = verifyPassword,
): Promise<Author | null> {
  const author = await authorByEmail(db, email);
  const ok = await verify(password, author?.passwordHash ?? null);
  return ok && author ? author : null;
}

export async function setAuthorPassword(db: BlogDb, authorId: number, passwordHash: string): Promise<void> {
  await db.update(authors).set({ passwordHash }).where(eq(authors.id, authorId));
}

/** True when the blog has an administrator (a first one is created at start otherwise). */
export async function hasAdmin(db: BlogDb): Promise<boolean> {
  const [row] = await db.select({ id: authors.id }).from(authors).where(eq(authors.isAdmin, true)).limit(1);
  return !!row;
}

/** Authors with their count of public posts (for the API and the byline pages). */
export async function listAuthors(db: BlogDb, now: Date): Promise<Array<{ id: number; name: string; posts: number }>> {
  const rows = await db
    .select({
      id: authors.id,
      name: authors.name,
      posts:
        sql<number>`count(${posts.id}) filter (where ${posts.status} in ('published', 'scheduled') and ${posts.publishAt} <= ${now.toISOString()}::timestamptz)`.mapWith(
          Number,
        ),
    })
    .from(authors)
    .leftJoin(posts, eq(posts.authorId, authors.id))
    .groupBy(authors.id)
    .orderBy(authors.name);
  return rows;
}
