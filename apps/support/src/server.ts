/**
 * Standalone help desk: `npm start -w apps/support`. Configuration from the environment (see README).
 * Embedded PGlite by default (in MAILROOM_DATA_DIR), PostgreSQL with DATABASE_URL.
 */
import type { SigningKey } from '@mailroom/core';
import {
  createFirstAccount,
  EnvError,
  openStandalone,
  requireEnv,
  runIfEntry,
  serveStandalone,
  signingKeysFromEnv,
  standaloneFromEnv,
  type Env,
  type StandaloneSettings,
} from '@mailroom/app-kit';
import { agentByEmail, createAgent, createSupportApp, type SupportApp, type SupportAppConfig } from './index.js';

const DOCS = 'apps/support/README.md';

export { EnvError };

/** `support@x.com=general,billing@x.com=billing` (queue name optional). */
export function parseQueues(value: string): SupportAppConfig['queues'] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [address, name] = entry.split('=').map((s) => s.trim());
      return { address: address!, name: name || address!.split('@')[0]! };
    });
}

export interface ServerSettings extends StandaloneSettings {
  app: SupportAppConfig;
  /** Sign the Mailroom's reply addresses and Message-IDs (first signs, all verify). */
  keys: Array<SigningKey & { secret: string }>;
  /** The first agent, created at start when no agent has this email (its password is never reset). */
  admin: { email: string; name: string } | null;
  /** The environment, for the first password (SUPPORT_ADMIN_PASSWORD, else generated and printed once) and the transport. */
  env: Env;
}

export function configFromEnv(env: Env = process.env): ServerSettings {
  const domain = requireEnv(env, 'SUPPORT_DOMAIN', DOCS);
  const keys = signingKeysFromEnv(env, 'SUPPORT_SECRET', DOCS);
  const throttle = /^(\d+)\/(\d+)$/.exec(env.SUPPORT_THROTTLE ?? '5/60');
  if (!throttle) throw new EnvError('SUPPORT_THROTTLE must look like 5/60 (tickets/minutes)');
  return {
    app: {
      domain,
      queues: parseQueues(env.SUPPORT_ADDRESSES ?? `support@${domain}=general`),
      helpdeskName: env.SUPPORT_NAME ?? 'Support',
      reopenWithinDays: Number(env.SUPPORT_REOPEN_DAYS ?? 30),
      throttle: { maxTickets: Number(throttle[1]), windowMinutes: Number(throttle[2]) },
      maxParticipants: Number(env.SUPPORT_MAX_PARTICIPANTS ?? 50),
      basePath: env.SUPPORT_BASE_PATH ?? '',
      secureCookies: env.SUPPORT_INSECURE_COOKIES !== '1',
    },
    keys,
    ...standaloneFromEnv(env),
    admin: env.SUPPORT_ADMIN_EMAIL ? { email: env.SUPPORT_ADMIN_EMAIL, name: env.SUPPORT_ADMIN_NAME ?? 'Admin' } : null,
    env,
  };
}

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const settings = configFromEnv(env);
  const signers = { keys: settings.keys, domain: settings.app.domain };
  // POST /webhooks/sendgrid/events when SENDGRID_EVENTS_PUBLIC_KEY is set.
  const { store, transport, mailroom } = await openStandalone(settings, settings.env, {
    from: settings.app.queues[0]?.address ?? `support@${settings.app.domain}`,
    domain: settings.app.domain,
    replyAddresses: signers,
    messageIds: signers,
  });
  const support = await createSupportApp({
    mailroom,
    store,
    config: settings.app,
    sessionSecret: settings.keys[0]!.secret,
  });
  await createFirstAgent(support, settings);
  support.registerEventHandlers(mailroom.events);
  return serveStandalone({
    worker: settings.worker,
    store,
    mailroom,
    web: support.web,
    basePath: support.config.basePath,
    port: settings.port,
    cookies: support.config,
    announce: { event: 'support.listening', transport: transport.name },
  });
}

async function createFirstAgent(support: SupportApp, settings: ServerSettings): Promise<void> {
  const admin = settings.admin;
  if (!admin || (await agentByEmail(support.services.db, admin.email))) return;
  await createFirstAccount(settings.env, 'SUPPORT_ADMIN_PASSWORD', support.config.production, admin.email, (password) =>
    createAgent(support.services.db, { ...admin, password }, support.kit.hashPassword),
  );
}

runIfEntry(import.meta.url, () => main(), { label: 'support' });
