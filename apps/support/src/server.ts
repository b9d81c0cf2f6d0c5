/**
 * Standalone help desk: `npm start -w apps/support`. Configuration from the environment (see README).
 * Embedded PGlite by default (in MAILROOM_DATA_DIR), PostgreSQL with DATABASE_URL.
 */
import { Hono } from 'hono';
import {
  createMailroom,
  EnvError,
  openStore,
  outboxOnlyTransport,
  portFromEnv,
  requireEnv,
  runMain,
  securityFromEnv,
  sendgridTransport,
  startServer,
  storeOptionsFromEnv,
  type EnvSecurity,
  type IngressSecurity,
  type MailroomEventsSecurity,
} from '@mailroom/core';
import { firstPassword, secureCookieWarning } from '@mailroom/app-kit';
import { agentByEmail, createAgent, createSupportApp, type SupportAppConfig } from './index.js';

type Env = Record<string, string | undefined>;
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

export function configFromEnv(env: Env = process.env): {
  app: SupportAppConfig;
  /** Sign the Mailroom's reply addresses and Message-IDs (first signs, all verify). */
  keys: { id: string; secret: string }[];
  port: number;
  security: IngressSecurity;
  /** From SENDGRID_EVENTS_PUBLIC_KEY; undefined leaves the Event Webhook off. */
  eventsSecurity: MailroomEventsSecurity | undefined;
  sendgridApiKey: string | null;
  store: { databaseUrl?: string; dataDir?: string };
  /** The first agent, created at start when no agent has this email (its password is never reset). */
  admin: { email: string; name: string } | null;
  /** The environment, for the first password (SUPPORT_ADMIN_PASSWORD, else generated and printed once). */
  env: Env;
} {
  const domain = requireEnv(env, 'SUPPORT_DOMAIN', DOCS);
  const secret = requireEnv(env, 'SUPPORT_SECRET', DOCS);
  if (secret.length < 32) throw new EnvError('SUPPORT_SECRET must be at least 32 characters');
  const keys = [{ id: 'current', secret }];
  if (env.SUPPORT_SECRET_PREVIOUS) keys.push({ id: 'previous', secret: env.SUPPORT_SECRET_PREVIOUS });
  const throttle = /^(\d+)\/(\d+)$/.exec(env.SUPPORT_THROTTLE ?? '5/60');
  if (!throttle) throw new EnvError('SUPPORT_THROTTLE must look like 5/60 (tickets/minutes)');
  const port = portFromEnv(env);

  let webhooks: EnvSecurity;
  try {
    webhooks = securityFromEnv(env);
  } catch (error) {
    throw new EnvError((error as Error).message);
  }
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
    port,
    ...webhooks,
    sendgridApiKey: env.SENDGRID_API_KEY ?? null,
    store: storeOptionsFromEnv(env),
    admin: env.SUPPORT_ADMIN_EMAIL ? { email: env.SUPPORT_ADMIN_EMAIL, name: env.SUPPORT_ADMIN_NAME ?? 'Admin' } : null,
    env,
  };
}

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const settings = configFromEnv(env);
  const store = await openStore(settings.store);
  const transport = settings.sendgridApiKey ? sendgridTransport({ apiKey: settings.sendgridApiKey }) : outboxOnlyTransport();
  const mailroom = createMailroom({
    store,
    security: settings.security,
    eventsSecurity: settings.eventsSecurity, // POST /webhooks/sendgrid/events when SENDGRID_EVENTS_PUBLIC_KEY is set
    mail: {
      from: settings.app.queues[0]?.address ?? `support@${settings.app.domain}`,
      domain: settings.app.domain,
      transport,
      replyAddresses: { keys: settings.keys, domain: settings.app.domain },
      messageIds: { keys: settings.keys, domain: settings.app.domain },
    },
  });
  const support = await createSupportApp({ mailroom, store, config: settings.app, sessionSecret: settings.keys[0]!.secret });
  if (settings.admin && !(await agentByEmail(support.services.db, settings.admin.email))) {
    const first = firstPassword(settings.env, 'SUPPORT_ADMIN_PASSWORD', support.config.production);
    await createAgent(support.services.db, { ...settings.admin, password: first.take(settings.admin.email) }, support.kit.hashPassword);
    for (const line of first.announcement()) console.log(line);
  }
  const cookieWarning = secureCookieWarning({ production: support.config.production, secureCookies: support.config.secureCookies });
  if (cookieWarning) console.warn(cookieWarning);
  support.registerEventHandlers(mailroom.events);

  const app = new Hono();
  app.route('/webhooks/sendgrid', mailroom.app());
  app.get('/healthz', (c) => c.text('ok'));
  app.route(settings.app.basePath || '/', support.web);
  mailroom.start();
  const server = await startServer(app.fetch, { port: settings.port });
  const port = server.port;
  console.log(JSON.stringify({ event: 'support.listening', port, transport: transport.name }));
  return {
    port,
    async close() {
      await server.close();
      await mailroom.stop();
      await store.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) void runMain(() => main());
