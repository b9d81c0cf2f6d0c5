/**
 * Standalone avatars service: `npm start -w apps/avatars` (after `npm run build`). Configuration from the
 * environment (table in README.md). PGlite in MAILROOM_DATA_DIR by default, PostgreSQL with DATABASE_URL.
 */
import { createMailroom, openStore } from '@mailroom/core';
import { portFromEnv, runIfEntry, serveStandalone, storeOptionsFromEnv, transportFromEnv, webhooksFromEnv, type Env } from '@mailroom/app-kit';
import { basePathOf, configFromEnv } from './config.js';
import { createAvatarsApp } from './index.js';

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const config = configFromEnv(env);
  const port = portFromEnv(env);
  const webhooks = webhooksFromEnv(env);
  const store = await openStore(storeOptionsFromEnv(env));
  const transport = transportFromEnv(env);
  const mailroom = createMailroom({ store, ...webhooks, mail: { from: config.from, domain: config.domain, transport } });
  const avatars = await createAvatarsApp({ mailroom, store, config });
  return serveStandalone({
    store,
    mailroom,
    web: avatars.web,
    basePath: basePathOf(config),
    port,
    hostname: env.HOST ?? '0.0.0.0',
    cookies: config,
    announce: { event: 'avatars.listening', publicUrl: config.publicUrl, upload: `${config.uploadLocalPart}@${config.domain}`, transport: transport.name, database: store.dialect },
  });
}

runIfEntry(import.meta.url, () => main(), { label: 'avatars' });
