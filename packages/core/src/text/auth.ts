import { getDomain } from 'tldts';
import type { DkimResult, EmailAddress } from '../message/index.js';
import type { DkimCheck } from './dkim.js';

/** Whether the From domain is vouched for by DKIM or SPF with DMARC-style relaxed alignment. */
export interface AuthVerdict {
  aligned: boolean;
  /** Which mechanism vouched for the From domain: DKIM first, then SPF. */
  rule: 'dkim' | 'spf' | null;
  /** The authenticated domain that aligned with From, or null. */
  domain: string | null;
  /**
   * Whose DKIM results were read: `mailroom` (verified on the raw bytes, `senderAuth: { dkim: 'verify' }`) or
   * `sendgrid` (SendGrid's `dkim` field: parsed mode, or verification off). SPF is always SendGrid's.
   */
  dkimSource: 'mailroom' | 'sendgrid';
  /** Why: which rule passed, or why none did (for logs and rejection replies). */
  reason: string;
}

/** What the verdict looks at; an `InboundEmail` satisfies it. */
export interface SenderEvidence {
  from: EmailAddress | null;
  auth: { spf: string | null; dkim: readonly DkimResult[] };
  envelope: { from: string | null };
  /** Mailroom's own DKIM verification; when present it replaces `auth.dkim` (SendGrid's claim). */
  dkimCheck?: DkimCheck | null;
}

/**
 * Relaxed alignment (RFC 7489 §3.1): both names have the same organisational domain per the
 * Public Suffix List (private suffixes included, so `a.github.io` and `b.github.io` differ).
 * `mail.example.com` aligns with `example.com`; `examp1e.com` and `example.com.evil.net` do not.
 */
export function domainsAlign(a: string, b: string): boolean {
  const left = cleanDomain(a);
  const right = cleanDomain(b);
  if (!left || !right) return false;
  if (left === right) return true;
  const orgLeft = getDomain(left, { allowPrivateDomains: true });
  const orgRight = getDomain(right, { allowPrivateDomains: true });
  return orgLeft !== null && orgLeft === orgRight;
}

/** Longest domain name DNS allows; a longer "domain" aligns with nothing (and is not quoted whole in reasons). */
const MAX_DOMAIN_CHARS = 253;

/** DKIM results looked at (SendGrid reports one per signature; a message has a handful). */
const MAX_DKIM_RESULTS = 20;
/** Characters of a verifier's comment quoted in a reason. */
const MAX_COMMENT_CHARS = 100;

function cleanDomain(value: string): string {
  const at = value.lastIndexOf('@');
  const raw = (at >= 0 ? value.slice(at + 1) : value).trim();
  // Loops, not /^[<@]+|[>.]+$/ (quadratic on a long run of dots).
  let start = 0;
  let end = raw.length;
  while (start < end && (raw[start] === '<' || raw[start] === '@')) start++;
  while (end > start && (raw[end - 1] === '>' || raw[end - 1] === '.')) end--;
  return end - start > MAX_DOMAIN_CHARS ? '' : raw.slice(start, end).toLowerCase();
}

/**
 * A passing DKIM signature whose domain aligns with the From domain, else a passing SPF whose
 * envelope-from domain aligns. SendGrid's `dkim`/`SPF` fields only say that *some* domain passed;
 * this is the check that ties them to the visible sender. With `dkimCheck` (Mailroom's own verification of the
 * raw bytes) its results are read and SendGrid's `dkim` field is ignored; only `pass` counts (`temperror`,
 * `neutral`, `policy`, `fail` do not).
 */
export function authVerdict(evidence: SenderEvidence): AuthVerdict {
  const check = evidence.dkimCheck ?? null;
  const dkimSource = check ? 'mailroom' : 'sendgrid';
  const fromDomain = cleanDomain(evidence.from?.address ?? '');
  if (!fromDomain) return { aligned: false, rule: null, domain: null, dkimSource, reason: 'no From address' };

  const reported = check ? check.results : evidence.auth.dkim;
  const dkim = reported.slice(0, MAX_DKIM_RESULTS).map((d) => ({
    domain: cleanDomain(d.domain),
    result: d.result.trim().toLowerCase(),
    comment: 'comment' in d && typeof d.comment === 'string' ? d.comment.slice(0, MAX_COMMENT_CHARS) : null,
  }));
  const by = check ? ' (verified by Mailroom)' : '';
  const alignedDkim = dkim.find((d) => d.result === 'pass' && domainsAlign(d.domain, fromDomain));
  if (alignedDkim) {
    const reason = `dkim=pass${by} for ${alignedDkim.domain} aligns with From domain ${fromDomain}`;
    return { aligned: true, rule: 'dkim', domain: alignedDkim.domain, dkimSource, reason };
  }

  const spf = (evidence.auth.spf ?? 'none').trim().toLowerCase();
  const envelopeDomain = cleanDomain(evidence.envelope.from ?? '');
  if (spf === 'pass' && envelopeDomain && domainsAlign(envelopeDomain, fromDomain)) {
    const reason = `spf=pass for envelope domain ${envelopeDomain} aligns with From domain ${fromDomain}`;
    return { aligned: true, rule: 'spf', domain: envelopeDomain, dkimSource, reason };
  }

  const dkimSummary = dkim.length
    ? dkim.map((d) => `${d.domain || '?'}=${d.result}${d.comment ? ` (${d.comment})` : ''}`).join(', ')
    : 'none';
  const spfSummary =
    spf === 'pass'
      ? envelopeDomain
        ? `spf=pass for envelope domain ${envelopeDomain}, which does not align`
        : 'spf=pass but no envelope sender'
      : `spf=${spf}`;
  return {
    aligned: false,
    rule: null,
    domain: null,
    dkimSource,
    reason: `no passing DKIM signature${by} aligned with From domain ${fromDomain} (dkim: ${dkimSummary}); ${spfSummary}`,
  };
}

export type SenderCheck = { ok: true } | { ok: false; reason: string };

/**
 * For privileged actions (publishing, closing a ticket, changing an avatar): the From address must
 * be the expected one (when given) and DKIM- or SPF-aligned, because From alone is trivially forged.
 */
export function assertAuthenticatedSender(email: SenderEvidence, expectedAddress?: string): SenderCheck {
  const from = email.from?.address.trim().toLowerCase() ?? '';
  if (!from) return { ok: false, reason: 'the message has no From address' };
  if (expectedAddress !== undefined) {
    const expected = expectedAddress.trim().replace(/^<|>$/g, '').toLowerCase();
    if (from !== expected) return { ok: false, reason: `From ${from} is not the expected sender ${expected}` };
  }
  const verdict = authVerdict(email);
  return verdict.aligned ? { ok: true } : { ok: false, reason: verdict.reason };
}
