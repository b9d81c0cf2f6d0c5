import { normalizeAddress } from '@mailroom/core/text';

export interface ListsConfig {
  /** Domain of list addresses, reply addresses and Message-IDs (must receive mail via Inbound Parse). Default `lists.example.com`. */
  domain?: string;
  /** Public URL of the web app (links in List-Archive, List-Unsubscribe, notices), e.g. `https://example.com/lists`. */
  publicUrl?: string;
  /** Path the web app is mounted at (routes, redirects, cookie path). Default `/lists`. */
  basePath?: string;
  /** Signing keys for reply addresses, Message-IDs, unsubscribe links and sessions; the first signs, all verify. */
  keys: { id: string; secret: string }[];
  /**
   * The first admin password as an scrypt hash (`scrypt$32768$8$1$salt$hash`, see `hashPassword`): stored when the
   * database has no admin password yet; after that the admin changes it at `/admin/password`.
   */
  adminPasswordHash?: string;
  /** Bounce score at which a member is suspended (hard bounce = 1). Default 3. */
  bounceThreshold?: number;
  /** Members queued per fan-out transaction. Default 1000 (one SendGrid request's worth). */
  fanoutChunk?: number;
  /** Set the Secure flag on cookies (off only for plain-HTTP local development). Default true. */
  secureCookies?: boolean;
  /** Production refuses the built-in demo passwords (default `NODE_ENV === 'production'`). */
  production?: boolean;
}

export interface ResolvedConfig {
  domain: string;
  publicUrl: string;
  basePath: string;
  keys: { id: string; secret: string }[];
  adminPasswordHash: string | null;
  bounceThreshold: number;
  fanoutChunk: number;
  secureCookies: boolean;
  production: boolean;
}

export class ListsConfigError extends Error {
  override name = 'ListsConfigError';
}

export function resolveConfig(config: ListsConfig): ResolvedConfig {
  const domain = (config.domain ?? 'lists.example.com').trim().toLowerCase();
  if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(domain))
    throw new ListsConfigError(`domain "${config.domain}" is not a domain name`);
  if (!config.keys?.length) throw new ListsConfigError('at least one signing key is required');
  for (const key of config.keys) {
    if (!key.id || !key.secret || key.secret.length < 16)
      throw new ListsConfigError(`signing key "${key.id}" needs an id and a secret of at least 16 characters`);
  }
  const basePath = (config.basePath ?? '/lists').replace(/(^|[^/])\/+$/, '$1');
  if (basePath && !basePath.startsWith('/')) throw new ListsConfigError('basePath must start with "/"');
  const publicUrl = (config.publicUrl ?? `http://localhost:3000${basePath}`).replace(/(^|[^/])\/+$/, '$1');
  if (!/^https?:\/\//.test(publicUrl)) throw new ListsConfigError(`publicUrl "${publicUrl}" must be an http(s) URL`);
  const bounceThreshold = config.bounceThreshold ?? 3;
  if (!(bounceThreshold >= 1)) throw new ListsConfigError('bounceThreshold must be at least 1');
  const fanoutChunk = config.fanoutChunk ?? 1000;
  if (!(fanoutChunk >= 1 && fanoutChunk <= 1000)) throw new ListsConfigError('fanoutChunk must be between 1 and 1000');
  return {
    domain,
    publicUrl,
    basePath,
    keys: config.keys,
    adminPasswordHash: config.adminPasswordHash ?? null,
    bounceThreshold,
    fanoutChunk,
    secureCookies: config.secureCookies ?? true,
    production: config.production ?? process.env.NODE_ENV === 'production',
  };
}

export const SLUG = /^[a-z0-9][a-z0-9-]{0,40}$/;

export const listAddress = (config: ResolvedConfig, slug: string) => `${slug}@${config.domain}`;
export const requestAddress = (config: ResolvedConfig, slug: string) => `${slug}-request@${config.domain}`;
/** RFC 2919 list identifier (without the phrase): `<slug>.<domain>`. */
export const listIdOf = (config: ResolvedConfig, slug: string) => `${slug}.${config.domain}`;
export const normalize = (address: string) => normalizeAddress(address);
