/**
 * Standalone avatars service: `npm start -w apps/avatars` (after `npm run build`). Configuration from the
 * environment (table in README.md). PGlite in MAILROOM_DATA_DIR by default, PostgreSQL with DATABASE_URL.
 */
import { openStandalone, runIfEntry, serveStandalone, standaloneFromEnv, type Env } from '@mailroom/app-kit';
import { basePathOf, configFromEnv } from './config.js';
import { createAvatarsApp } from './index.js';

export async function main(env: Env = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const config = configFromEnv(env);
  const settings = standaloneFromEnv(env);
  const { store, transport, mailroom } = await openStandalone(settings, env, {
    from: config.from,
    domain: config.domain,
  });
  const avatars = await createAvatarsApp({ mailroom, store, config });
  return serveStandalone({
    worker: settings.worker,
    store,
    mailroom,
    web: avatars.web,
    basePath: basePathOf(config),
    port: settings.port,
    hostname: env.HOST ?? '0.0.0.0',
    cookies: config,
    announce: {
      event: 'avatars.listening',
      publicUrl: config.publicUrl,
      upload: `${config.uploadLocalPart}@${config.domain}`,
      transport: transport.name,
      database: store.dialect,
    },
  });
}

runIfEntry(import.meta.url, () => main(), { label: 'avatars' });
