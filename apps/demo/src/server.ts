/**
 * The demo server (`npm start` at the repo root): the sample apps, both SendGrid webhooks and the
 * developer console on one Hono server, with embedded PGlite (or PostgreSQL via DATABASE_URL).
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type Http2Bindings, type HttpBindings, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { DEMO_PASSWORD } from './apps/types.js';
import {
  firstPassword,
  hostAllowlist,
  kitAssets,
  LOCAL_HOSTS,
  notFoundHandler,
  runIfEntry,
  secureCookieWarning,
  securityHeaders,
  suiteNav,
} from '@mailroom/app-kit';
import {
  createMailroom,
  openStore,
  outboxOnlyTransport,
  sendgridTransport,
  type IngressSecurity,
  type Logger,
  type Mailroom,
  type Store,
} from '@mailroom/core';
import { healthRoutes, mailroomMetrics, relayIngress, serverTimeoutOptions } from '@mailroom/core/http';
import { createSmtpReceiver, type SmtpReceiver } from '@mailroom/core/ingress';
import { demoAppModules, type DemoApp, type DemoAppModule } from './apps/index.js';
import { loadConfig, type DemoConfig } from './config.js';
import { createWebhookClient, mailroomConsole, type ConsoleProviders } from '@mailroom/console';
import { consoleAuth } from './console-auth.js';
import { samplePhoto } from './sample-photo.js';
import { loadDevKeys, type DevKeys } from './dev-keys.js';
import { bannerText, HomePage, type HomeProps } from './home.js';
import { mountProviderWebhooks, providerWebhooksFromEnv } from './provider-webhooks.js';
import { demoMigrations, seedOnce } from './seeds.js';

type Env = Record<string, string | undefined>;

export interface StartDemoOptions {
  /** Default `process.env`. */
  env?: Env;
  /** Base for a relative MAILROOM_DATA_DIR; default `process.cwd()`. */
  cwd?: string;
  /** Store and worker log; default JSON lines on stdout. */
  logger?: Logger;
  /** Where the banner and warnings go; default the console. */
  print?: (line: string) => void;
  warn?: (line: string) => void;
  /** The apps to mount; default all of `apps/index.ts`. */
  modules?: readonly DemoAppModule[];
}

export interface RunningDemo {
  url: string;
  port: number;
  config: DemoConfig;
  store: Store;
  mailroom: Mailroom<object>;
  apps: DemoApp[];
  devKeys: DevKeys;
  /** The root Hono app (the server's fetch handler). */
  app: Hono;
  banner: string;
  /** The SMTP receiver's port (`SMTP_PORT`), null when off. */
  smtpPort: number | null;
  close(): Promise<void>;
}

interface SecurityPlan {
  parse: IngressSecurity;
  events: { publicKeys?: string[]; insecure?: boolean } | null;
  description: string[];
  warnings: string[];
}

/** Configured keys win; development also accepts the console's dev keys; nothing configured = insecure (development only). */
export function planSecurity(config: DemoConfig, devKeys: DevKeys): SecurityPlan {
  const description: string[] = [];
  const warnings: string[] = [];
  const parse: IngressSecurity = {};
  const { publicKeys, basic, maxAgeSeconds } = config.parse;
  if (publicKeys.length) {
    parse.publicKeys = config.development ? [...publicKeys, devKeys.parse.publicKey] : publicKeys;
    description.push(
      `Parse: signed posts (${publicKeys.length} configured key(s)${config.development ? ' + the console dev key' : ''})`,
    );
    if (maxAgeSeconds !== null) {
      parse.maxTimestampAgeSeconds = maxAgeSeconds;
      description.push(`Parse: signed timestamps within ${maxAgeSeconds} s (SENDGRID_PARSE_MAX_AGE_SECONDS)`);
    }
  }
  if (basic.length) {
    parse.basic = basic;
    description.push(`Parse: basic auth (${basic.length} credential(s))`);
  }
  if (!publicKeys.length && !basic.length) {
    parse.insecure = true;
    description.push('Parse: INSECURE development mode (no key or credentials configured)');
    warnings.push(
      'WARNING: the Parse Webhook accepts unauthenticated posts. Set SENDGRID_PARSE_PUBLIC_KEY or SENDGRID_PARSE_BASIC before exposing this server.',
    );
  }

  let events: SecurityPlan['events'];
  if (config.events.publicKeys.length) {
    events = {
      publicKeys: config.development
        ? [...config.events.publicKeys, devKeys.events.publicKey]
        : config.events.publicKeys,
    };
    description.push(
      `Events: signed posts (${config.events.publicKeys.length} configured key(s)${config.development ? ' + the console dev key' : ''})`,
    );
  } else if (config.development) {
    events = { insecure: true };
    description.push('Events: INSECURE development mode (no SENDGRID_EVENTS_PUBLIC_KEY)');
    warnings.push(
      'WARNING: the Event Webhook accepts unsigned posts. Set SENDGRID_EVENTS_PUBLIC_KEY before exposing this server.',
    );
  } else {
    events = null;
    description.push('Events: off (set SENDGRID_EVENTS_PUBLIC_KEY)');
    warnings.push('The Event Webhook is off: set SENDGRID_EVENTS_PUBLIC_KEY to receive delivery events.');
  }
  return { parse, events, description, warnings };
}

export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const config = loadConfig(options.env ?? process.env, options.cwd);
  const print = options.print ?? ((line: string) => console.log(line));
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const devKeys = await loadDevKeys(config.dataDir);
  const plan = planSecurity(config, devKeys);
  // Production never hands out the published password: seeded and first accounts get MAILROOM_ADMIN_PASSWORD, or one
  // generated now and printed once (only when an account is actually created with it).
  const first = firstPassword(options.env ?? process.env, 'MAILROOM_ADMIN_PASSWORD', !config.development);
  const accountPassword = (who: string) => (config.development && config.seed ? DEMO_PASSWORD : first.take(who));
  const secret = config.secret ?? devKeys.secret;
  const secretFor = (purpose: string) =>
    createHmac('sha256', secret).update(`mailroom-demo:${purpose}`).digest('base64url');
  // The relay endpoint's secret: MAILROOM_RELAY_SECRET, or in development one derived from the dev secret (printed).
  const relaySecret = config.relaySecret ?? (config.development ? secretFor('relay') : null);

  const listening = await listenFirst(config);
  const url = config.publicUrl ?? `http://localhost:${listening.port}`;
  const store = await openDemoStore(config, options.logger).catch(async (error: unknown) => {
    await listening.close();
    throw error;
  });
  let smtp: SmtpReceiver | null = null;
  try {
    await store.migrate(demoMigrations);
    const mailroom = demoMailroom(store, config, plan, secretFor);
    const root = webhookRoot(mailroom, config, relaySecret);
    const providerWebhooks = mountProviderWebhooks(
      root,
      mailroom,
      providerWebhooksFromEnv(options.env ?? process.env, config.development),
      secretFor,
    );
    const apps = await mountApps(root, options.modules ?? demoAppModules, {
      mailroom,
      store,
      config,
      url,
      secretFor,
      accountPassword,
    });
    const home: HomeProps = {
      apps,
      consoleEnabled: config.console.enabled,
      security: [...plan.description, relayDescription(config, relaySecret)],
      transport: config.sendgridApiKey
        ? 'SendGrid v3 Mail Send (SENDGRID_API_KEY)'
        : 'outbox only (nothing leaves this machine; see the console Outbox)',
      database: store.dialect === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.dataDir}`,
      providerWebhooks,
    };
    if (config.console.enabled)
      root.route(
        '/console',
        await demoConsole({
          root,
          store,
          mailroom,
          apps,
          config,
          devKeys,
          url,
          secretFor,
          // Compose can post as every provider mounted above, SendGrid being the default.
          providers: Object.assign(
            {},
            ...providerWebhooks.map((p) => p.compose ?? {}),
            relaySecret ? { relay: { url: '/webhooks/raw', secret: relaySecret } } : {},
          ) as ConsoleProviders,
        }),
      );
    root.get('/', securityHeaders(), (c) => c.html(HomePage(home)));
    // Liveness and readiness (database answers, migrations applied, worker not shutting down), as in every app.
    root.route('/', healthRoutes(mailroom, { migrationSets: [demoMigrations] }));
    // Unknown paths, under an app's mount too (Hono answers with the outermost app's notFound).
    root.notFound(notFoundHandler({ app: { name: 'Mailroom demo', home: '/', base: '' } }));

    if (config.seed) await seedApps(store, apps, warn);
    for (const app of apps) await app.ensureFirstAccount?.();

    smtp = demoSmtp(mailroom, config, url);
    const smtpPort = smtp ? (await smtp.listen()).port : null;
    mailroom.start();
    for (const app of apps) app.start?.();
    listening.answer((request, env) => root.fetch(request, env));

    for (const line of plan.warnings) warn(line);
    if (relaySecret && !config.relaySecret) warn(`Relay: development MAILROOM_RELAY_SECRET=${relaySecret}`);
    const cookieWarning = secureCookieWarning({
      production: !config.development,
      publicUrl: url,
      secureCookies: !config.development,
    });
    if (cookieWarning) warn(cookieWarning);
    const banner = [
      bannerText({ ...home, url }),
      ...(smtpPort === null ? [] : [`  SMTP: port ${smtpPort} for ${Object.values(config.domains).join(', ')}`]),
      ...first.announcement().map((line) => `  ${line}`),
    ].join('\n');
    print(banner);

    return {
      url,
      port: listening.port,
      config,
      store,
      mailroom,
      apps,
      devKeys,
      app: root,
      banner,
      smtpPort,
      async close() {
        await listening.close();
        await smtp?.close();
        // Apps' own loops queue mail: stop them before the Mailroom (its deliverer) stops.
        for (const app of apps) await app.stop?.();
        await mailroom.stop();
        await store.close();
      },
    };
  } catch (error) {
    await listening.close();
    await smtp?.close();
    await store.close();
    throw error;
  }
}

type FetchHandler = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/**
 * Listen first (a port of 0 is only known afterwards, and links in mail need the URL); answer 503 until ready.
 * The node-server bindings (env.incoming) travel along: app-kit's throttle reads the client's address from them.
 */
async function listenFirst(
  config: DemoConfig,
): Promise<{ port: number; answer(handler: FetchHandler): void; close(): Promise<void> }> {
  let handler: FetchHandler | null = null;
  const server: ServerType = serve({
    fetch: (request, env) =>
      handler ? handler(request, env) : new Response('starting', { status: 503, headers: { 'retry-after': '1' } }),
    port: config.port,
    hostname: config.host,
    serverOptions: serverTimeoutOptions(), // Node's 300 s requestTimeout would let a trickling post live that long
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    port: (server.address() as AddressInfo).port,
    answer: (next) => (handler = next),
    close: () => {
      handler = null;
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** With SMTP_PORT the apps' domains also take mail over SMTP (their own MX), into the one Mailroom. */
function demoSmtp(mailroom: Mailroom<object>, config: DemoConfig, url: string): SmtpReceiver | null {
  if (config.smtpPort === null) return null;
  const domains = Object.values(config.domains);
  return createSmtpReceiver(mailroom, {
    hostname: new URL(url).hostname,
    domains,
    port: config.smtpPort,
    host: config.host,
  });
}

function openDemoStore(config: DemoConfig, logger: Logger | undefined): Promise<Store> {
  return openStore({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }),
    ...(logger ? { logger } : {}),
  });
}

/**
 * One Mailroom owns the outbox for every app (one deliverer, SendGrid or outbox only) and the Event Webhook
 * (without eventsSecurity it answers POST /events with 404 and a reason).
 */
function demoMailroom(
  store: Store,
  config: DemoConfig,
  plan: SecurityPlan,
  secretFor: (purpose: string) => string,
): Mailroom<object> {
  // The Mailroom's signers (lists' reply addresses, links and Message-IDs; its reply route is on the lists domain).
  const signers = { keys: [{ id: 'demo', secret: secretFor('mailroom:signers') }], domain: config.domains.lists };
  const demoSigners = { replyAddresses: signers, messageIds: signers };
  const transport = config.sendgridApiKey
    ? sendgridTransport({ apiKey: config.sendgridApiKey })
    : outboxOnlyTransport();
  return createMailroom({
    store,
    security: plan.parse,
    worker: { autoStart: false },
    ...(plan.events ? { eventsSecurity: plan.events } : {}),
    // The apps give every message its own From; this one is only the fallback. 1,000 rows a round fill a list batch.
    // Its signers sign every app's reply tokens and Message-IDs (each app has its own scopes; support and blog build
    // reply addresses on their own domains, lists routes the Mailroom's reply domain).
    mail: {
      from: { address: `no-reply@${config.domains.support}`, name: 'Mailroom demo' },
      transport,
      deliverer: { claimLimit: 1000 },
      ...demoSigners,
    },
  });
}

/** The root app with the host allowlist, both SendGrid webhooks and the metrics endpoint. */
function webhookRoot(mailroom: Mailroom<object>, config: DemoConfig, relaySecret: string | null): Hono {
  // Not strict: an app mounted at /support answers both /support and /support/ (links and redirects use either).
  const root = new Hono({ strict: false });
  // DNS rebinding: in development a page on any site can reach 127.0.0.1 under its own host name; only our names get in.
  const hosts = [
    ...LOCAL_HOSTS,
    ...(config.publicUrl ? [new URL(config.publicUrl).hostname] : []),
    ...config.allowedHosts,
  ];
  if (config.development || config.allowedHosts.length) root.use(hostAllowlist(hosts));
  const metrics = mailroomMetrics(mailroom);
  root.use('/webhooks/sendgrid/*', metrics.observePosts);
  root.route('/webhooks/sendgrid', mailroom.app()); // POST /webhooks/sendgrid/parse and /webhooks/sendgrid/events
  if (relaySecret) root.route('/webhooks/raw', relayIngress(mailroom, { secrets: [relaySecret] })); // MTAs: `mailroom relay`
  // Prometheus: open in development; in production only with METRICS_TOKEN (counts are not for strangers).
  if (config.metricsToken) root.get('/metrics', bearerAuth({ token: config.metricsToken }), metrics.handler);
  else if (config.development) root.get('/metrics', metrics.handler);
  return root;
}

function relayDescription(config: DemoConfig, secret: string | null): string {
  if (!secret) return 'Relay: off (set MAILROOM_RELAY_SECRET to mount POST /webhooks/raw)';
  return config.relaySecret
    ? 'Relay: POST /webhooks/raw, Bearer MAILROOM_RELAY_SECRET'
    : 'Relay: POST /webhooks/raw, Bearer secret generated for development (printed at start; set MAILROOM_RELAY_SECRET)';
}

interface MountContext {
  mailroom: Mailroom<object>;
  store: Store;
  config: DemoConfig;
  url: string;
  secretFor(purpose: string): string;
  accountPassword(who: string): string;
}

async function mountApps(root: Hono, modules: readonly DemoAppModule[], ctx: MountContext): Promise<DemoApp[]> {
  const { mailroom, store, config, url } = ctx;
  const apps: DemoApp[] = [];
  // Every app's pages get the bar back to the home page, the other apps and the console.
  root.use(
    suiteNav(() => [
      { href: '/', label: 'Home' },
      ...apps.map((a) => ({ href: `${a.mountPath}/`, label: a.title })),
      ...(config.console.enabled ? [{ href: '/console/inbox', label: 'Console' }] : []),
    ]),
  );
  root.route('/', kitAssets());
  for (const module of modules) {
    const app = await module.create({
      mailroom,
      store,
      config,
      mountPath: module.mountPath,
      publicUrl: `${url}${module.mountPath}`,
      secretFor: (purpose) => ctx.secretFor(`${module.name}:${purpose}`),
      events: mailroom.events,
      accountPassword: ctx.accountPassword,
    });
    root.route(module.mountPath, app.web);
    apps.push(app);
  }
  return apps;
}

interface ConsoleContext extends Omit<MountContext, 'accountPassword'> {
  root: Hono;
  apps: DemoApp[];
  devKeys: DevKeys;
  /** The provider endpoints mounted on `root` (Postmark, Mailgun, the relay), for Compose. */
  providers: ConsoleProviders;
}

/** The console posts through the root app itself, signed with the development keys, as SendGrid would. */
async function demoConsole({
  root,
  store,
  mailroom,
  apps,
  config,
  devKeys,
  url,
  secretFor,
  providers,
}: ConsoleContext): Promise<Hono> {
  const webhooks = createWebhookClient({
    fetch: (request) => root.fetch(request),
    baseUrl: () => url,
    parseKey: devKeys.parse,
    eventsKey: devKeys.events,
    basic: config.parse.basic[0] ?? null,
  });
  return mailroomConsole({
    store,
    mailroom,
    webhooks,
    providers,
    addresses: apps.flatMap((app) =>
      app.addresses.filter((a) => !/[…<]/.test(a.address)).map((a) => ({ address: a.address, app: app.title })),
    ),
    ownDomains: Object.values(config.domains),
    signing: `signed with the development key in ${devKeys.file}${config.parse.basic.length ? ' and sent with the first basic credential' : ''}`,
    auth: config.console.password
      ? await consoleAuth({
          store,
          credentials: { username: config.console.username, password: config.console.password },
          secret: secretFor('console'),
          production: !config.development,
        })
      : 'development', // config.console.enabled: without CONSOLE_PASSWORD only in development
    sample: { filename: 'portrait.png', contentType: 'image/png', content: samplePhoto() },
    // The bar back to the demo's home and its apps (the apps' pages get it from app-kit's suiteNav).
    links: [
      { href: '/', label: 'Home' },
      ...apps.map((a) => ({ href: `${a.mountPath}/`, label: a.title })),
      { href: '/console/inbox', label: 'Console' },
    ],
  });
}

async function seedApps(store: Store, apps: DemoApp[], warn: (line: string) => void): Promise<void> {
  for (const app of apps) {
    if (!app.seed) continue;
    try {
      await seedOnce(store, `${app.name}:v1`, app.seed);
    } catch (error) {
      warn(`demo: seeding ${app.name} failed (the app still runs): ${(error as Error).message}`);
    }
  }
}

runIfEntry(import.meta.url, () => startDemo(), { label: 'mailroom demo' });
