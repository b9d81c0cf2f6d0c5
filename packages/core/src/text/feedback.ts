import type { Header } from '../message/index.js';

/**
 * A feedback report (RFC 5965 ARF, `multipart/report; report-type=feedback-report`): a mailbox provider telling
 * us one of its users marked our mail as spam (`abuse`), asked to stop receiving it (`opt-out`), and so on.
 */
export interface FeedbackReport {
  /** `Feedback-Type`, lowercased: `abuse`, `fraud`, `virus`, `other`, `not-spam`, `auth-failure`, `opt-out`, … */
  feedbackType: string;
  /** `User-Agent`: the software that generated the report (`Yahoo!-Mail-Feedback/2.0`). */
  userAgent: string | null;
  /** `Original-Mail-From`: the envelope sender of the reported message (angle brackets removed). */
  originalMailFrom: string | null;
  /** `Original-Rcpt-To` (and `Removal-Recipient`): who complained, when the provider does not redact it. */
  originalRcptTo: string[];
  /** `Source-IP`: the address the reported message came from. */
  sourceIp: string | null;
  /** `Arrival-Date` (or the older `Received-Date`), as written. */
  arrivalDate: string | null;
  /** `Reported-Domain` values. */
  reportedDomains: string[];
  /** Message-ID (no angle brackets) of the reported message, from the attached message or its headers. */
  originalMessageId: string | null;
}

export interface FeedbackReportSource {
  headers: readonly Header[];
  text: string | null;
  /** Report parts with decoded content: `message/feedback-report`, `message/rfc822`, `text/rfc822-headers`, … */
  parts: ReadonlyArray<{ contentType: string; content: string }>;
}

const MAX_SCAN = 64 * 1024;
/** Values kept per repeated field (a report names the few recipients of one message). */
export const MAX_FEEDBACK_VALUES = 100;

/**
 * Parses a feedback report, or returns null when the message is not one. Also reads the two non-ARF forms big
 * providers send: Microsoft's JMRP (the reported message attached with `X-HmXmrOriginalRecipient`) and Apple
 * Mail's one-click unsubscribe (`X-Apple-Unsubscribe: true`, reported as `opt-out`).
 */
export function parseFeedbackReport(source: FeedbackReportSource): FeedbackReport | null {
  const header = (name: string) => source.headers.find((h) => h.name.toLowerCase() === name)?.value.trim();
  const text = (source.text ?? '').slice(0, MAX_SCAN).replace(/\r\n?/g, '\n');
  const reportPart = source.parts.find((p) => /^message\/feedback-report/i.test(p.contentType));
  const fields = fieldsOf(
    reportPart ? reportPart.content.slice(0, MAX_SCAN).replace(/\r\n?/g, '\n') : inlineReport(text),
  );
  const originalMessageId = reportedMessageId(source.parts, text);
  const type = fields.get('feedback-type')?.[0];
  if (type) {
    const first = (name: string) => fields.get(name)?.[0] ?? null;
    return {
      feedbackType: type.split(/[\s;]/)[0]!.toLowerCase(),
      userAgent: first('user-agent'),
      originalMailFrom: bare(first('original-mail-from')),
      originalRcptTo: [...(fields.get('original-rcpt-to') ?? []), ...(fields.get('removal-recipient') ?? [])]
        .map((v) => bare(v)!)
        .filter(Boolean),
      sourceIp: first('source-ip'),
      arrivalDate: first('arrival-date') ?? first('received-date'),
      reportedDomains: fields.get('reported-domain') ?? [],
      originalMessageId,
    };
  }
  const jmrp = /^X-HmXmrOriginalRecipient[ \t]*:[ \t]*(\S{1,254})/im.exec(text) ?? jmrpInParts(source.parts);
  if (jmrp) return blank('abuse', 'Microsoft JMRP', [jmrp[1]!], originalMessageId);
  const from = header('from') ?? '';
  if (
    /\bstaff@hotmail\.com\b/i.test(from) &&
    /^\s*complaint about message from [\d.:a-f]{3,45}\s*$/i.test(header('subject') ?? '')
  ) {
    return blank('abuse', 'Microsoft JMRP', [], originalMessageId);
  }
  if (/^true$/i.test(header('x-apple-unsubscribe') ?? '')) {
    return blank('opt-out', 'Apple Mail unsubscribe', [], header('message-id')?.replace(/^<|>$/g, '') ?? null);
  }
  return null;
}

function blank(
  feedbackType: string,
  userAgent: string,
  originalRcptTo: string[],
  originalMessageId: string | null,
): FeedbackReport {
  return {
    feedbackType,
    userAgent,
    originalMailFrom: null,
    originalRcptTo,
    sourceIp: null,
    arrivalDate: null,
    reportedDomains: [],
    originalMessageId,
  };
}

/** `Name: value` lines (folded lines joined), every value of a repeated field kept, names lowercased. */
function fieldsOf(block: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let last: string[] | null = null;
  for (const line of block.split('\n')) {
    if (last && /^[ \t]/.test(line)) {
      last[last.length - 1] = `${last[last.length - 1]} ${line.trim()}`;
      continue;
    }
    const match = /^([A-Za-z][\w-]{0,60})[ \t]*:(.*)$/.exec(line);
    last = null;
    if (!match) continue;
    const values = fields.get(match[1]!.toLowerCase()) ?? [];
    if (values.length < MAX_FEEDBACK_VALUES) values.push(match[2]!.trim().slice(0, 1000));
    fields.set(match[1]!.toLowerCase(), values);
    last = values;
  }
  return fields;
}

/** Feedback fields some senders put in the text body: the block that starts at the `Feedback-Type:` line. */
function inlineReport(text: string): string {
  const start = text.search(/^Feedback-Type[ \t]*:/im);
  if (start < 0) return '';
  const end = text.indexOf('\n\n', start);
  return text.slice(start, end < 0 ? undefined : end);
}

function jmrpInParts(parts: FeedbackReportSource['parts']): RegExpExecArray | null {
  for (const part of parts) {
    if (!/^(?:message\/rfc822|text\/rfc822-headers)/i.test(part.contentType)) continue;
    const found = /^X-HmXmrOriginalRecipient[ \t]*:[ \t]*(\S{1,254})/im.exec(part.content.slice(0, MAX_SCAN));
    if (found) return found;
  }
  return null;
}

function reportedMessageId(parts: FeedbackReportSource['parts'], text: string): string | null {
  for (const part of parts) {
    if (!/^(?:message\/rfc822|text\/rfc822-headers|message\/global)/i.test(part.contentType)) continue;
    const id = messageIdField(
      part.content
        .slice(0, MAX_SCAN)
        .replace(/\r\n?/g, '\n')
        .split(/\n[ \t]*\n/)[0] ?? '',
    );
    if (id) return id;
  }
  // The reported message inlined in the text: its header block is the one that has a Received or From field.
  const inlined = text.search(/^(?:Received|Return-Path|X-HmXmrOriginalRecipient)[ \t]*:/im);
  return inlined >= 0 ? messageIdField(text.slice(inlined).split(/\n[ \t]*\n/)[0] ?? '') : null;
}

function messageIdField(block: string): string | null {
  const value = /^Message-ID[ \t]*:[ \t]*<?([^<>\s]{1,500})>?/im.exec(block)?.[1];
  return value && value.includes('@') ? value : null;
}

/** `<a@b.example>` or `rfc822; a@b.example` → `a@b.example`. */
function bare(value: string | null): string | null {
  if (!value) return null;
  const semi = value.indexOf(';');
  const typed = semi >= 0 && semi < 20 ? value.slice(semi + 1) : value;
  return typed.trim().replace(/^<|>$/g, '').trim() || null;
}
