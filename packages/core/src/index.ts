/**
 * @mailroom/core — receive email from SendGrid's Inbound Parse Webhook.
 * Each folder's index.ts states its public surface; this file re-exports them.
 */
export * from './message/index.js';
export * from './ingress/index.js';
export * from './routing/index.js';
export * from './inbox/index.js';
export * from './runtime/index.js';
export * from './mailroom/index.js';
export * from './http/index.js';
export * from './text/index.js';
export * from './outbound/index.js';
export * from './events/index.js';
