import type { Header } from '../message/index.js';
import { BOUNCE_SUBJECT, BOUNCE_TEXT, DELAY_NOTICE } from './bounce-words.js';
import { preferredStatus, replyClass, statusInText } from './status-codes.js';

export type DeliveryAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

/**
 * Where the report came from: an RFC 3464 `message/delivery-status` part, a plain-text MTA style, `text` (any
 * other MTA's prose: recipients and SMTP replies read from the lines before the returned copy), or the header.
 */
export type DeliveryReportFormat =
  'rfc3464' | 'qmail' | 'exim' | 'postfix' | 'exchange' | 'text' | 'x-failed-recipients';

export interface DeliveryRecipient {
  /** Final-Recipient (or the address named by a plain-text bounce). */
  address: string;
  /** Original-Recipient as the sender wrote it, when reported. */
  originalRecipient: string | null;
  action: DeliveryAction;
  /** Enhanced status code (`5.1.1`), or null when the report has none. */
  status: string | null;
  /** Diagnostic text (usually the remote server's SMTP reply). */
  diagnostic: string | null;
  remoteMta: string | null;
  /** True for permanent failures (`5.x.x`, or a failed action without a status). */
  permanent: boolean;
}

export interface DeliveryReport {
  format: DeliveryReportFormat;
  reportingMta: string | null;
  recipients: DeliveryRecipient[];
  /** Message-ID (no angle brackets) of the message that could not be delivered, when the report includes it. */
  originalMessageId: string | null;
}

export interface DeliveryReportSource {
  headers: readonly Header[];
  text: string | null;
  /** Report parts with decoded content: `message/delivery-status`, `text/rfc822-headers`, `message/rfc822`, … */
  parts: ReadonlyArray<{ contentType: string; content: string }>;
}

const MAX_SCAN = 256 * 1024;
/** Recipients reported at most (a DSN names the few recipients of one message). */
export const MAX_DSN_RECIPIENTS = 1000;
// The lookbehind lets a match start only where a run of address characters starts, and "@" is in neither
// part, so each run is read once (the old pattern was cubic on "a@a@a@…").
// "[" and "]" are outside too: `F=[ann@example.org]` (an MTA's log line) names ann@example.org.
const ADDRESS = /(?<![^\s<>()[\]"';,:@])[^\s<>()[\]"';,:@]+@[^\s<>()[\]"';,:@]+\.[a-z0-9-]{2,}/i;
const ENHANCED_STATUS = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

/** Parses a delivery status notification, or returns null when the message is not one. */
export function parseDeliveryReport(source: DeliveryReportSource): DeliveryReport | null {
  const text = (source.text ?? '').replace(/\r\n?/g, '\n').slice(0, MAX_SCAN);
  const statusPart = source.parts.find((p) => /^message\/(?:global-)?delivery-status/i.test(p.contentType));
  const originalMessageId = findOriginalMessageId(source.parts, text);

  const statusText = statusPart?.content ?? embeddedStatusFields(text);
  if (statusText) {
    const report = parseDeliveryStatus(statusText.replace(/\r\n?/g, '\n').slice(0, MAX_SCAN));
    if (report.recipients.length) return { format: 'rfc3464', ...report, originalMessageId };
  }

  const plain = parsePlainTextBounce(text);
  if (plain) return { ...plain, originalMessageId };

  const failed = source.headers.find((h) => h.name.toLowerCase() === 'x-failed-recipients');
  if (!failed && looksReturned(source.headers, text)) {
    const prose = parseProseBounce(text, source.headers, source.parts);
    if (prose) return { ...prose, originalMessageId };
  }
  if (failed) {
    const named = failed.value
      .split(',')
      .map((a) => a.trim().replace(/^<|>$/g, '').toLowerCase())
      .filter((a) => ADDRESS.test(a))
      .slice(0, MAX_DSN_RECIPIENTS);
    const report = named.length ? parseProseBounce(text, source.headers, source.parts, named) : null;
    if (report) return { ...report, originalMessageId };
  }
  return null;
}

function recipient(
  address: string,
  action: DeliveryAction,
  diagnostic: string | null,
  remoteMta: string | null = null,
): DeliveryRecipient {
  const status = statusInText(diagnostic);
  const finalAction: DeliveryAction = status?.startsWith('4.') && action === 'failed' ? 'delayed' : action;
  return {
    address: address.toLowerCase(),
    originalRecipient: null,
    action: finalAction,
    status,
    diagnostic,
    remoteMta,
    permanent: finalAction === 'failed' && (status === null || status.startsWith('5.')),
  };
}

/**
 * RFC 3464 fields: a per-message block, then one block per recipient, separated by blank lines. Some MTAs leave
 * the blank lines out (AOL) or start each recipient's block with `Action:`: a recipient field seen again starts
 * the next recipient's block either way.
 */
function parseDeliveryStatus(content: string): Omit<DeliveryReport, 'format' | 'originalMessageId'> {
  let reportingMta: string | null = null;
  const recipients: DeliveryRecipient[] = [];
  for (const fields of fieldGroups(content)) {
    if (fields.has('reporting-mta')) reportingMta = typedValue(fields.get('reporting-mta')!);
    const final = fields.get('final-recipient') ?? fields.get('original-recipient');
    if (!final) continue;
    if (recipients.length >= MAX_DSN_RECIPIENTS) break;
    const actionValue = (fields.get('action') ?? 'failed').toLowerCase().split(/[\s(]/)[0]!;
    const action: DeliveryAction =
      (['failed', 'delayed', 'delivered', 'relayed', 'expanded'] as const).find((a) => a === actionValue) ?? 'failed';
    const diagnostic = fields.get('diagnostic-code');
    const reply = replyClass(diagnostic);
    const status = preferredStatus(
      ENHANCED_STATUS.exec(fields.get('status') ?? '')?.[1] ?? null,
      statusInText(diagnostic, reply),
      reply,
    );
    const original = fields.get('original-recipient');
    recipients.push({
      address: typedValue(final).replace(/^<|>$/g, '').toLowerCase(),
      originalRecipient: original ? typedValue(original).replace(/^<|>$/g, '') : null,
      action,
      status,
      diagnostic: diagnostic ? typedValue(diagnostic) : null,
      remoteMta: fields.has('remote-mta') ? typedValue(fields.get('remote-mta')!) : null,
      permanent:
        action === 'failed' &&
        (status === null ? !/^\s*(?:smtp;\s*)?4\d\d\b/i.test(diagnostic ?? '') : status.startsWith('5.')),
    });
  }
  return { reportingMta, recipients };
}

const RECIPIENT_FIELDS = new Set([
  'final-recipient',
  'original-recipient',
  'action',
  'status',
  'diagnostic-code',
  'remote-mta',
]);

/** The report's field blocks: split at blank lines and wherever a recipient field repeats. */
function fieldGroups(content: string): Array<Map<string, string>> {
  const groups: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  const close = () => {
    if (current.size > 0) groups.push(current);
    current = new Map();
    last = null;
  };
  for (const line of content.split('\n')) {
    if (/^[ \t]*$/.test(line)) {
      close();
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      current.set(last, `${current.get(last)} ${line.trim()}`);
      continue;
    }
    const match = /^([A-Za-z][\w-]{0,60})[ \t]*:(.*)$/.exec(line);
    if (!match) continue;
    const name = match[1]!.toLowerCase();
    // A recipient field seen twice begins the next recipient (Postfix writes Original- after Final-Recipient).
    const identified = current.has('final-recipient') || current.has('original-recipient');
    if (identified && RECIPIENT_FIELDS.has(name) && current.has(name)) close();
    if (!current.has(name)) current.set(name, match[2]!.trim());
    last = name;
  }
  close();
  return groups;
}

/** `rfc822; bob@example.org` → `bob@example.org`; `dns; mx.example.org` → `mx.example.org`. */
function typedValue(value: string): string {
  const semi = value.indexOf(';');
  return (semi >= 0 && semi < 20 ? value.slice(semi + 1) : value).trim();
}

/** Some gateways inline the delivery-status fields into the text body. */
function embeddedStatusFields(text: string): string | null {
  const start = text.search(/^(?:Reporting-MTA|Final-Recipient)\s*:/im);
  if (start < 0 || !/^Action\s*:/im.test(text.slice(start))) return null;
  return text.slice(start);
}

function findOriginalMessageId(parts: DeliveryReportSource['parts'], text: string): string | null {
  for (const part of parts) {
    if (!/^(?:text\/rfc822-headers|message\/rfc822|message\/global-headers|message\/global)/i.test(part.contentType))
      continue;
    const headerBlock = part.content.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)[0] ?? '';
    const id = messageIdIn(headerBlock.slice(0, MAX_SCAN));
    if (id) return id;
  }
  return messageIdIn(text);
}

/** The first `Message-ID: <id@host>` line (possibly `>`-quoted); found by a linear search, then checked by code. */
function messageIdIn(text: string): string | null {
  const field = /^[ \t>]*Message-ID[ \t]*:/gim;
  for (let match = field.exec(text); match; match = field.exec(text)) {
    const lineEnd = text.indexOf('\n', match.index);
    const value = text.slice(field.lastIndex, lineEnd < 0 ? text.length : lineEnd).trim();
    const id = value.startsWith('<') && value.endsWith('>') ? value.slice(1, -1) : value.replace(/^<|>$/g, '');
    const at = id.indexOf('@');
    if (at >= 1 && at <= 250 && id.length - at - 1 >= 1 && id.length - at - 1 <= 250 && !/[<>\s]/.test(id)) return id;
  }
  return null;
}

/** Plain-text ("non-RFC") bounces: qmail, Exim, Postfix and Exchange styles. */
function parsePlainTextBounce(text: string): Omit<DeliveryReport, 'originalMessageId'> | null {
  if (!text) return null;
  const head = text.slice(0, 4000);
  const temporary =
    /temporary|has not yet been delivered|will (?:continue|keep) trying|delayed/i.test(head) || DELAY_NOTICE.test(head);

  if (/qmail-send program|I'm afraid I wasn't able to deliver/i.test(text)) {
    const reportingMta = /qmail-send program at ([\w.-]+)/i.exec(text)?.[1] ?? null;
    const body = beforeCopy(text);
    const recipients = blocksAfterAddressLines(body, /^<([^<>\s@]+@[^<>\s]+)>:\s*$/).map(([address, diag]) =>
      recipient(address, temporary ? 'delayed' : 'failed', diag),
    );
    if (recipients.length) return { format: 'qmail', reportingMta, recipients };
  }

  if (/created automatically by mail delivery software|following address\(es\) failed/i.test(text)) {
    const body = beforeCopy(text);
    const failedAt = body.search(/address\(es\) failed:|has not yet been delivered to the following/i);
    const section = failedAt >= 0 ? body.slice(body.indexOf('\n', failedAt) + 1) : body;
    const recipients: DeliveryRecipient[] = [];
    const lines = section.split('\n');
    for (let i = 0; i < lines.length && recipients.length < MAX_DSN_RECIPIENTS; i++) {
      const match = /^ {2}<?([^<>\s@]+@[^<>\s]+?)>?(?:\s*$|\s+\()/.exec(lines[i]!);
      if (!match) continue;
      const diag: string[] = [];
      for (let j = i + 1; j < lines.length && /^ {3,}\S/.test(lines[j]!); j++) diag.push(lines[j]!.trim());
      recipients.push(
        recipient(match[1]!, temporary ? 'delayed' : 'failed', diag.join(' ') || null, remoteHost(diag.join(' '))),
      );
    }
    if (recipients.length) return { format: 'exim', reportingMta: null, recipients };
  }

  if (/This is the mail system at host|could not be delivered to one or more\s+recipients/i.test(text)) {
    const reportingMta = /mail system at host ([\w.-]+)/i.exec(text)?.[1] ?? null;
    const body = beforeCopy(text);
    const recipients: DeliveryRecipient[] = [];
    const lines = body.split('\n');
    for (let i = 0; i < lines.length && recipients.length < MAX_DSN_RECIPIENTS; i++) {
      const match = /^<([^<>\s@]+@[^<>\s]+)>(?: \(expanded from <[^>]*>\))?:([\s\S]*)/.exec(lines[i]!);
      if (!match) continue;
      const diag = [match[2]!.trim()];
      for (let j = i + 1; j < lines.length && /^[ \t]+\S/.test(lines[j]!); j++) diag.push(lines[j]!.trim());
      const diagnostic = diag.join(' ').trim() || null;
      recipients.push(
        recipient(match[1]!, temporary ? 'delayed' : 'failed', diagnostic, diagnostic ? remoteHost(diagnostic) : null),
      );
    }
    if (recipients.length) return { format: 'postfix', reportingMta, recipients };
  }

  if (/Delivery has failed to these recipients or groups|Your message (?:to \S+ )?couldn't be delivered/i.test(text)) {
    const reportingMta = /Generating server:\s*([\w.-]+)/i.exec(text)?.[1] ?? null;
    const diagnostics = [
      ...text.matchAll(/^([^\s@]+@\S+)[ \t]*\n\s*Remote Server returned '([^'\n]{1,500})'/gim),
    ].slice(0, MAX_DSN_RECIPIENTS);
    const byAddress = new Map(diagnostics.map((m) => [m[1]!.toLowerCase().replace(/^<|>$/g, ''), m[2]!]));
    const start = text.search(/Delivery has failed to these recipients or groups:?/i);
    const stop = text.search(/Diagnostic information for administrators/i);
    const section = text.slice(start >= 0 ? start : 0, stop > start ? stop : undefined);
    const seen = new Set<string>();
    const recipients: DeliveryRecipient[] = [];
    for (const line of section.split('\n').slice(1)) {
      if (recipients.length >= MAX_DSN_RECIPIENTS) break;
      const trimmed = line.trim();
      if (trimmed.length > 200) continue;
      const address = ADDRESS.exec(trimmed)?.[0]
        ?.replace(/^mailto:/i, '')
        .toLowerCase();
      if (!address || seen.has(address) || !isExchangeRecipientLine(trimmed)) continue;
      seen.add(address);
      recipients.push(recipient(address, temporary ? 'delayed' : 'failed', byAddress.get(address) ?? null));
    }
    for (const [address, diag] of byAddress) {
      if (!seen.has(address) && recipients.length < MAX_DSN_RECIPIENTS)
        recipients.push(recipient(address, 'failed', diag));
    }
    if (recipients.length) return { format: 'exchange', reportingMta, recipients };
  }
  return null;
}

/** `bob@x.org`, or a name then `(bob@x.org)`, `<bob@x.org>` or `<mailto:bob@x.org>`, the name at most 100 characters. */
function isExchangeRecipientLine(trimmed: string): boolean {
  if (/^[^\s@]+@\S+$/.test(trimmed)) return true;
  const bracketed = /(?:\(|<(?:mailto:)?)[^\s@()<>]+@[^\s()<>]+[)>]$/i.exec(trimmed);
  return bracketed !== null && bracketed.index <= 100;
}

function beforeCopy(text: string): string {
  const copy = text.search(
    /^-{2,}\s*(?:Below this line is a copy of the message|This is a copy of the message|Original message|Undelivered message)|^Original message headers:/im,
  );
  return copy >= 0 ? text.slice(0, copy) : text;
}

function blocksAfterAddressLines(text: string, addressLine: RegExp): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && out.length < MAX_DSN_RECIPIENTS; i++) {
    const match = addressLine.exec(lines[i]!);
    if (!match) continue;
    const diag: string[] = [];
    for (let j = i + 1; j < lines.length && lines[j]!.trim() && !addressLine.test(lines[j]!); j++)
      diag.push(lines[j]!.trim());
    out.push([match[1]!, diag.join(' ') || null]);
  }
  return out;
}

function remoteHost(diagnostic: string): string | null {
  return /\bhost ([\w.-]+\.[a-z]{2,})/i.exec(diagnostic)?.[1] ?? null;
}

const DAEMON_LOCAL = /^(?:mailer[-_]?daemon|post[-_.]?master|mail[-_.]?delivery[-_.]?(?:system|subsystem))$/i;

/** Whether the message reads like returned mail: a daemon or postmaster sender, a bounce subject or MTA wording. */
function looksReturned(headers: readonly Header[], text: string): boolean {
  const value = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
  const local = (address: string) => {
    const at = address.lastIndexOf('@');
    const before = at < 0 ? address : address.slice(0, at);
    return before.slice(Math.max(before.lastIndexOf('<'), before.lastIndexOf(' '), before.lastIndexOf('"')) + 1).trim();
  };
  if (DAEMON_LOCAL.test(local(value('from'))) || DAEMON_LOCAL.test(local(value('return-path')))) return true;
  return BOUNCE_SUBJECT.test(value('subject').slice(0, 300)) || BOUNCE_TEXT.test(text.slice(0, 8192));
}

/** Where an MTA's prose ends and the returned message (or its headers) begins. */
const COPY_MARKER = new RegExp(
  '^[ \\t>|-]*(?:below this line is a copy of the message|this is a copy of the message|' +
    'original message (?:follows|headers)|(?:the )?original message|undelivered message|unsent message follows|' +
    'message headers follow|message text follows|the header of the original message|below is a copy of the original message|' +
    'included is a copy|a copy of the original message|returned message|headers of the original message|' +
    '(?:original|returned) (?:mail|e-?mail) follows|content-type: message/rfc822)',
  'im',
);
const HEADER_FIELD_LINE =
  /^[ \t]*(?:to|from|cc|subject|sent|date|reply-to|message-id|return-path|received|x-[\w-]{1,40})[ \t]*:/i;
const MAX_PROSE_LINES = 2000;

/**
 * Any other MTA's bounce (DragonFly, Yahoo, Exchange 2003, IMail, GMX, Zoho, OpenSMTPD, au/ezweb, …): every
 * address named in the prose before the returned copy is a recipient (our own sender's address, the report's
 * own addresses and header-like lines of the quoted original excepted), with the lines that follow it as its
 * diagnostic; a report that names none gets the returned copy's To. With `named` (X-Failed-Recipients: Exim,
 * Gmail) the recipients are those, each with its paragraph of the prose where it names them.
 */
function parseProseBounce(
  text: string,
  headers: readonly Header[],
  parts: DeliveryReportSource['parts'],
  named?: readonly string[],
): Omit<DeliveryReport, 'originalMessageId'> | null {
  const marker = COPY_MARKER.exec(text.slice(0, MAX_SCAN));
  const prose = marker && marker.index > 0 ? text.slice(0, marker.index) : text.slice(0, 64 * 1024);
  const ignored = new Set(
    headers
      .filter((h) => /^(?:to|from|return-path|reply-to|delivered-to|x-original-to|sender)$/i.test(h.name))
      .flatMap((h) => (h.value.match(new RegExp(ADDRESS.source, 'gi')) ?? []).slice(0, 20).map((a) => a.toLowerCase())),
  );
  const lines = prose.split('\n').slice(0, MAX_PROSE_LINES);
  const found = proseAddresses(lines, ignored);
  const head = prose.slice(0, 8192);
  const temporary =
    /temporar|has not yet been delivered|will (?:continue|keep) trying|delayed|deferred|retry/i.test(head) ||
    DELAY_NOTICE.test(head);
  const paragraph = (i: number) =>
    diagnosticFrom(lines.slice(found[i]!.line, Math.min(found[i + 1]?.line ?? lines.length, found[i]!.line + 12)));
  const foundAt = new Map(found.map(({ address }, i) => [address, i]));
  const recipients = named
    ? named.map((address) =>
        proseRecipient(address, foundAt.has(address) ? paragraph(foundAt.get(address)!) : null, temporary),
      )
    : found.map(({ address }, i) => proseRecipient(address, paragraph(i), temporary));
  if (recipients.length === 0) {
    const to = returnedTo(text.slice(marker?.index ?? 0, (marker?.index ?? 0) + MAX_SCAN), parts);
    if (!to) return null;
    recipients.push(proseRecipient(to, diagnosticFrom(lines.slice(0, 40)), temporary));
  }
  // One recipient and no code beside it: the report's first enhanced status code is its.
  if (recipients.length === 1 && recipients[0]!.status === null) {
    const status = statusInText(prose, null);
    if (status) Object.assign(recipients[0]!, statusFields(status, recipients[0]!.diagnostic, temporary));
  }
  return { format: named ? 'x-failed-recipients' : 'text', reportingMta: null, recipients };
}

const CONTACT_WORDS = /\b(?:contact|assistance)\b/i;

/**
 * The addresses the prose names as recipients, each with its line: not in a line of the quoted original's header
 * (nor its folded continuation), not the report's own or contact addresses, not inside a link.
 */
function proseAddresses(
  lines: readonly string[],
  ignored: ReadonlySet<string>,
): Array<{ address: string; line: number }> {
  const found: Array<{ address: string; line: number }> = [];
  const seen = new Set<string>();
  let inHeader = false;
  for (let index = 0; index < lines.length && found.length < MAX_DSN_RECIPIENTS; index++) {
    const line = lines[index]!;
    const folded = /^[ \t]/.test(line);
    // A field at the line's start opens a header block, its folded lines continue it; an indented "To:" is prose.
    const field = HEADER_FIELD_LINE.test(line);
    inHeader = (field && !folded) || (inHeader && folded && line.trim() !== '');
    if (field) continue;
    // A recipient's line is short; long lines are prose or quoted junk, never searched for addresses.
    if (line.length > 300 || inHeader) continue;
    const match = ADDRESS.exec(line);
    if (!match) continue;
    const address = match[0].replace(/^mailto:/i, '').toLowerCase();
    if (seen.has(address) || ignored.has(address) || DAEMON_LOCAL.test(address.slice(0, address.lastIndexOf('@'))))
      continue;
    const before = line.slice(0, match.index);
    const word = line.slice(
      Math.max(before.lastIndexOf(' '), before.lastIndexOf('\t')) + 1,
      match.index + match[0].length,
    );
    if (CONTACT_WORDS.test(before) || word.includes('://')) continue;
    seen.add(address);
    found.push({ address, line: index });
  }
  return found;
}

/** The non-empty lines of a recipient's paragraph, joined, at most 1000 characters. */
function diagnosticFrom(lines: string[]): string | null {
  const kept: string[] = [];
  for (const line of lines) {
    if (COPY_MARKER.test(line)) break;
    if (line.trim()) kept.push(line.trim());
  }
  return kept.join(' ').slice(0, 1000) || null;
}

function proseRecipient(address: string, diagnostic: string | null, temporary: boolean): DeliveryRecipient {
  const status = statusInText(diagnostic);
  return {
    address,
    originalRecipient: null,
    remoteMta: diagnostic ? remoteHost(diagnostic) : null,
    diagnostic,
    ...statusFields(status, diagnostic, temporary),
  };
}

/** Action, status and permanence from the enhanced code, else the SMTP reply code, else the report's wording. */
function statusFields(
  status: string | null,
  diagnostic: string | null,
  temporary: boolean,
): Pick<DeliveryRecipient, 'action' | 'status' | 'permanent'> {
  const reply = replyClass(diagnostic);
  const klass = status?.[0] ?? reply ?? (temporary ? '4' : '5');
  if (klass === '2') return { action: 'delivered', status, permanent: false };
  return { action: klass === '4' ? 'delayed' : 'failed', status, permanent: klass === '5' };
}

/** The To of the returned message: its attached copy, or the header block after the copy marker. */
function returnedTo(copy: string, parts: DeliveryReportSource['parts']): string | null {
  const blocks = [
    ...parts
      .filter((p) => /^(?:message\/rfc822|text\/rfc822-headers)/i.test(p.contentType))
      .map((p) => p.content.slice(0, MAX_SCAN)),
    copy,
  ];
  for (const block of blocks) {
    const to = /^To[ \t]*:(.{0,500})$/im.exec(block.replace(/\r\n?/g, '\n'))?.[1];
    const address = to ? ADDRESS.exec(to)?.[0] : undefined;
    if (address) return address.toLowerCase();
  }
  return null;
}
