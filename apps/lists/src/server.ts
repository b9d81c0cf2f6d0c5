/**
 * Standalone mailing lists: `npm start -w apps/lists`. Configuration from the environment (see README).
 * Embedded PGlite by default (in MAILROOM_DATA_DIR), PostgreSQL with DATABASE_URL.
 */
import {
  createFirstAccount,
  EnvError,
  openStandalone,
  runIfEntry,
  serveStandalone,
  signingKeysFromEnv,
  standaloneFromEnv,
  type Env,
  type StandaloneSettings,
} from '@mailroom/app-kit';
import { createListsApp, type ListsApp, type ListsConfig } from './index.js';
import { ADMIN_ACCOUNT } from './web/auth.js';

const DOCS = 'apps/lists/README.md';

export { EnvError };

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new EnvError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

export interface ServerSettings extends StandaloneSettings {
  app: Omit<ListsConfig, 'adminPasswordHash'>;
  /** The first admin password: an scrypt hash, or a plain one hashed at startup; null: generated and printed once. */
  admin: { hash: string } | { password: string } | null;
}

export function configFromEnv(env: Env = process.env): ServerSettings {
  const domain = env.LISTS_DOMAIN?.trim() || 'lists.example.com';
  const keys = signingKeysFromEnv(env, 'LISTS_SECRET', DOCS);
  const server = standaloneFromEnv(env);
  const basePath = env.LISTS_BASE_PATH ?? '/lists';
  let admin: ServerSettings['admin'] = null;
  if (env.LISTS_ADMIN_PASSWORD_HASH) {
    if (!env.LISTS_ADMIN_PASSWORD_HASH.startsWith('scrypt$'))
      throw new EnvError('LISTS_ADMIN_PASSWORD_HASH must be an scrypt$… hash (see README)');
    admin = { hash: env.LISTS_ADMIN_PASSWORD_HASH };
  } else if (env.LISTS_ADMIN_PASSWORD) {
    admin = { password: env.LISTS_ADMIN_PASSWORD };
  }
  return {
    app: {
      domain,
      publicUrl: env.LISTS_PUBLIC_URL ?? `http://localhost:${server.port || 3000}${basePath}`,
      basePath,
      keys,
      bounceThreshold: integer(env, 'LISTS_BOUNCE_THRESHOLD', 3, 1, 1000),
      secureCookies: env.LISTS_INSECURE_COOKIES !== '1',
    },
    admin,
    ...server,
  };
}

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const settings = configFromEnv(env);
  // The lists sign reply addresses, links and Message-IDs with the Mailroom's signers: LISTS_SECRET, on the lists' domain.
  const signers = { keys: settings.app.keys, domain: settings.app.domain ?? 'lists.example.com' };
  // POST /webhooks/sendgrid/events when SENDGRID_EVENTS_PUBLIC_KEY is set; 1,000 rows a round: a batch of list
  // copies fills one SendGrid request.
  const { store, transport, mailroom } = await openStandalone(settings, env, {
    from: `lists@${settings.app.domain}`,
    domain: settings.app.domain,
    deliverer: { claimLimit: 1000 },
    replyAddresses: signers,
    messageIds: signers,
  });
  const production = settings.app.production ?? env.NODE_ENV === 'production';
  const adminPasswordHash = settings.admin && 'hash' in settings.admin ? settings.admin.hash : undefined;
  const lists = await createListsApp({
    mailroom,
    store,
    config: { ...settings.app, ...(adminPasswordHash ? { adminPasswordHash } : {}) },
  });
  await setFirstAdminPassword(lists, env, production);
  lists.registerEventHandlers(mailroom.events);
  return serveStandalone({
    worker: settings.worker,
    store,
    mailroom,
    web: lists.web,
    basePath: lists.config.basePath,
    port: settings.port,
    loops: lists,
    cookies: { production, publicUrl: lists.config.publicUrl, secureCookies: lists.config.secureCookies },
    announce: { event: 'lists.listening', basePath: lists.config.basePath, transport: transport.name },
  });
}

async function setFirstAdminPassword(lists: ListsApp, env: Env, production: boolean): Promise<void> {
  if (await lists.kit.credentials.hashOf(ADMIN_ACCOUNT)) return;
  await createFirstAccount(env, 'LISTS_ADMIN_PASSWORD', production, 'lists admin', async (password) =>
    lists.kit.credentials.setIfMissing(ADMIN_ACCOUNT, await lists.kit.hashPassword(password)),
  );
}

runIfEntry(import.meta.url, () => main(), { label: 'lists' });
