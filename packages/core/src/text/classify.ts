import type { EmailAddress, Header } from '../message/index.js';

/**
 * What sent a message. Precedence when several apply (the first wins):
 * `bounce` > `loop` > `out-of-office` > `auto-reply` > `list` > `bulk` > `human`.
 *
 * Bounce comes before loop because a DSN about our own outgoing mail is exactly what bounce handling
 * needs (disable the address, mark the delivery) and we never answer DSNs anyway; every other
 * automated message touching our own domains is a loop to drop silently. Out-of-office is a refinement
 * of auto-reply (the person exists but is away: no reopen, no auto-ack). List beats bulk because a
 * List-Id names a conversation someone joined, while bulk is one-way marketing.
 */
export type MessageKind = 'human' | 'auto-reply' | 'out-of-office' | 'bounce' | 'bulk' | 'list' | 'loop';

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
}

const ORDER: MessageKind[] = ['bounce', 'loop', 'out-of-office', 'auto-reply', 'list', 'bulk'];

const OUT_OF_OFFICE_SUBJECT = new RegExp(
  '^\\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)? response|auto:|autoreply|auto-reply|' +
    'abwesenheitsnotiz|automatische antwort|abwesend|absence|réponse automatique|reponse automatique|absent du bureau|' +
    'respuesta automática|respuesta automatica|fuera de la oficina|fuera de oficina|risposta automatica|fuori sede|fuori ufficio|' +
    'automatisch antwoord|afwezig|niet aanwezig|resposta automática|resposta automatica|fora do escritório|ausente|' +
    'odpowiedź automatyczna|nieobecność|automatiskt svar|autosvar|frånvaro|automatisk svar|fraværende|ikke til stede|' +
    'автоответ|автоматический ответ|вне офиса|不在|自动回复|自動回覆|自動応答|부재중)',
  'i',
);

const BOUNCE_SUBJECT = new RegExp(
  '^\\s*(?:undelivered mail returned to sender|delivery status notification \\((?:failure|delay)\\)|' +
    'mail delivery failed|undeliverable:|undeliverable mail|failure notice|returned mail:|delivery failure|' +
    'mail delivery failure|delivery has failed|message not delivered|warning: message .{0,80} delayed|' +
    'unzustellbar:|nicht zustellbar|non remis|non distribuable|onbestelbaar:|no se puede entregar|' +
    'não é possível entregar|non recapitabile|niedostarczalne|kan inte levereras|не доставлено)',
  'i',
);

/** Signals reported at most, each at most this long: `reasons` quotes header values, which the sender chose. */
const MAX_REASONS = 50;
const MAX_REASON_CHARS = 200;

const SYSTEM_SENDER = /^(?:mailer-daemon|postmaster)$/i;
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

  // Bounces
  const contentType = first('Content-Type') ?? '';
  if (/multipart\/report/i.test(contentType) && /report-type\s*=\s*"?delivery-status/i.test(contentType)) {
    add('bounce', 'Content-Type: multipart/report; report-type=delivery-status');
  }
  if (input.attachments?.some((a) => /^message\/(?:global-)?delivery-status/i.test(a.contentType))) {
    add('bounce', 'message/delivery-status part');
  }
  if (first('X-Failed-Recipients') !== undefined) add('bounce', 'X-Failed-Recipients present');
  const fromLocal = localPart(input.from?.address ?? '');
  if (SYSTEM_SENDER.test(fromLocal)) add('bounce', `sender is ${fromLocal.toLowerCase()}`);
  if (BOUNCE_SUBJECT.test(input.subject)) add('bounce', 'delivery-failure subject');

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
  const returnPath = first('Return-Path') ?? input.envelopeFrom ?? null;
  const returnDomain = returnPath ? domainPart(returnPath) : '';
  if (returnDomain && onOwnDomain(returnDomain)) add('loop', `Return-Path is on our own domain ${returnDomain}`);
  const messageIdDomain = domainPart(input.messageId ?? first('Message-ID') ?? '');
  if (messageIdDomain && onOwnDomain(messageIdDomain)) add('loop', `Message-ID generated on our own domain ${messageIdDomain}`);

  // Out of office
  if (OUT_OF_OFFICE_SUBJECT.test(input.subject)) add('out-of-office', 'out-of-office subject');
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
  if (suppress && /\b(?:all|oof|autoreply)\b/i.test(suppress)) add('auto-reply', `X-Auto-Response-Suppress: ${suppress}`);
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

  // The null reverse-path alone: RFC 3834 asks auto-responders to use it too, so it only means
  // "bounce" when nothing marks the message as an auto-reply.
  const nullSender = returnPath !== null && /^\s*(?:<\s*)?(?:>\s*)?$/.test(returnPath);
  if (nullSender) {
    if (!signals.has('auto-reply') && !signals.has('out-of-office')) add('bounce', 'null Return-Path <>');
  }

  const kind = ORDER.find((k) => signals.has(k)) ?? 'human';
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
