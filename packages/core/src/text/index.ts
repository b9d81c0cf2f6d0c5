/**
 * Text algorithms for inbound mail: reply extraction, classification (auto-replies, bounces, lists,
 * loops), delivery status notifications and sender-authentication verdicts. `InboundEmail` exposes
 * them as `reply()`, `classify()`, `deliveryReport()` and `authVerdict()`.
 *
 * `classify().kind` is one of `human`, `auto-reply`, `out-of-office`, `bounce`, `bulk`, `list`, `loop`;
 * when several signals apply the first of **bounce > loop > out-of-office > auto-reply > list > bulk > human**
 * wins (rationale on `MessageKind`), and `reasons` lists every signal found (at most 50, each cut at 200 characters).
 *
 * Every algorithm here is linear and bounded on any input (each regex passes `npm run check:regex`): `reply()` reads
 * the first `MAX_REPLY_SCAN_LINES` (10,000) lines / `MAX_REPLY_SCAN_CHARS` (256 KiB) of text and the first
 * `MAX_HTML_SCAN_CHARS` (128 KiB) of HTML, flattened to `MAX_HTML_DEPTH` (100) levels by `limitHtmlDepth` before
 * it is parsed; `deliveryReport()` reports at most `MAX_DSN_RECIPIENTS` (1,000) recipients. Use `limitHtmlDepth`
 * before handing sender HTML to any other DOM parser (sanitize-html, cheerio: htmlparser2 is quadratic in depth).
 *
 * @example
 * ```ts
 * const { text, quoted, signature } = email.reply();               // new content of a reply
 * const { kind, reasons } = email.classify({ ownDomains: ['reply.example.com'] });
 * if (kind !== 'human') return;                                    // never auto-answer machines
 * const dsn = await email.deliveryReport();                        // bounces: who failed and why
 * const verdict = email.authVerdict();                             // { aligned, rule, domain, reason }
 * const check = assertAuthenticatedSender(email, owner.address);   // before privileged actions
 * const safeHtml = limitHtmlDepth(email.html ?? '');               // before sanitize-html or any DOM
 * if (!check.ok) throw new Error(check.reason);
 * ```
 */
export { extractReply } from './reply.js';
export type { ExtractedReply, ReplyOptions, ReplySource } from './reply.js';
export { extractTextReply, DEFAULT_REPLY_ABOVE_MARKER, MAX_REPLY_SCAN_LINES, MAX_REPLY_SCAN_CHARS } from './reply-text.js';
export type { TextReply, TextReplyOptions } from './reply-text.js';
export { extractHtmlReply, MAX_HTML_SCAN_CHARS } from './reply-html.js';
export { limitHtmlDepth, MAX_HTML_DEPTH } from './html-depth.js';
export type { HtmlReply, HtmlReplyOptions } from './reply-html.js';
export { classifyMessage } from './classify.js';
export type { Classification, ClassifyInput, ClassifyOptions, MessageKind } from './classify.js';
export { parseDeliveryReport, MAX_DSN_RECIPIENTS } from './dsn.js';
export type { DeliveryAction, DeliveryRecipient, DeliveryReport, DeliveryReportFormat, DeliveryReportSource } from './dsn.js';
export { authVerdict, assertAuthenticatedSender, domainsAlign } from './auth.js';
export type { AuthVerdict, SenderCheck, SenderEvidence } from './auth.js';
export { verifyDkim, isTemporaryDkimFailure, DEFAULT_DKIM_TIMEOUT_MS, DEFAULT_MAX_DKIM_SIGNATURES } from './dkim.js';
export type { DkimCheck, DkimVerification, TxtResolver, VerifyDkimOptions } from './dkim.js';
