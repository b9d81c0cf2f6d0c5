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
  const facts = factsOf(input);
  const signals = new Signals();
  complaintSignals(facts, signals);
  bounceSignals(facts, signals);
  loopSignals(facts, options, signals);
  const challenge = automaticSignals(facts, signals);
  listSignals(facts, signals);
  nullSenderSignal(facts, signals);
  const kind = signals.has('complaint')
    ? 'complaint'
    : challenge
      ? 'auto-reply'
      : (ORDER.find((k) => signals.has(k)) ?? 'human');
  return { kind, reasons: ORDER.flatMap((k) => signals.get(k)) };
}

/** The reasons found per kind, bounded in number and length (a header flood must not make a flood of reasons). */
class Signals {
  readonly #byKind = new Map<MessageKind, string[]>();
  #count = 0;
  add(kind: MessageKind, reason: string): void {
    const list = this.#byKind.get(kind) ?? [];
    if (this.#count++ < MAX_REASONS || list.length === 0)
      list.push(reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason);
    this.#byKind.set(kind, list);
  }
  has(kind: MessageKind): boolean {
    return this.#byKind.has(kind);
  }
  get(kind: MessageKind): string[] {
    return this.#byKind.get(kind) ?? [];
  }
}

/** What every rule reads, computed once. */
interface Facts {
  input: ClassifyInput;
  first(name: string): string | undefined;
  values(name: string): string[];
  text: string;
  fromLocal: string;
  returnPath: string | null;
  nullSender: boolean;
  isReport: boolean;
  reportType: string | null;
  sesType: string | undefined;
  bounceText: boolean;
}

function factsOf(input: ClassifyInput): Facts {
  // One pass over the headers (a lookup per name would cost names × headers on a header flood).
  const byName = new Map<string, string[]>();
  for (const header of input.headers) {
    const name = header.name.toLowerCase();
    const list = byName.get(name);
    if (list) list.push(header.value);
    else byName.set(name, [header.value]);
  }
  const first = (name: string) => byName.get(name.toLowerCase())?.[0]?.trim();
  const contentType = first('Content-Type') ?? '';
  const text = (input.text ?? '').slice(0, MAX_CLASSIFY_TEXT);
  const returnPath = first('Return-Path') ?? input.envelopeFrom ?? null;
  return {
    input,
    first,
    values: (name) => (byName.get(name.toLowerCase()) ?? []).map((value) => value.trim()),
    text,
    fromLocal: localPart(input.from?.address ?? ''),
    returnPath,
    nullSender: returnPath !== null && /^\s*(?:<\s*)?(?:>\s*)?$/.test(returnPath),
    isReport: /^\s*multipart\/report/i.test(contentType),
    reportType: /report-type\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase() ?? null,
    sesType: /"notificationType"\s*:\s*"(Bounce|Complaint|Delivery)"/.exec(text)?.[1],
    bounceText: BOUNCE_TEXT.test(text),
  };
}

function token(value: string): string {
  const end = value.search(/[;,\s(]/);
  return (end < 0 ? value : value.slice(0, end)).toLowerCase();
}

/** Complaints (feedback reports) and the two non-ARF forms providers send. */
function complaintSignals({ input, first, text, isReport, reportType, sesType }: Facts, signals: Signals): void {
  const add = (reason: string) => signals.add('complaint', reason);
  if (isReport && reportType === 'feedback-report') add('Content-Type: multipart/report; report-type=feedback-report');
  if (input.attachments?.some((a) => /^message\/feedback-report/i.test(a.contentType)))
    add('message/feedback-report part');
  if (isReport && reportType === null && /^Feedback-Type[ \t]*:/im.test(text))
    add('Feedback-Type field in a multipart/report');
  if (/^X-HmXmrOriginalRecipient[ \t]*:/im.test(text)) add('Microsoft JMRP report (X-HmXmrOriginalRecipient)');
  // Microsoft's JMRP: the attached message's X-HmXmrOriginalRecipient header is not in the parsed text (mailparser
  // inlines message/rfc822 parts with four headers), so its fixed sender and subject are what is left.
  if (
    input.from?.address.toLowerCase() === 'staff@hotmail.com' &&
    /^\s*complaint about message from [\d.:a-f]{3,45}\s*$/i.test(input.subject)
  ) {
    add('Microsoft JMRP complaint (staff@hotmail.com)');
  }
  if (/^true$/i.test(first('X-Apple-Unsubscribe') ?? '')) add('X-Apple-Unsubscribe: true (unsubscribe request)');
  if (sesType === 'Complaint') add('Amazon SES complaint notification');
}

function bounceSignals(facts: Facts, signals: Signals): void {
  const { input, first, fromLocal, returnPath, nullSender, isReport, reportType, sesType, bounceText } = facts;
  const add = (reason: string) => signals.add('bounce', reason);
  if (isReport && reportType === 'delivery-status') add('Content-Type: multipart/report; report-type=delivery-status');
  if (input.attachments?.some((a) => /^message\/(?:global-)?delivery-status/i.test(a.contentType)))
    add('message/delivery-status part');
  if (isReport && reportType === null && !signals.has('complaint')) add('multipart/report without report-type');
  if (sesType === 'Bounce' || sesType === 'Delivery') add(`Amazon SES ${sesType.toLowerCase()} notification`);
  if (first('X-Failed-Recipients') !== undefined) add('X-Failed-Recipients present');
  if (DAEMON_SENDER.test(fromLocal)) add(`sender is ${fromLocal.toLowerCase()}`);
  const returnLocal = returnPath ? localPart(returnPath.replace(/^\s*<|>\s*$/g, '')) : '';
  if (DAEMON_SENDER.test(returnLocal)) add(`Return-Path is ${returnLocal.toLowerCase()}`);
  const bounceSubject = BOUNCE_SUBJECT.test(input.subject.slice(0, 300));
  if (bounceSubject) add('delivery-failure subject');
  if (POSTMASTER_SENDER.test(fromLocal) && (bounceText || bounceSubject || nullSender || signals.has('bounce'))) {
    add(`sender is ${fromLocal.toLowerCase()}`);
  }
}

function loopSignals({ input, first, values, returnPath }: Facts, options: ClassifyOptions, signals: Signals): void {
  const add = (reason: string) => signals.add('loop', reason);
  const own = (options.ownDomains ?? []).map((d) => d.toLowerCase().replace(/^\.|\.$/g, '')).filter(Boolean);
  const onOwnDomain = (domain: string) => {
    const d = domain.toLowerCase();
    return own.find((o) => d === o || d.endsWith(`.${o}`));
  };
  const markers = (options.loopMarkers ?? []).map((m) => m.toLowerCase()).filter(Boolean);
  for (const value of values('X-Loop')) {
    const lower = value.toLowerCase();
    const marker = markers.find((m) => lower.includes(m)) ?? own.find((o) => lower.includes(o));
    if (marker) add(`X-Loop: ${value}`);
  }
  const fromDomain = domainPart(input.from?.address ?? '');
  if (fromDomain && onOwnDomain(fromDomain)) add(`From is on our own domain ${fromDomain}`);
  const returnDomain = returnPath ? domainPart(returnPath) : '';
  if (returnDomain && onOwnDomain(returnDomain)) add(`Return-Path is on our own domain ${returnDomain}`);
  const messageIdDomain = domainPart(input.messageId ?? first('Message-ID') ?? '');
  if (messageIdDomain && onOwnDomain(messageIdDomain)) add(`Message-ID generated on our own domain ${messageIdDomain}`);
}

/** Out of office, auto-replies (RFC 3834 and vendor headers) and challenge/response; returns the challenge found. */
function automaticSignals({ input, first, text, fromLocal, nullSender }: Facts, signals: Signals): string | null {
  if (isAutoReplySubject(input.subject)) signals.add('out-of-office', 'out-of-office subject');
  const autoSubmitted = first('Auto-Submitted');
  if (autoSubmitted && /vacation/i.test(autoSubmitted))
    signals.add('out-of-office', `Auto-Submitted: ${autoSubmitted}`);
  const suppress = first('X-Auto-Response-Suppress');
  if (suppress && /\b(?:all|oof)\b/i.test(suppress) && first('X-MS-Exchange-Inbox-Rules-Loop') !== undefined) {
    signals.add('out-of-office', 'Exchange inbox rule with X-Auto-Response-Suppress');
  }
  const add = (reason: string) => signals.add('auto-reply', reason);
  if (autoSubmitted && token(autoSubmitted) !== 'no') add(`Auto-Submitted: ${autoSubmitted}`);
  for (const name of [
    'X-Autoreply',
    'X-Autorespond',
    'X-Autoresponder',
    'X-AutoReply-From',
    'X-Mail-Autoreply',
    'X-Autoresponse',
  ]) {
    const value = first(name);
    if (value !== undefined && !/^(?:no|false|0)$/i.test(value)) add(`${name}: ${value}`);
  }
  const autogenerated = first('X-Autogenerated');
  if (autogenerated && /reply/i.test(autogenerated)) add(`X-Autogenerated: ${autogenerated}`);
  // Outlook puts X-Auto-Response-Suppress on people's mail too: a weak signal, counted only beside another one.
  if (
    suppress &&
    /\b(?:all|oof|autoreply)\b/i.test(suppress) &&
    (signals.has('auto-reply') || signals.has('out-of-office') || nullSender)
  ) {
    add(`X-Auto-Response-Suppress: ${suppress}`);
  }
  // Challenge/response: automatic, and not a bounce even when sent as a DSN (the message is held, not refused).
  const challengeHeader = CHALLENGE_HEADERS.find((name) => first(name) !== undefined);
  const challenge = challengeHeader
    ? `${challengeHeader} present`
    : CHALLENGE_TEXT.test(text)
      ? 'challenge/response text'
      : null;
  if (challenge) add(`challenge/response: ${challenge}`);
  if (NO_REPLY_SENDER.test(fromLocal)) add(`no-reply sender ${input.from?.address}`);
  return challenge;
}

/** Precedence, lists and bulk. */
function listSignals({ first }: Facts, signals: Signals): void {
  for (const name of ['Precedence', 'X-Precedence']) {
    const value = first(name);
    if (!value) continue;
    const precedence = token(value);
    if (precedence === 'auto_reply') signals.add('auto-reply', `${name}: ${value}`);
    else if (precedence === 'list') signals.add('list', `${name}: ${value}`);
    else if (precedence === 'bulk' || precedence === 'junk') signals.add('bulk', `${name}: ${value}`);
  }
  if (first('List-Id') !== undefined) signals.add('list', `List-Id: ${first('List-Id')}`);
  const listPost = first('List-Post');
  if (listPost !== undefined && !/^no\b/i.test(listPost)) signals.add('list', `List-Post: ${listPost}`);
  if (first('X-Mailman-Version') !== undefined) signals.add('list', 'X-Mailman-Version present');
  if (first('Mailing-List') !== undefined) signals.add('list', 'Mailing-List present');
  if (first('List-Unsubscribe') !== undefined) {
    if (signals.has('list')) signals.add('list', 'List-Unsubscribe present');
    else signals.add('bulk', 'List-Unsubscribe without List-Id (newsletter)');
  }
}

/**
 * The null reverse-path: RFC 3834 asks auto-responders to use it too, so alone it means "bounce" only when the
 * text reads like one (or nothing is known of the text); otherwise it is an auto-responder.
 */
function nullSenderSignal({ text, nullSender, bounceText }: Facts, signals: Signals): void {
  if (!nullSender || signals.has('auto-reply') || signals.has('out-of-office') || signals.has('complaint')) return;
  if (signals.has('bounce') || bounceText || !text.trim()) signals.add('bounce', 'null Return-Path <>');
  else signals.add('auto-reply', 'null Return-Path <> on a message that is not a delivery report');
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
