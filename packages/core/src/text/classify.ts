import type { EmailAddress, Header } from '../message/index.js';
import { CHALLENGE_HEADERS, CHALLENGE_TEXT, isAutoReplySubject } from './autoreply.js';
import { BOUNCE_SUBJECT, BOUNCE_TEXT } from './bounce-words.js';

/**
 * What sent a message. Precedence when several apply (the first wins):
 * `complaint` > `bounce` > `loop` > `out-of-office` > `auto-reply` > `list` > `bulk` > `human`.
 *
 * A complaint is a mailbox provider's feedback report (ARF): one of its users marked our mail as spam or asked
 * to stop; it is never answered and never a person's message, whatever else it carries. Bounce comes before loop because a DSN about our own outgoing mail is exactly what bounce handling
 * needs (disable the address, mark the delivery) and we never answer DSNs anyway; every other
 * automated message touching our own domains is a loop to drop silently. Out-of-office is a refinement
 * of auto-reply (the person exists but is away: no reopen, no auto-ack). List beats bulk because a
 * List-Id names a conversation someone joined, while bulk is one-way marketing.
 */
export type MessageKind = 'human' | 'auto-reply' | 'out-of-office' | 'complaint' | 'bounce' | 'bulk' | 'list' | 'loop';

export interface Classification {
  kind: MessageKind;
  /** Every signal found (not only those of the winning kind), e.g. `Auto-Submitted: auto-replied`. */
  reasons: string[];
}

export interface ClassifyOptions {
  /**
   * Host names we send from (Message-ID domains, reply-address domains such as `reply.example.com`).
   * A message whose From, Return-Path or Message-ID is on one of them (or a subdomain), or whose
   * X-Loop names one, is a loop. Use dedicated mail host names, not your colleagues' domain.
   */
  ownDomains?: string[];
  /** Values we put in our outgoing `X-Loop` header; seeing one come back is a loop. */
  loopMarkers?: string[];
}

export interface ClassifyInput {
  headers: readonly Header[];
  subject: string;
  from: EmailAddress | null;
  /** SMTP envelope sender; `''` or `<>` is the null reverse-path. */
  envelopeFrom?: string | null;
  messageId?: string | null;
  attachments?: ReadonlyArray<{ contentType: string }>;
  /** The text body; only its first `MAX_CLASSIFY_TEXT` characters are read (report fields, challenge/response words). */
  text?: string | null;
}

const ORDER: MessageKind[] = ['complaint', 'bounce', 'loop', 'out-of-office', 'auto-reply', 'list', 'bulk'];
/** Characters of the text body classification reads. */
export const MAX_CLASSIFY_TEXT = 4096;

/** Signals reported at most, each at most this long: `reasons` quotes header values, which the sender chose. */
const MAX_REASONS = 50;
const MAX_REASON_CHARS = 200;

/** Mail systems: MAILER-DAEMON only ever sends reports. */
const DAEMON_SENDER = /^(?:mailer[-_]?daemon|mail[-_.]?delivery[-_.]?(?:system|subsystem)|mdaemon)$/i;
/** Postmaster mailboxes are also people (role accounts): a bounce only with a second signal. */
const POSTMASTER_SENDER = /^post[-_.]?master$/i;
const NO_REPLY_SENDER = /^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply)(?:[-_+.].*)?$/i;

/** Classifies a message by its headers and subject; pure, no I/O. */
export function classifyMessage(input: ClassifyInput, options: ClassifyOptions = {}): Classification {
  const signals = new Map<MessageKind, string[]>();
  let reasonCount = 0;
  const add = (kind: MessageKind, reason: string) => {
    const list = signals.get(kind) ?? [];
    if (reasonCount++ < MAX_REASONS || list.length === 0) list.push(reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason);
    signals.set(kind, list);
  };
  // One pass over the headers (a lookup per name would cost names × headers on a header flood).
  const byName = new Map<string, string[]>();
  for (const header of input.headers) {
    const name = header.name.toLowerCase();
    const list = byName.get(name);
    if (list) list.push(header.value);
    else byName.set(name, [header.value]);
  }
  const values = (name: string) => (byName.get(name.toLowerCase()) ?? []).map((value) => value.trim());
  const first = (name: string) => byName.get(name.toLowerCase())?.[0]?.trim();
  const token = (value: string) => {
    const end = value.search(/[;,\s(]/);
    return (end < 0 ? value : value.slice(0, end)).toLowerCase();
  };

  const contentType = first('Content-Type') ?? '';
  const text = (input.text ?? '').slice(0, MAX_CLASSIFY_TEXT);
  const fromLocal = localPart(input.from?.address ?? '');
  const returnPath = first('Return-Path') ?? input.envelopeFrom ?? null;
  const nullSender = returnPath !== null && /^\s*(?:<\s*)?(?:>\s*)?$/.test(returnPath);
  const isReport = /^\s*multipart\/report/i.test(contentType);
  const reportType = /report-type\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase() ?? null;

  // Complaints (feedback reports) and the two non-ARF forms providers send
  if (isReport && reportType === 'feedback-report') add('complaint', 'Content-Type: multipart/report; report-type=feedback-report');
  if (input.attachments?.some((a) => /^message\/feedback-report/i.test(a.contentType))) add('complaint', 'message/feedback-report part');
  if (isReport && reportType === null && /^Feedback-Type[ \t]*:/im.test(text)) add('complaint', 'Feedback-Type field in a multipart/report');
  if (/^X-HmXmrOriginalRecipient[ \t]*:/im.test(text)) add('complaint', 'Microsoft JMRP report (X-HmXmrOriginalRecipient)');
  // Microsoft's JMRP: the attached message's X-HmXmrOriginalRecipient header is not in the parsed text (mailparser
  // inlines message/rfc822 parts with four headers), so its fixed sender and subject are what is left.
  if (input.from?.address.toLowerCase() === 'staff@hotmail.com' && /^\s*complaint about message from [\d.:a-f]{3,45}\s*$/i.test(input.subject)) {
    add('complaint', 'Microsoft JMRP complaint (staff@hotmail.com)');
  }
  if (/^true$/i.test(first('X-Apple-Unsubscribe') ?? '')) add('complaint', 'X-Apple-Unsubscribe: true (unsubscribe request)');
  const sesType = /"notificationType"\s*:\s*"(Bounce|Complaint|Delivery)"/.exec(text)?.[1];
  if (sesType === 'Complaint') add('complaint', 'Amazon SES complaint notification');

  // Bounces
  if (isReport && reportType === 'delivery-status') add('bounce', 'Content-Type: multipart/report; report-type=delivery-status');
  if (input.attachments?.some((a) => /^message\/(?:global-)?delivery-status/i.test(a.contentType))) {
    add('bounce', 'message/delivery-status part');
  }
  if (isReport && reportType === null && !signals.has('complaint')) add('bounce', 'multipart/report without report-type');
  if (sesType === 'Bounce' || sesType === 'Delivery') add('bounce', `Amazon SES ${sesType.toLowerCase()} notification`);
  if (first('X-Failed-Recipients') !== undefined) add('bounce', 'X-Failed-Recipients present');
  if (DAEMON_SENDER.test(fromLocal)) add('bounce', `sender is ${fromLocal.toLowerCase()}`);
  const returnLocal = returnPath ? localPart(returnPath.replace(/^\s*<|>\s*$/g, '')) : '';
  if (DAEMON_SENDER.test(returnLocal)) add('bounce', `Return-Path is ${returnLocal.toLowerCase()}`);
  const bounceSubject = BOUNCE_SUBJECT.test(input.subject.slice(0, 300));
  if (bounceSubject) add('bounce', 'delivery-failure subject');
  const bounceText = BOUNCE_TEXT.test(text);
  if (POSTMASTER_SENDER.test(fromLocal) && (bounceText || bounceSubject || nullSender || signals.has('bounce'))) {
    add('bounce', `sender is ${fromLocal.toLowerCase()}`);
  }

  // Loops
  const own = (options.ownDomains ?? []).map((d) => d.toLowerCase().replace(/^\.|\.$/g, '')).filter(Boolean);
  const onOwnDomain = (domain: string) => {
    const d = domain.toLowerCase();
    return own.find((o) => d === o || d.endsWith(`.${o}`));
  };
  const markers = (options.loopMarkers ?? []).map((m) => m.toLowerCase()).filter(Boolean);
  for (const value of values('X-Loop')) {
    const lower = value.toLowerCase();
    const marker = markers.find((m) => lower.includes(m)) ?? own.find((o) => lower.includes(o));
    if (marker) add('loop', `X-Loop: ${value}`);
  }
  const fromDomain = domainPart(input.from?.address ?? '');
  if (fromDomain && onOwnDomain(fromDomain)) add('loop', `From is on our own domain ${fromDomain}`);
  const returnDomain = returnPath ? domainPart(returnPath) : '';
  if (returnDomain && onOwnDomain(returnDomain)) add('loop', `Return-Path is on our own domain ${returnDomain}`);
  const messageIdDomain = domainPart(input.messageId ?? first('Message-ID') ?? '');
  if (messageIdDomain && onOwnDomain(messageIdDomain)) add('loop', `Message-ID generated on our own domain ${messageIdDomain}`);

  // Out of office and auto-reply subjects
  if (isAutoReplySubject(input.subject)) add('out-of-office', 'out-of-office subject');
  const autoSubmitted = first('Auto-Submitted');
  if (autoSubmitted && /vacation/i.test(autoSubmitted)) add('out-of-office', `Auto-Submitted: ${autoSubmitted}`);
  const suppress = first('X-Auto-Response-Suppress');
  if (suppress && /\b(?:all|oof)\b/i.test(suppress) && first('X-MS-Exchange-Inbox-Rules-Loop') !== undefined) {
    add('out-of-office', 'Exchange inbox rule with X-Auto-Response-Suppress');
  }

  // Auto-replies (RFC 3834 and vendor headers)
  if (autoSubmitted && token(autoSubmitted) !== 'no') add('auto-reply', `Auto-Submitted: ${autoSubmitted}`);
  for (const name of ['X-Autoreply', 'X-Autorespond', 'X-Autoresponder', 'X-AutoReply-From', 'X-Mail-Autoreply', 'X-Autoresponse']) {
    const value = first(name);
    if (value !== undefined && !/^(?:no|false|0)$/i.test(value)) add('auto-reply', `${name}: ${value}`);
  }
  const autogenerated = first('X-Autogenerated');
  if (autogenerated && /reply/i.test(autogenerated)) add('auto-reply', `X-Autogenerated: ${autogenerated}`);
  // Outlook puts X-Auto-Response-Suppress on people's mail too: a weak signal, counted only beside another one.
  if (suppress && /\b(?:all|oof|autoreply)\b/i.test(suppress) && (signals.has('auto-reply') || signals.has('out-of-office') || nullSender)) {
    add('auto-reply', `X-Auto-Response-Suppress: ${suppress}`);
  }
  // Challenge/response: automatic, and not a bounce even when sent as a DSN (the message is held, not refused).
  const challengeHeader = CHALLENGE_HEADERS.find((name) => first(name) !== undefined);
  const challenge = challengeHeader ? `${challengeHeader} present` : CHALLENGE_TEXT.test(text) ? 'challenge/response text' : null;
  if (challenge) add('auto-reply', `challenge/response: ${challenge}`);
  if (NO_REPLY_SENDER.test(fromLocal)) add('auto-reply', `no-reply sender ${input.from?.address}`);

  for (const name of ['Precedence', 'X-Precedence']) {
    const value = first(name);
    if (!value) continue;
    const precedence = token(value);
    if (precedence === 'auto_reply') add('auto-reply', `${name}: ${value}`);
    else if (precedence === 'list') add('list', `${name}: ${value}`);
    else if (precedence === 'bulk' || precedence === 'junk') add('bulk', `${name}: ${value}`);
  }

  // Lists and bulk
  if (first('List-Id') !== undefined) add('list', `List-Id: ${first('List-Id')}`);
  const listPost = first('List-Post');
  if (listPost !== undefined && !/^no\b/i.test(listPost)) add('list', `List-Post: ${listPost}`);
  if (first('X-Mailman-Version') !== undefined) add('list', 'X-Mailman-Version present');
  if (first('Mailing-List') !== undefined) add('list', 'Mailing-List present');
  if (first('List-Unsubscribe') !== undefined) {
    if (signals.has('list')) add('list', 'List-Unsubscribe present');
    else add('bulk', 'List-Unsubscribe without List-Id (newsletter)');
  }

  // The null reverse-path: RFC 3834 asks auto-responders to use it too, so alone it means "bounce" only when the
  // text reads like one (or nothing is known of the text); otherwise it is an auto-responder.
  if (nullSender && !signals.has('auto-reply') && !signals.has('out-of-office') && !signals.has('complaint')) {
    if (signals.has('bounce') || bounceText || !text.trim()) add('bounce', 'null Return-Path <>');
    else add('auto-reply', 'null Return-Path <> on a message that is not a delivery report');
  }

  const kind = signals.has('complaint') ? 'complaint' : challenge ? 'auto-reply' : (ORDER.find((k) => signals.has(k)) ?? 'human');
  const reasons = ORDER.flatMap((k) => signals.get(k) ?? []);
  return { kind, reasons };
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return (at < 0 ? address : address.slice(0, at)).replace(/^<|^"|"$/g, '').trim();
}

function domainPart(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '';
  const domain = address.slice(at + 1);
  const end = domain.search(/[>\s]/);
  return (end < 0 ? domain : domain.slice(0, end)).toLowerCase();
}
