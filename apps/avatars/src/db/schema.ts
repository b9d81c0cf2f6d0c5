import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Every table of the avatars app lives in its own PostgreSQL schema, apart from core's. */
export const avatarsSchema = pgSchema('avatars');

export const users = avatarsSchema.table(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Trimmed, lower-cased address: the identity. */
    address: text('address').notNull(),
    /** Hex SHA-256 of `address`: the public key of `/avatar/<hash>` (as Gravatar). */
    addressHash: text('address_hash').notNull(),
    confirmed: boolean('confirmed').notNull().default(false),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    /** The secret part of `avatar+<secret>@…`, shown on the profile page; regenerable. */
    uploadSecret: text('upload_secret').notNull(),
    /** Hex SHA-256 of the secret, the lookup key (so lookups never compare the secret itself). */
    uploadSecretHash: text('upload_secret_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_address_key').on(t.address),
    uniqueIndex('users_address_hash_key').on(t.addressHash),
    uniqueIndex('users_upload_secret_hash_key').on(t.uploadSecretHash),
  ],
);

/** Blob keys of one avatar's renditions: `{ "64": { "webp": "avatars/…", "jpeg": "avatars/…" }, … }`. */
export type RenditionKeys = Record<string, { webp?: string; jpeg?: string }>;

export const avatars = avatarsSchema.table(
  'avatars',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… per user. */
    version: integer('version').notNull(),
    /** The square taken from the oriented source, in source pixels. */
    cropLeft: integer('crop_left').notNull(),
    cropTop: integer('crop_top').notNull(),
    cropSize: integer('crop_size').notNull(),
    sourceWidth: integer('source_width').notNull(),
    sourceHeight: integer('source_height').notNull(),
    sourceMime: text('source_mime').notNull(),
    sourceSha256: text('source_sha256').notNull(),
    /** The source was an animation; the avatar is its first frame. */
    animated: boolean('animated').notNull().default(false),
    renditions: jsonb('renditions').$type<RenditionKeys>().notNull(),
    /** Message-ID of the email it came from. */
    messageId: text('message_id'),
    current: boolean('current').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('avatars_user_version_key').on(t.userId, t.version),
    // At most one current avatar per user.
    uniqueIndex('avatars_one_current_key')
      .on(t.userId)
      .where(sql`${t.current}`),
  ],
);

/** When we last sent a refusal to an address, so each address gets at most one a day. */
export const refusals = avatarsSchema.table('refusals', {
  address: text('address').primaryKey(),
  lastRefusedAt: timestamp('last_refused_at', { withTimezone: true }).notNull(),
  lastReason: text('last_reason').notNull(),
  /** Refusals suppressed since the last one sent. */
  suppressed: integer('suppressed').notNull().default(0),
});

export const tokenPurposes = ['confirm', 'sign-in'] as const;
export type TokenPurpose = (typeof tokenPurposes)[number];

/** Single-use links sent by mail (confirm the address, sign in); only their hash is stored. */
export const loginTokens = avatarsSchema.table(
  'login_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: tokenPurposes }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('login_tokens_user_idx').on(t.userId)],
);

export type User = typeof users.$inferSelect;
export type Avatar = typeof avatars.$inferSelect;
