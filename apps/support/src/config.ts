import { normalizeEmail } from './domain/agents.js';
import type { ThrottleConfig } from './domain/throttle.js';

export interface QueueConfig {
  /** The address customers write to, e.g. `support@support.example.com`. */
  address: string;
  /** Queue name shown to agents (e.g. `general`, `billing`). */
  name: string;
}

export interface SupportConfig {
  /** Domain of our reply addresses and Message-IDs, e.g. `support.example.com` (must receive mail via Inbound Parse). */
  domain: string;
  /** Support addresses; each maps to a queue. The first is the default From of agent replies. */
  queues: QueueConfig[];
  /** Name shown in acknowledgements and as the sender name. Default "Support". */
  helpdeskName?: string;
  /** Replies to a ticket closed longer ago than this open a new linked ticket. Default 30. */
  reopenWithinDays?: number;
  /** Loop breaker: max tickets a sender may open per window. Default 5 per 60 minutes. */
  throttle?: ThrottleConfig;
  /** Attachments kept per message. Default 15 files, 10 MB each. */
  attachments?: { maxCount: number; maxBytes: number };
  /** Most people on a ticket (requester included); further Cc's are not added, replies never reach more. Default 50. */
  maxParticipants?: number;
  /** Path the web app is mounted at (for links, redirects and the cookie path). Default ''. */
  basePath?: string;
  /** Set the Secure flag on cookies (turn off only for plain-HTTP local development). Default true. */
  secureCookies?: boolean;
  /** Production refuses the built-in demo passwords (default `NODE_ENV === 'production'`). */
  production?: boolean;
}

export interface ResolvedConfig {
  domain: string;
  queues: QueueConfig[];
  helpdeskName: string;
  reopenWithinDays: number;
  throttle: ThrottleConfig;
  attachments: { maxCount: number; maxBytes: number };
  maxParticipants: number;
  basePath: string;
  secureCookies: boolean;
  production: boolean;
  /** Normalised support addresses: never added as participants, never mailed. */
  ownAddresses: Set<string>;
}

export class SupportConfigError extends Error {
  override name = 'SupportConfigError';
}

export function resolveConfig(config: SupportConfig): ResolvedConfig {
  const domain = config.domain?.trim().toLowerCase();
  if (!domain || !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(domain))
    throw new SupportConfigError(`domain "${config.domain}" is not a domain name`);
  if (!config.queues?.length) throw new SupportConfigError('at least one support address (queue) is required');
  const queues = config.queues.map((q) => {
    if (!/^[^@\s]+@[^@\s]+$/.test(q.address))
      throw new SupportConfigError(`queue address "${q.address}" is not an address`);
    return { address: normalizeEmail(q.address), name: q.name || 'general' };
  });
  const throttle = config.throttle ?? { maxTickets: 5, windowMinutes: 60 };
  if (!(throttle.maxTickets >= 1) || !(throttle.windowMinutes > 0))
    throw new SupportConfigError('throttle needs maxTickets ≥ 1 and windowMinutes > 0');
  const maxParticipants = config.maxParticipants ?? 50;
  if (!Number.isInteger(maxParticipants) || maxParticipants < 1)
    throw new SupportConfigError('maxParticipants must be a whole number ≥ 1');
  const basePath = (config.basePath ?? '').replace(/(^|[^/])\/+$/, '$1');
  if (basePath && !basePath.startsWith('/')) throw new SupportConfigError('basePath must start with "/"');
  return {
    domain,
    queues,
    helpdeskName: config.helpdeskName ?? 'Support',
    reopenWithinDays: config.reopenWithinDays ?? 30,
    throttle,
    attachments: config.attachments ?? { maxCount: 15, maxBytes: 10 * 1024 * 1024 },
    maxParticipants,
    basePath,
    secureCookies: config.secureCookies ?? true,
    production: config.production ?? process.env.NODE_ENV === 'production',
    ownAddresses: new Set(queues.map((q) => q.address)),
  };
}

/** Our domains, for `email.classify()`'s loop detection: the reply domain and the support addresses' domains. */
export function ownDomains(config: ResolvedConfig): string[] {
  return [...new Set([config.domain, ...config.queues.map((q) => q.address.split('@')[1]!)])];
}

/** True for our own addresses: support addresses and anything on our reply domain. */
export function isOwnAddress(config: ResolvedConfig, address: string): boolean {
  const normalized = normalizeEmail(address);
  return config.ownAddresses.has(normalized) || normalized.endsWith(`@${config.domain}`);
}
