/**
 * Text algorithms for inbound mail: reply extraction, classification (auto-replies, complaints, bounces, lists,
 * loops), delivery status notifications, feedback reports and sender-authentication verdicts. `InboundEmail`
 * exposes them as `reply()`, `classify()`, `deliveryReport()`, `feedbackReport()` and `authVerdict()`.
 *
 * `classify().kind` is one of `human`, `auto-reply`, `out-of-office`, `complaint`, `bounce`, `bulk`, `list`, `loop`;
 * when several signals apply the first of
 * **complaint > bounce > loop > out-of-office > auto-reply > list > bulk > human**
 * wins (rationale on `MessageKind`), and `reasons` lists every signal found (at most 50, each cut at 200 characters).
 *
 * Every algorithm here is linear and bounded on any input (each regex passes `npm run check:regex`): `reply()` reads
 * the first `MAX_REPLY_SCAN_LINES` (10,000) lines / `MAX_REPLY_SCAN_CHARS` (256 KiB) of text and the first
 * `MAX_HTML_SCAN_CHARS` (128 KiB) of HTML, flattened to `MAX_HTML_DEPTH` (100) levels by `limitHtmlDepth` before
 * it is parsed, and converts at most `MAX_HTML_TEXT_ELEMENTS` (1,500) elements of it to text;
 * `deliveryReport()` reports at most `MAX_DSN_RECIPIENTS` (1,000) recipients. Use `limitHtmlDepth` (or `limitHtml`,
 * which also caps the element count) before handing sender HTML to any other DOM parser (sanitize-html, cheerio:
 * htmlparser2 is quadratic in depth, and a sanitizer costs per element).
 *
 * @example
 * ```ts
 * const { text, quoted, signature } = email.reply();               // new content of a reply
 * const { kind, reasons } = email.classify({ ownDomains: ['reply.example.com'] });
 * if (kind !== 'human') return;                                    // never auto-answer machines
 * const dsn = await email.deliveryReport();                        // bounces: who failed and why
 * const arf = await email.feedbackReport();                        // complaints: feedback type, who, which message
 * const verdict = email.authVerdict();                             // { aligned, rule, domain, reason }
 * const check = assertAuthenticatedSender(email, owner.address);   // before privileged actions
 * const safeHtml = limitHtmlDepth(email.html ?? '');               // before sanitize-html or any DOM
 * if (!check.ok) throw new Error(check.reason);
 * ```
 */
export { extractReply } from './reply.js';
export type { ExtractedReply, ReplyOptions, ReplySource } from './reply.js';
export {
  extractTextReply,
  DEFAULT_REPLY_ABOVE_MARKER,
  MAX_REPLY_SCAN_LINES,
  MAX_REPLY_SCAN_CHARS,
} from './reply-text.js';
export type { TextReply, TextReplyOptions } from './reply-text.js';
export { extractHtmlReply, MAX_HTML_SCAN_CHARS, MAX_HTML_TEXT_ELEMENTS } from './reply-html.js';
export { limitHtml, limitHtmlDepth, MAX_HTML_DEPTH } from './html-depth.js';
export type { HtmlLimits, LimitedHtml } from './html-depth.js';
export type { HtmlReply, HtmlReplyOptions } from './reply-html.js';
export { classifyMessage, MAX_CLASSIFY_TEXT } from './classify.js';
export type { Classification, ClassifyInput, ClassifyOptions, MessageKind } from './classify.js';
export { parseDeliveryReport, MAX_DSN_RECIPIENTS } from './dsn.js';
export { parseFeedbackReport, MAX_FEEDBACK_VALUES } from './feedback.js';
export type { FeedbackReport, FeedbackReportSource } from './feedback.js';
export type {
  DeliveryAction,
  DeliveryRecipient,
  DeliveryReport,
  DeliveryReportFormat,
  DeliveryReportSource,
} from './dsn.js';
export { authVerdict, assertAuthenticatedSender, domainsAlign } from './auth.js';
export type { AuthVerdict, SenderCheck, SenderEvidence } from './auth.js';
export { verifyDkim, isTemporaryDkimFailure, DEFAULT_DKIM_TIMEOUT_MS, DEFAULT_MAX_DKIM_SIGNATURES } from './dkim.js';
export type { DkimCheck, DkimVerification, TxtResolver, VerifyDkimOptions } from './dkim.js';
