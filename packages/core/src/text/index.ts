/**
 * Text algorithms for inbound mail: reply extraction.
 *
 * @example
 * ```ts
 * const { text, quoted, signature } = email.reply();          // new content of a reply
 * ```
 */
export { extractReply } from './reply.js';
export type { ExtractedReply, ReplyOptions, ReplySource } from './reply.js';
export { extractTextReply, DEFAULT_REPLY_ABOVE_MARKER } from './reply-text.js';
export type { TextReply, TextReplyOptions } from './reply-text.js';
export { extractHtmlReply } from './reply-html.js';
export type { HtmlReply, HtmlReplyOptions } from './reply-html.js';
