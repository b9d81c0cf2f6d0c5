import type { SigningKey } from '@mailroom/core';
import { DEFAULT_MEDIA_POLICY, type MediaPolicy } from './content/media.js';
import { isTimeZone } from './content/time.js';

export interface BlogConfigInput {
  /** Domain that receives the blog's mail (Inbound Parse): `post+<secret>@`, `post@` and `reply+…@` live here. */
  domain: string;
  /** Where the web app is reachable, e.g. `https://example.com/blog`; its path is the mount path (links, cookies). */
  publicUrl: string;
  /** Signing keys for confirmation reply addresses; the first signs, all verify (rotation). */
  keys: SigningKey[];
  title?: string;
  tagline?: string;
  /** Local part of the posting addresses (default `post`: `post+<secret>@domain`, `post@domain`). */
  postingLocalPart?: string;
  /** Accept mail to the plain `post@domain` from registered authors with aligned DKIM/SPF (default true). */
  allowPlainAddress?: boolean;
  /** Sender of confirmations (default `blog@<domain>`). */
  fromAddress?: string;
  /** Zone for `[publish 2026-12-24 09:00]` and displayed dates (default UTC). */
  timeZone?: string;
  postsPerPage?: number;
  /** Secure flag on cookies; default: true in production or when publicUrl is https. */
  secureCookies?: boolean;
  /** Production refuses the built-in demo passwords (default `NODE_ENV === 'production'`). */
  production?: boolean;
  media?: Partial<MediaPolicy>;
  /** Clock (tests). */
  now?: () => Date;
}

export interface BlogConfig {
  domain: string;
  publicUrl: string;
  /** Path prefix of every link, '' at the root, e.g. '/blog'. */
  basePath: string;
  keys: SigningKey[];
  title: string;
  tagline: string;
  postingLocalPart: string;
  allowPlainAddress: boolean;
  fromAddress: string;
  timeZone: string;
  postsPerPage: number;
  secureCookies: boolean;
  production: boolean;
  media: MediaPolicy;
  now: () => Date;
}

export class BlogConfigError extends Error {
  override name = 'BlogConfigError';
}

export function resolveConfig(input: BlogConfigInput | BlogConfig): BlogConfig {
  if (
    'basePath' in input &&
    'media' in input &&
    'now' in input &&
    typeof input.now === 'function' &&
    'postsPerPage' in input
  ) {
    return input as BlogConfig;
  }
  const domain = input.domain?.trim().toLowerCase();
  if (!domain || !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(domain))
    throw new BlogConfigError(`domain "${input.domain}" is not a domain name`);
  let url: URL;
  try {
    url = new URL(input.publicUrl);
  } catch {
    throw new BlogConfigError(`publicUrl "${input.publicUrl}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BlogConfigError('publicUrl must be http(s)');
  const basePath = url.pathname.replace(/(^|[^/])\/+$/, '$1');
  if (!input.keys?.length || input.keys.some((k) => !k.secret || k.secret.length < 16)) {
    throw new BlogConfigError('at least one signing key with a secret of 16+ characters is required');
  }
  const local = (input.postingLocalPart ?? 'post').toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(local) || local === 'reply')
    throw new BlogConfigError(`postingLocalPart "${local}" is not usable`);
  const timeZone = input.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) throw new BlogConfigError(`timeZone "${timeZone}" is not an IANA time zone`);
  const postsPerPage = input.postsPerPage ?? 10;
  const production = input.production ?? process.env.NODE_ENV === 'production';
  if (!Number.isInteger(postsPerPage) || postsPerPage < 1 || postsPerPage > 100)
    throw new BlogConfigError('postsPerPage must be 1-100');
  return {
    domain,
    publicUrl: `${url.origin}${basePath}`,
    basePath,
    keys: input.keys,
    title: input.title ?? 'Blog',
    tagline: input.tagline ?? '',
    postingLocalPart: local,
    allowPlainAddress: input.allowPlainAddress ?? true,
    fromAddress: input.fromAddress ?? `blog@${domain}`,
    timeZone,
    postsPerPage,
    secureCookies: input.secureCookies ?? (production || url.protocol === 'https:'),
    production,
    media: { ...DEFAULT_MEDIA_POLICY, ...input.media },
    now: input.now ?? (() => new Date()),
  };
}

export function postingAddress(config: BlogConfig, token: string): string {
  return `${config.postingLocalPart}+${token}@${config.domain}`;
}

export function plainPostingAddress(config: BlogConfig): string {
  return `${config.postingLocalPart}@${config.domain}`;
}

export function postUrl(config: BlogConfig, slug: string): string {
  return `${config.publicUrl}/posts/${encodeURIComponent(slug)}`;
}
