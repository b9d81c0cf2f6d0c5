/**
 * Checks every inbound email passes before anything else (first match decides): a bounce (it counts
 * against members only when it is provably about a list message we sent them; see dsn.ts), a complaint (feedback
 * report: dropped), our own List-Id or loop marker (dropped), no sender, out-of-office and auto-replies (recorded
 * for the member, never redistributed).
 */
import type { InboundEmail } from '@mailroom/core';
import type { ResolvedConfig } from '../config.js';
import { memberOf, recordEvent, type List } from '../domain/index.js';
import { handleDsn } from './dsn.js';
import type { Inbound, InboundResult } from './types.js';

/** The result that ends the email here, or null to go on. `listOf` finds the list (route or token). */
export async function screen(inbound: Inbound, listOf: () => Promise<List | null>): Promise<InboundResult | null> {
  const { email, sender, tx, classification } = inbound;
  if (classification.kind === 'bounce') return handleDsn(inbound);
  // Feedback reports (ARF) are never redistributed; unsubscribing the complainer is the Event Webhook's
  // spamreport (SendGrid receives the providers' feedback loops for the mail it sent and names the member).
  if (classification.kind === 'complaint')
    return { outcome: 'ignored', reason: `complaint: ${classification.reasons[0] ?? ''}`.trim() };
  const ownListId = ownListIdIn(email, inbound.services.config);
  if (ownListId) return { outcome: 'ignored', reason: `loop: carries our own List-Id <${ownListId}>` };
  if (classification.kind === 'loop')
    return { outcome: 'ignored', reason: `loop: ${classification.reasons.join('; ')}` };
  if (!sender) return { outcome: 'ignored', reason: 'no sender address' };
  if (classification.kind === 'out-of-office' || classification.kind === 'auto-reply') {
    const list = await listOf();
    const member = list ? await memberOf(tx, list.id, sender) : null;
    if (list && member) {
      await recordEvent(tx, {
        listId: list.id,
        memberId: member.id,
        address: sender,
        kind: classification.kind,
        detail: email.subject.slice(0, 500),
        inboundId: inbound.ctx.id,
      });
    }
    return { outcome: 'ignored', reason: `${classification.kind}: ${classification.reasons[0] ?? ''}`.trim() };
  }
  return null;
}

function ownListIdIn(email: InboundEmail, config: ResolvedConfig): string | null {
  for (const value of email.headerValues('list-id')) {
    const id = /<([^<>]+)>/.exec(value)?.[1]?.trim().toLowerCase() ?? value.trim().toLowerCase();
    if (id.endsWith(`.${config.domain}`)) return id;
  }
  return null;
}
