import { and, eq, gt } from 'drizzle-orm';
import type { Mailer, Store } from '@mailroom/core';
import type { BlobStore } from '@mailroom/core/inbox';
import { secretUploadAddress, sharedUploadAddress, type AvatarsConfig } from '../config.js';
import { loginTokens, type Avatar, type User } from '../db/index.js';
import { listAvatars, revertToPrevious, useVersion } from '../domain/avatars.js';
import { canonicalAddress, isPlausibleAddress } from '../domain/secrets.js';
import {
  consumeLinkToken,
  createLinkToken,
  findOrCreateUser,
  findUserById,
  regenerateUploadSecret,
} from '../domain/users.js';
import { avatarUrl, linkMail } from '../mail/messages.js';

export interface AccountDeps {
  store: Store;
  mailer: Mailer;
  config: AvatarsConfig;
}

/** Link mails to one address are at most this frequent (the form must not become a mail cannon). */
const LINK_MAIL_INTERVAL_MS = 2 * 60 * 1000;

export class BadRequest extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Registers the address (or finds it) and mails a confirmation or sign-in link. The answer is the same
 * whether the address was known or not, so the form reveals nothing about who is registered.
 */
export async function requestLink(deps: AccountDeps, rawAddress: unknown, now = new Date()): Promise<void> {
  const address = typeof rawAddress === 'string' ? canonicalAddress(rawAddress) : '';
  if (!isPlausibleAddress(address)) throw new BadRequest('bad-address', 'Please enter a valid email address.');
  await deps.store.transaction(async (tx) => {
    const { user } = await findOrCreateUser(tx, address);
    const recent = await tx
      .select({ tokenHash: loginTokens.tokenHash })
      .from(loginTokens)
      .where(
        and(
          eq(loginTokens.userId, user.id),
          gt(loginTokens.createdAt, new Date(now.getTime() - LINK_MAIL_INTERVAL_MS)),
        ),
      )
      .limit(1);
    if (recent.length > 0) return;
    const token = await createLinkToken(
      tx,
      user.id,
      user.confirmed ? 'sign-in' : 'confirm',
      deps.config.linkTtlMs,
      now,
    );
    await deps.mailer.send(
      linkMail(deps.config, user.address, `${deps.config.publicUrl}/confirm/${token}`, user.confirmed),
      { tx },
    );
  });
}

/** Uses a link token: the user it signs in (and confirms), or null. */
export function redeemLink(deps: AccountDeps, token: unknown): Promise<User | null> {
  if (typeof token !== 'string') return Promise.resolve(null);
  return deps.store.transaction((tx) => consumeLinkToken(tx, token));
}

export interface AvatarJSON {
  version: number;
  current: boolean;
  createdAt: string;
  crop: { left: number; top: number; size: number };
  source: { width: number; height: number; mime: string; animated: boolean };
  sizes: number[];
}

export interface ProfileJSON {
  address: string;
  addressHash: string;
  confirmed: boolean;
  avatarUrl: string;
  uploadAddress: string;
  sharedUploadAddress: string;
  current: AvatarJSON | null;
  history: AvatarJSON[];
}

export function avatarJSON(avatar: Avatar): AvatarJSON {
  return {
    version: avatar.version,
    current: avatar.current,
    createdAt: avatar.createdAt.toISOString(),
    crop: { left: avatar.cropLeft, top: avatar.cropTop, size: avatar.cropSize },
    source: {
      width: avatar.sourceWidth,
      height: avatar.sourceHeight,
      mime: avatar.sourceMime,
      animated: avatar.animated,
    },
    sizes: Object.keys(avatar.renditions)
      .map(Number)
      .sort((a, b) => a - b),
  };
}

export async function profile(deps: AccountDeps, userId: number): Promise<ProfileJSON | null> {
  const user = await findUserById(deps.store.db, userId);
  if (!user || !user.confirmed) return null;
  const history = (await listAvatars(deps.store.db, user.id)).map(avatarJSON);
  return {
    address: user.address,
    addressHash: user.addressHash,
    confirmed: user.confirmed,
    avatarUrl: avatarUrl(deps.config, user.addressHash),
    uploadAddress: secretUploadAddress(deps.config, user.uploadSecret),
    sharedUploadAddress: sharedUploadAddress(deps.config),
    current: history.find((a) => a.current) ?? null,
    history,
  };
}

export async function regenerateUploadAddress(deps: AccountDeps, userId: number): Promise<string> {
  const user = await deps.store.transaction((tx) => regenerateUploadSecret(tx, userId));
  return secretUploadAddress(deps.config, user.uploadSecret);
}

export function revert(deps: AccountDeps, userId: number): Promise<Avatar | null> {
  return deps.store.transaction((tx) => revertToPrevious(tx, userId));
}

export function makeCurrent(deps: AccountDeps, userId: number, version: number): Promise<Avatar | null> {
  return deps.store.transaction((tx) => useVersion(tx, userId, version));
}

/** A kept version's rendition for the owner's history view. */
export async function versionImage(
  deps: AccountDeps & { blobs: BlobStore },
  userId: number,
  version: number,
  size: number,
): Promise<Buffer | null> {
  const avatar = (await listAvatars(deps.store.db, userId)).find((a) => a.version === version);
  if (!avatar) return null;
  const sizes = Object.keys(avatar.renditions)
    .map(Number)
    .sort((a, b) => a - b);
  const chosen = sizes.find((s) => s >= size) ?? sizes.at(-1);
  const key = chosen === undefined ? undefined : avatar.renditions[String(chosen)]?.webp;
  return key ? deps.blobs.get(key) : null;
}
