/**
 * What the demo needs from each sample app, so adding an app is one line in `apps/index.ts`:
 * a module that builds the app on the shared Mailroom and describes its addresses, logins and seed.
 */
import type { Hono } from 'hono';
import type { EventDispatcher, Mailer, Mailroom, Store, Transport } from '@mailroom/core';
import type { DemoConfig } from '../config.js';

/** Query parameters of the console's compose form (`/console/compose?...`). */
export interface ComposePreset {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  text?: string;
  html?: string;
  /** A sample file the compose form attaches (e.g. `photo` = a generated JPEG portrait). */
  sample?: 'photo';
}

export interface DemoAddress {
  address: string;
  /** What writing to it does. */
  description: string;
  /** A ready-made email to try it with. */
  tryIt?: ComposePreset;
}

export interface DemoLogin {
  /** Where to sign in (absolute path). */
  url: string;
  username: string;
  password?: string;
  note?: string;
}

export interface DemoAppContext {
  mailroom: Mailroom<any>;
  store: Store;
  config: DemoConfig;
  /** Where the app is mounted, e.g. `/support`. */
  mountPath: string;
  /** Absolute public URL of the mount, e.g. `http://localhost:3000/support`. */
  publicUrl: string;
  /** 32+ characters; derive per-app secrets with `secretFor`. */
  secretFor(purpose: string): string;
  /** A mailer writing to the shared outbox (the deliverer sends it: SendGrid or outbox only). */
  mailer(options: { domain: string; defaultFrom?: { address: string; name: string } }): Mailer;
  /** The transport of the shared deliverer (for apps that run their own deliverer). */
  transport: Transport;
  /** Event Webhook handlers (bounces, drops…) are registered here. */
  events: EventDispatcher;
}

export interface DemoApp {
  name: string;
  title: string;
  /** One sentence for the home page. */
  summary: string;
  mountPath: string;
  web: Hono;
  addresses: DemoAddress[];
  logins: DemoLogin[];
  /** Creates the demo world's part for this app through the app's own functions (run once per database). */
  seed?(): Promise<void>;
  /** Background work of the app's own (fan-out, its own deliverer…), started after seeding and stopped at close. */
  start?(): void;
  stop?(): Promise<void>;
}

export interface DemoAppModule {
  name: string;
  mountPath: string;
  create(context: DemoAppContext): Promise<DemoApp>;
}
