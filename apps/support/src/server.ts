/**
 * Standalone help desk: `npm start -w apps/support`. Configuration from the environment (see README).
 * Embedded PGlite by default (in MAILROOM_DATA_DIR), PostgreSQL with DATABASE_URL.
 */
import { createMailroom, openStore, type EnvSecurity, type SigningKey } from '@mailroom/core';
import {
  EnvError,
  firstPassword,
  portFromEnv,
  requireEnv,
  runIfEntry,
  serveStandalone,
  signingKeysFromEnv,
  storeOptionsFromEnv,
  transportFromEnv,
  webhooksFromEnv,
  type Env,
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

export interface ServerSettings extends EnvSecurity {
  app: SupportAppConfig;
  /** Sign the Mailroom's reply addresses and Message-IDs (first signs, all verify). */
  keys: Array<SigningKey & { secret: string }>;
  port: number;
  store: { databaseUrl?: string; dataDir?: string };
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
    port: portFromEnv(env),
    ...webhooksFromEnv(env),
    store: storeOptionsFromEnv(env),
    admin: env.SUPPORT_ADMIN_EMAIL ? { email: env.SUPPORT_ADMIN_EMAIL, name: env.SUPPORT_ADMIN_NAME ?? 'Admin' } : null,
    env,
  };
}

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const settings = configFromEnv(env);
  const store = await openStore(settings.store);
  const transport = transportFromEnv(settings.env);
  const signers = { keys: settings.keys, domain: settings.app.domain };
  const mailroom = createMailroom({
    store,
    security: settings.security,
    eventsSecurity: settings.eventsSecurity, // POST /webhooks/sendgrid/events when SENDGRID_EVENTS_PUBLIC_KEY is set
    mail: { from: settings.app.queues[0]?.address ?? `support@${settings.app.domain}`, domain: settings.app.domain, transport, replyAddresses: signers, messageIds: signers },
  });
  const support = await createSupportApp({ mailroom, store, config: settings.app, sessionSecret: settings.keys[0]!.secret });
  await createFirstAgent(support, settings);
  support.registerEventHandlers(mailroom.events);
  return serveStandalone({
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
  if (!settings.admin || (await agentByEmail(support.services.db, settings.admin.email))) return;
  const first = firstPassword(settings.env, 'SUPPORT_ADMIN_PASSWORD', support.config.production);
  await createAgent(support.services.db, { ...settings.admin, password: first.take(settings.admin.email) }, support.kit.hashPassword);
  for (const line of first.announcement()) console.log(line);
}

runIfEntry(import.meta.url, () => main(), { label: 'support' });
