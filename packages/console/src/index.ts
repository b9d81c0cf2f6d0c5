/**
 * `@mailroom/console`: the Mailroom developer console as a Hono sub-app — inbox with filters and detail (sanitized,
 * sandboxed HTML; attachments; sender verdict; classification; reply extraction; raw source in its charsets),
 * replay and reroute, compose through your real webhook endpoint (SendGrid's, or as the Postmark, Mailgun, relay or test-signed SES
 * endpoint you mounted: `providers`), outbox, events, and a JSON API under `/api`.
 * Authentication is required (`auth`), every form is CSRF-checked, every page carries a script-free CSP.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { mailroomConsole, createWebhookClient } from '@mailroom/console';
 *
 * const app = new Hono();
 * app.route('/webhooks/sendgrid', mailroom.app());
 * app.route('/mailroom', mailroomConsole({
 *   store,
 *   mailroom,
 *   auth: { username: 'admin', password: process.env.CONSOLE_PASSWORD! }, // or your middleware, or 'development'
 * }));
 * ```
 */
export { mailroomConsole, type MailroomConsoleOptions } from './console.js';
export { ConsoleConfigurationError, type ConsoleAuth } from './auth.js';
export { createWebhookClient, type WebhookClient, type WebhookAnswer, type SigningKeyPair } from './webhooks.js';
export type { ComposeAttachment } from './posts.js';
export type { ConsoleProviders } from './providers.js';
export type { HostLink } from './look/index.js';
