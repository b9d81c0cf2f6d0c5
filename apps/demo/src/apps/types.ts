/**
 * What the demo needs from each sample app, so adding an app is one line in `apps/index.ts`:
 * a module that builds the app on the shared Mailroom and describes its addresses, logins and seed.
 */
import type { Hono } from 'hono';
import type { Mailroom, Store } from '@mailroom/core';
import type { EventHandlerRegistry } from '@mailroom/core/events';
import type { DemoConfig, DemoDomains } from '../config.js';

/** The published password of the seeded development accounts (README, home page); production refuses it. */
export const DEMO_PASSWORD = 'mailroom-demo';

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
  /** The shared Mailroom: it owns the outbox (`mailroom.mailer`, one deliverer) and the Event Webhook. */
  mailroom: Mailroom<object>;
  store: Store;
  config: DemoConfig;
  /** Where the app is mounted, e.g. `/support`. */
  mountPath: string;
  /** Absolute public URL of the mount, e.g. `http://localhost:3000/support`. */
  publicUrl: string;
  /** 32+ characters; derive per-app secrets with `secretFor`. */
  secretFor(purpose: string): string;
  /** Event Webhook handlers (bounces, drops…) are registered here (`mailroom.events`). */
  events: EventHandlerRegistry;
  /**
   * The password a seeded or first account gets: the published demo password in development, the first password
   * (MAILROOM_ADMIN_PASSWORD, else generated and printed once) in production. `who` names the account in the banner.
   */
  accountPassword(who: string): string;
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
  /** Creates the app's first administrator when it has none (no seed, or production), with `ctx.accountPassword`. */
  ensureFirstAccount?(): Promise<void>;
  /** Background work of the app's own (a fan-out loop), started after seeding and stopped at close. */
  start?(): void;
  stop?(): Promise<void>;
}

export interface DemoAppModule {
  name: string;
  mountPath: string;
  create(context: DemoAppContext): Promise<DemoApp>;
}

/** The module of the app `name`: mounted at `/<name>`, its mail on the demo's domain for it. */
export function demoModule(
  name: keyof DemoDomains,
  create: (context: DemoAppContext, domain: string) => Promise<DemoApp>,
): DemoAppModule {
  return { name, mountPath: `/${name}`, create: (context) => create(context, context.config.domains[name]) };
}

/** What every app's factory takes from the demo: the shared Mailroom and its store. */
export function demoHost(context: DemoAppContext): { mailroom: Mailroom<object>; store: Store } {
  return { mailroom: context.mailroom, store: context.store };
}

/** Plain-HTTP localhost in development (cookies not Secure); behind TLS in production. */
export function deploymentOf(context: DemoAppContext): { secureCookies: boolean; production: boolean } {
  return { secureCookies: !context.config.development, production: !context.config.development };
}

/** A web app's config on `domain`: reachable at the mount's public URL, deployed as the demo is. */
export function webConfigOf(
  context: DemoAppContext,
  domain: string,
): { domain: string; publicUrl: string; secureCookies: boolean; production: boolean } {
  return { domain, publicUrl: context.publicUrl, ...deploymentOf(context) };
}
