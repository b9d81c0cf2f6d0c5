/**
 * SendGrid's v3 Web API for account setup (not Mail Send, which is outbound/'s transport): Inbound Parse settings
 * and their signature security policy, Event Webhook settings, and the suppression lists, synced into the events
 * table as the Event Webhook events they stand for. Used by `mailroom sendgrid …`; nothing here is in the package's
 * public API yet.
 *
 * @example
 * ```ts
 * const api = sendgridApiFromEnv(process.env);                 // SENDGRID_API_KEY, SENDGRID_API_BASE
 * const settings = await listParseSettings(api);
 * const { stored } = await syncSuppressionList(api, store, 'bounces');   // as `bounce` events, deduplicated
 * ```
 */
export { sendgridApiFromEnv, SendGridApiError } from './client.js';
export {
  listParseSettings,
  saveParseSetting,
  createSignaturePolicy,
  getSecurityPolicy,
  listEventWebhooks,
} from './settings.js';
export { syncSuppressionList, SUPPRESSION_LISTS } from './suppressions.js';
export type { SuppressionList } from './suppressions.js';
