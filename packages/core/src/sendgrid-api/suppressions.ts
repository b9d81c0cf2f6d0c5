import { createHash } from 'node:crypto';
import { parseEvent, storeEvents } from '../events/index.js';
import type { Store } from '../inbox/index.js';
import { SendGridApiError, type SendGridApiClient } from './client.js';
import { record } from './settings.js';

// GET /v3/suppression/{bounces,blocks,spam_reports,unsubscribes}?limit=&offset= answer a JSON array of
// { created (unix seconds), email, reason?, status?, ip? } (twilio.com/docs/sendgrid/api-reference/bounces-api/
// retrieve-all-bounces, blocks-api/retrieve-all-blocks, spam-reports-api/retrieve-all-spam-reports,
// suppressions-global-suppressions/retrieve-all-global-suppressions); a page shorter than `limit` is the last.

export const SUPPRESSION_LISTS = ['bounces', 'blocks', 'spam_reports', 'unsubscribes'] as const;
export type SuppressionList = (typeof SUPPRESSION_LISTS)[number];

const SCOPES: Record<SuppressionList, string> = {
  bounces: 'suppression.bounces.read',
  blocks: 'suppression.blocks.read',
  spam_reports: 'suppression.spam_reports.read',
  unsubscribes: 'suppression.unsubscribes.read',
};

/** The custom arg a synced event carries (`event.customArgs.mailroom_suppression`): which list it came from. */
const SUPPRESSION_ARG = 'mailroom_suppression';

export interface SuppressionSyncResult {
  list: SuppressionList;
  /** Entries SendGrid listed. */
  fetched: number;
  /** New events stored (a later sync of the same entries stores none). */
  stored: number;
  /** Entries without an address, not stored. */
  skipped: number;
  pages: number;
}

export interface SuppressionSyncOptions {
  /** Page size; SendGrid allows up to 500. */
  limit?: number;
  /** Only entries created at or after this (SendGrid's `start_time`). */
  since?: Date;
  /** Guard against an API that ignores `offset` (default 10,000 pages). */
  maxPages?: number;
}

/**
 * Pulls one suppression list page by page and stores each entry as the Event Webhook event it stands for
 * (bounce, bounce `type: blocked`, spamreport, unsubscribe) with a deterministic `sg_event_id`, so the events'
 * dedupe makes a second sync store nothing and `mailroom.events.on(type, …)` handlers see synced entries as
 * they see webhook events. Each page commits in its own transaction.
 */
export async function syncSuppressionList(
  api: SendGridApiClient,
  store: Store,
  list: SuppressionList,
  options: SuppressionSyncOptions = {},
): Promise<SuppressionSyncResult> {
  const limit = options.limit ?? 500;
  const maxPages = options.maxPages ?? 10_000;
  const result: SuppressionSyncResult = { list, fetched: 0, stored: 0, skipped: 0, pages: 0 };
  for (let offset = 0; ; offset += limit) {
    if (result.pages >= maxPages)
      throw new SendGridApiError(`GET /v3/suppression/${list}: more than ${maxPages} pages; is offset ignored?`, null);
    const query: Record<string, number> = { limit, offset };
    if (options.since) query.start_time = Math.floor(options.since.getTime() / 1000);
    const answer = await api.request({ method: 'GET', path: `/v3/suppression/${list}`, query, scope: SCOPES[list] });
    if (!Array.isArray(answer)) throw new SendGridApiError(`GET /v3/suppression/${list}: expected a JSON array`, null);
    result.pages++;
    result.fetched += answer.length;
    const events = answer.map((entry) => suppressionEvent(list, record(entry))).filter((e) => e !== null);
    result.skipped += answer.length - events.length;
    if (events.length)
      result.stored += (await store.transaction((tx) => storeEvents(tx, events.map(parseEvent)))).stored;
    if (answer.length < limit) return result;
  }
}

/** The Event Webhook payload an entry stands for; null without an address. */
export function suppressionEvent(
  list: SuppressionList,
  entry: Record<string, unknown>,
): Record<string, unknown> | null {
  const email = typeof entry.email === 'string' ? entry.email.trim() : '';
  if (!email) return null;
  const created = typeof entry.created === 'number' && Number.isFinite(entry.created) ? entry.created : null;
  const id = createHash('sha256')
    .update(`${list}\n${email.toLowerCase()}\n${created ?? ''}`)
    .digest('base64url');
  const base: Record<string, unknown> = {
    email,
    timestamp: created,
    sg_event_id: `mailroom:suppression:${list}:${id}`,
    [SUPPRESSION_ARG]: list,
  };
  const text = (key: string) => (typeof entry[key] === 'string' ? entry[key] : null);
  switch (list) {
    case 'bounces':
      return { ...base, event: 'bounce', type: 'bounce', reason: text('reason'), status: text('status') };
    case 'blocks':
      return { ...base, event: 'bounce', type: 'blocked', reason: text('reason'), status: text('status') };
    case 'spam_reports':
      return { ...base, event: 'spamreport', ...(text('ip') ? { ip: text('ip') } : {}) };
    case 'unsubscribes':
      return { ...base, event: 'unsubscribe' };
  }
}
