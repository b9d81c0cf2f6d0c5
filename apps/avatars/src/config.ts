import { MailroomConfigurationError } from '@mailroom/core';
import { DEFAULT_IMAGE_POLICY, type ImagePolicy } from './images/index.js';

export interface AvatarsConfig {
  /** Mail domain of the upload addresses, e.g. `avatars.example.com`. */
  domain: string;
  /** Local part of the shared upload address (`avatar@domain`; secret ones are `avatar+<secret>@domain`). */
  uploadLocalPart: string;
  /** Where the web side is reachable from outside, mount path included (links in mail, cookie path). */
  publicUrl: string;
  /** Signs session cookies; at least 32 characters. */
  sessionSecret: string;
  /** Sender of confirmations and refusals. */
  from: { address: string; name: string };
  /** Limits for uploaded images. */
  imagePolicy: ImagePolicy;
  /** Avatars kept per user (current one included); older ones are deleted with their files. */
  historyLimit: number;
  /** At most one refusal per address in this period. */
  refusalIntervalMs: number;
  /** How long confirmation and sign-in links work. */
  linkTtlMs: number;
  /** Session cookie lifetime. */
  sessionTtlMs: number;
  /** The session cookie's Secure flag (default: in production, or when publicUrl is https). */
  secureCookies: boolean;
  /** Production (default `NODE_ENV === 'production'`): cookies are Secure, and a plain-http publicUrl is warned about. */
  production: boolean;
  /** `Cache-Control: max-age` of `/avatar/…` responses (an avatar can change, so keep it short; ETags make revalidation cheap). */
  avatarMaxAgeSeconds: number;
}

export type AvatarsConfigInput = Partial<Omit<AvatarsConfig, 'imagePolicy' | 'from'>> & {
  sessionSecret: string;
  imagePolicy?: Partial<ImagePolicy>;
  from?: Partial<AvatarsConfig['from']>;
};

export function resolveConfig(input: AvatarsConfigInput): AvatarsConfig {
  const domain = (input.domain ?? 'avatars.example.com').toLowerCase();
  if (!input.sessionSecret || input.sessionSecret.length < 32)
    throw new MailroomConfigurationError('sessionSecret (AVATARS_SESSION_SECRET) must be at least 32 characters');
  const uploadLocalPart = (input.uploadLocalPart ?? 'avatar').toLowerCase();
  if (!/^[a-z0-9._-]+$/.test(uploadLocalPart))
    throw new MailroomConfigurationError(`invalid uploadLocalPart ${JSON.stringify(uploadLocalPart)}`);
  const publicUrl = (input.publicUrl ?? 'http://localhost:3000').replace(/(^|[^/])\/+$/, '$1');
  new URL(publicUrl); // throws on a malformed URL
  const production = input.production ?? process.env.NODE_ENV === 'production';
  return {
    domain,
    uploadLocalPart,
    publicUrl,
    sessionSecret: input.sessionSecret,
    from: { address: input.from?.address ?? `no-reply@${domain}`, name: input.from?.name ?? 'Avatars' },
    imagePolicy: { ...DEFAULT_IMAGE_POLICY, ...input.imagePolicy },
    historyLimit: input.historyLimit ?? 10,
    refusalIntervalMs: input.refusalIntervalMs ?? 24 * 60 * 60 * 1000,
    linkTtlMs: input.linkTtlMs ?? 60 * 60 * 1000,
    sessionTtlMs: input.sessionTtlMs ?? 30 * 24 * 60 * 60 * 1000,
    production,
    secureCookies: input.secureCookies ?? (production || publicUrl.startsWith('https:')),
    avatarMaxAgeSeconds: input.avatarMaxAgeSeconds ?? 300,
  };
}

/**
 * Reads the configuration from the environment (see the README's table).
 * AVATARS_SESSION_SECRET is required.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AvatarsConfig {
  const number = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0)
      throw new MailroomConfigurationError(`${name} must be a positive number`);
    return parsed;
  };
  const maxBytes = number('AVATARS_MAX_BYTES');
  const maxPixels = number('AVATARS_MAX_PIXELS');
  return resolveConfig({
    domain: env.AVATARS_DOMAIN,
    uploadLocalPart: env.AVATARS_UPLOAD_LOCAL_PART,
    publicUrl: env.AVATARS_PUBLIC_URL,
    sessionSecret: env.AVATARS_SESSION_SECRET ?? '',
    from: { address: env.AVATARS_FROM, name: env.AVATARS_FROM_NAME },
    imagePolicy: { ...(maxBytes ? { maxBytes } : {}), ...(maxPixels ? { maxPixels } : {}) },
    historyLimit: number('AVATARS_HISTORY_LIMIT'),
  } as AvatarsConfigInput);
}

/** The path prefix the web app is mounted under ('' at the root). */
export function basePathOf(config: AvatarsConfig): string {
  return new URL(config.publicUrl).pathname.replace(/(^|[^/])\/+$/, '$1');
}

export function sharedUploadAddress(config: AvatarsConfig): string {
  return `${config.uploadLocalPart}@${config.domain}`;
}

export function secretUploadAddress(config: AvatarsConfig, secret: string): string {
  return `${config.uploadLocalPart}+${secret}@${config.domain}`;
}
