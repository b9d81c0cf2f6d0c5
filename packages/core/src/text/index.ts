/**
 * Text algorithms for inbound mail: reply extraction, classification (auto-replies, bounces, lists,
 * loops), delivery status notifications and sender-authentication verdicts. `InboundEmail` exposes
 * them as `reply()`, `classify()`, `deliveryReport()` and `authVerdict()`.
 *
 * `classify().kind` is one of `human`, `auto-reply`, `out-of-office`, `bounce`, `bulk`, `list`, `loop`;
 * when several signals apply the first of **bounce > loop > out-of-office > auto-reply > list > bulk > human**
 * wins (rationale on `MessageKind`), and `reasons` lists every signal found.
 *
 * @example
 * ```ts
 * const { text, quoted, signature } = email.reply();               // new content of a reply
 * const { kind, reasons } = email.classify({ ownDomains: ['reply.example.com'] });
 * if (kind !== 'human') return;                                    // never auto-answer machines
 * const dsn = await email.deliveryReport();                        // bounces: who failed and why
 * const verdict = email.authVerdict();                             // { aligned, rule, domain, reason }
 * const check = assertAuthenticatedSender(email, owner.address);   // before privileged actions
 * if (!check.ok) throw new Error(check.reason);
 * ```
 */
export { extractReply } from './reply.js';
export type { ExtractedReply, ReplyOptions, ReplySource } from './reply.js';
export { extractTextReply, DEFAULT_REPLY_ABOVE_MARKER } from './reply-text.js';
export type { TextReply, TextReplyOptions } from './reply-text.js';
export { extractHtmlReply } from './reply-html.js';
export type { HtmlReply, HtmlReplyOptions } from './reply-html.js';
export { classifyMessage } from './classify.js';
export type { Classification, ClassifyInput, ClassifyOptions, MessageKind } from './classify.js';
export { parseDeliveryReport } from './dsn.js';
export type { DeliveryAction, DeliveryRecipient, DeliveryReport, DeliveryReportFormat, DeliveryReportSource } from './dsn.js';
export { authVerdict, assertAuthenticatedSender, domainsAlign } from './auth.js';
export type { AuthVerdict, SenderCheck, SenderEvidence } from './auth.js';
export { verifyDkim } from './dkim.js';
export type { DkimVerification, TxtResolver, VerifyDkimOptions } from './dkim.js';
