/**
 * HTTP surfaces for the Inbound Parse webhook: a Web-standard handler, a Hono sub-app and a
 * `node:http` adapter. Each verifies and parses with the ingress, then hands you the post. The other providers'
 * webhooks are Hono sub-apps over their ingress receivers, answered the same way (200 after the commit, 4xx with a
 * reason, 503 + Retry-After while the store is down, a logged 500 for a fault): `postmarkInbound` (`POST /inbound`),
 * `mailgunInbound` (`POST /mime`), `sesInbound` (`POST /`), `relayIngress` (`POST /`), and `webhookApp` for your own
 * receiver.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { serve } from '@hono/node-server';
 * import { securityFromEnv } from '@mailroom/core';
 * import { inboundApp, postmarkInbound } from '@mailroom/core/http';
 *
 * const app = new Hono();
 * app.route('/webhooks/sendgrid', inboundApp({
 *   security: securityFromEnv(process.env).security,
 *   onEmail: async ({ email }) => { console.log(email.subject); },
 * }));
 * app.route('/webhooks/postmark', postmarkInbound(mailroom, { basic: [{ username: 'inbound', password }] }));
 * serve({ fetch: app.fetch, port: 3000 }); // SendGrid posts to /webhooks/sendgrid/parse
 * ```
 *
 * `startServer(fetch, { port, hostname })` serves any fetch handler on node:http and resolves once it
 * listens, with the bound `port`, a `url` and `close()` (standalone apps, test servers), with Node's timeouts
 * tightened (`headersTimeout` 20 s, `requestTimeout` 120 s); `serverTimeoutOptions()` gives the same options
 * for a server of your own (`http.createServer(serverTimeoutOptions(), mailroom.nodeHandler())`).
 */
export { inboundHandler } from './handler.js';
export type { InboundHandlerOptions, HttpLogger } from './handler.js';
export { inboundApp } from './app.js';
export type { InboundAppOptions } from './app.js';
export { toNodeHandler } from './node.js';
export { startServer, serverTimeoutOptions, DEFAULT_SERVER_TIMEOUTS } from './serve.js';
export type { StartServerOptions, RunningServer, ServerTimeouts } from './serve.js';
export { postmarkInbound, mailgunInbound, sesInbound, relayIngress } from './providers.js';
export type { WebhookTarget } from './providers.js';
export { webhookApp, answerWebhook } from './webhooks.js';
