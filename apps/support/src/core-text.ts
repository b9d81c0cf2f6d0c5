/**
 * The text analysis the help desk needs, on top of core.
 *
 * - new text of a reply: core's `email.reply()`.
 * - LOCAL ADAPTER (until core's text/ exports them): `classify`, `deliveryReport`, `senderAuthenticated`
 *   are small stand-ins for core's planned `email.classify()`, `email.deliveryReport()` and
 *   `email.authVerdict()`; swap them out when those land.
 */
import type { InboundEmail } from '@mailroom/core';
import type { DeliveryReport, MailKind, MailText } from './inbound.js';

function domainOf(address: string | null | undefined): string {
  const at = (address ?? '').lastIndexOf('@');
  return at < 0 ? '' : address!.slice(at + 1).replace(/>$/, '').trim().toLowerCase();
}

function onDomain(host: string, domains: string[]): boolean {
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

/** RFC 3834 and the de-facto headers help desks use (app-domains.md §3.2). */
export function classifyLocally(email: InboundEmail, ownDomains: string[]): MailKind {
  const header = (name: string) => (email.header(name) ?? '').trim().toLowerCase();
  const contentType = header('content-type');
  const fromLocal = (email.from?.address ?? '').split('@')[0]!.toLowerCase();
  const envelopeFrom = (email.envelope.from ?? '').trim();
  if (
    /report-type="?delivery-status/.test(contentType) ||
    email.attachments.some((a) => /^message\/delivery-status/i.test(a.contentType)) ||
    email.header('x-failed-recipients') !== undefined ||
    fromLocal === 'mailer-daemon' ||
    ((envelopeFrom === '' || envelopeFrom === '<>') && fromLocal === 'postmaster')
  ) {
    return 'bounce';
  }
  const domains = ownDomains.map((d) => d.toLowerCase());
  const automated = header('auto-submitted') !== '' && header('auto-submitted') !== 'no';
  if (onDomain(domainOf(email.from?.address), domains) && automated) return 'loop';
  if (email.headerValues('x-loop').some((v) => domains.some((d) => v.toLowerCase().includes(d)))) return 'loop';
  const subject = email.subject.trim().toLowerCase();
  const autoSubmitted = header('auto-submitted');
  if (
    /^(out of (the )?office|automatic reply|auto:|autoreply|abwesenheitsnotiz|réponse automatique)/.test(subject) ||
    autoSubmitted.startsWith('auto-replied') && /vacation|out of office/.test(subject) ||
    autoSubmitted === 'vacation' ||
    email.header('x-ms-exchange-inbox-rules-loop') !== undefined
  ) {
    return 'out-of-office';
  }
  if (
    automated ||
    email.header('x-autoreply') !== undefined ||
    email.header('x-autorespond') !== undefined ||
    /autoreply/.test(header('x-auto-response-suppress')) ||
    /^auto_reply$/.test(header('precedence'))
  ) {
    return 'auto-reply';
  }
  if (email.header('list-id') !== undefined || header('precedence') === 'list') return 'list';
  if (/^(bulk|junk)$/.test(header('precedence')) || email.header('list-unsubscribe') !== undefined) return 'bulk';
  return 'human';
}

function dsnFields(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of block.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ').split('\n')) {
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
  }
  return fields;
}

/** RFC 3464 delivery-status parts, plus `X-Failed-Recipients` from MTAs that send no DSN. */
export async function deliveryReportLocally(email: InboundEmail): Promise<DeliveryReport | null> {
  const recipients: DeliveryReport['recipients'] = [];
  let originalMessageId: string | null = null;
  for (const attachment of email.attachments) {
    const type = attachment.contentType.toLowerCase();
    if (type.startsWith('message/delivery-status')) {
      const blocks = (await attachment.content()).toString('utf8').split(/\r?\n\r?\n/);
      for (const block of blocks.slice(1)) {
        const fields = dsnFields(block);
        const recipient = fields.get('final-recipient') ?? fields.get('original-recipient');
        if (!recipient) continue;
        recipients.push({
          address: recipient.replace(/^[^;]*;\s*/, '').replace(/^<|>$/g, ''),
          action: fields.get('action')?.toLowerCase() ?? null,
          status: fields.get('status') ?? null,
          diagnostic: fields.get('diagnostic-code')?.replace(/^[^;]*;\s*/, '') ?? null,
        });
      }
    } else if (type.startsWith('message/rfc822') || type.startsWith('text/rfc822-headers')) {
      const head = (await attachment.content()).toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
      const id = dsnFields(head).get('message-id');
      if (id) originalMessageId = id.replace(/^<|>$/g, '');
    }
  }
  if (!recipients.length) {
    for (const value of email.headerValues('x-failed-recipients')) {
      for (const address of value.split(',').map((a) => a.trim()).filter(Boolean)) {
        recipients.push({ address, action: 'failed', status: null, diagnostic: 'X-Failed-Recipients' });
      }
    }
  }
  if (!recipients.length && !originalMessageId) return null;
  return { recipients, originalMessageId };
}

/** The last two labels; a stand-in for the Public Suffix List lookup core does with tldts. */
function organisational(host: string): string {
  return host.split('.').slice(-2).join('.');
}

/** DMARC-style relaxed alignment: a passing DKIM d= or SPF envelope domain on the From domain's organisation. */
export function senderAuthenticatedLocally(email: InboundEmail): { aligned: boolean; reason: string } {
  const fromDomain = domainOf(email.from?.address);
  if (!fromDomain) return { aligned: false, reason: 'no From domain' };
  const org = organisational(fromDomain);
  const dkim = email.auth.dkim.find((d) => d.result.toLowerCase() === 'pass' && organisational(d.domain.replace(/^@/, '').toLowerCase()) === org);
  if (dkim) return { aligned: true, reason: `dkim pass for ${dkim.domain}` };
  const envelopeDomain = domainOf(email.envelope.from);
  if ((email.auth.spf ?? '').toLowerCase() === 'pass' && envelopeDomain && organisational(envelopeDomain) === org) {
    return { aligned: true, reason: `spf pass for ${envelopeDomain}` };
  }
  return { aligned: false, reason: `no passing DKIM or SPF aligned with ${fromDomain}` };
}

export function coreMailText(): MailText {
  return {
    newText: (email) => email.reply().text,
    classify: classifyLocally,
    deliveryReport: deliveryReportLocally,
    senderAuthenticated: senderAuthenticatedLocally,
  };
}
