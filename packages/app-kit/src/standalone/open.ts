import {
  createMailroom,
  openStore,
  type EnvSecurity,
  type Mailroom,
  type MailroomMailOptions,
  type Store,
  type StoreOptions,
  type Transport,
} from '@mailroom/core';
import { portFromEnv, storeOptionsFromEnv, transportFromEnv, webhooksFromEnv, workerFromEnv, type Env } from './env.js';

/** What every standalone server reads from the environment besides its app's own settings. */
export interface StandaloneSettings extends EnvSecurity {
  port: number;
  store: StoreOptions;
  /** False: a receiver only (`MAILROOM_WORKER=off`); the worker runs in other processes. */
  worker: boolean;
}

/** `PORT`, `DATABASE_URL` / `MAILROOM_DATA_DIR`, `MAILROOM_WORKER` and both SendGrid webhooks' security (EnvError on a mistake). */
export function standaloneFromEnv(env: Env): StandaloneSettings {
  return {
    port: portFromEnv(env),
    store: storeOptionsFromEnv(env),
    worker: workerFromEnv(env),
    ...webhooksFromEnv(env),
  };
}

export interface OpenedStandalone {
  store: Store;
  transport: Transport;
  mailroom: Mailroom;
}

/**
 * The store and the one Mailroom a standalone app runs on: its webhooks secured as `settings` say, its mail
 * sent through the environment's transport (SendGrid with SENDGRID_API_KEY, else outbox only).
 */
export async function openStandalone(
  settings: StandaloneSettings,
  env: Env,
  mail: Omit<MailroomMailOptions, 'transport'>,
): Promise<OpenedStandalone> {
  const store = await openStore(settings.store);
  const transport = transportFromEnv(env);
  const mailroom = createMailroom({
    store,
    security: settings.security,
    eventsSecurity: settings.eventsSecurity,
    mail: { ...mail, transport },
    // A receiver never starts the worker, not even with its first post.
    ...(settings.worker ? {} : { worker: { autoStart: false } }),
  });
  return { store, transport, mailroom };
}
