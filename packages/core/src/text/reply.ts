import { extractBoundedHtmlReply, toText } from './reply-html.js';
import { DEFAULT_REPLY_ABOVE_MARKER, extractTextReply } from './reply-text.js';

export interface ReplyOptions {
  /**
   * Text that ends the reply wherever it appears (quoted or not, any case, whitespace-insensitive).
   * Default `## Reply above this line ##`; `null` disables it. Put the same string at the top of the
   * mail you send, so it comes back quoted below the answer: the one separator that is never ambiguous.
   */
  replyAboveMarker?: string | null;
}

/** The new content of a reply and what was elided. */
export interface ExtractedReply {
  /** The new text: from the text part, or the text form of the extracted HTML when there is no text part. */
  text: string;
  /** The HTML with quoted history and signature removed; null when the email has no HTML part. */
  html: string | null;
  /** The elided history (previous messages, attributions, forwarded parts), as text. */
  quoted: string;
  /** The elided signature, as text, or null. */
  signature: string | null;
}

export interface ReplySource {
  text: string | null;
  html: string | null;
}

/**
 * Extracts the new content of a reply. HTML is cut at the quoting markers of the major clients;
 * text is cut by line classification (attributions in 12+ languages, also wrapped, framed in dashes, without their
 * colon or sharing a line with the reply; header blocks of `Field: value` lines, known fields or not; Original-Message
 * and framed separators; `>` and `|` quotes; `-- `, mobile and `Regards, / Name / Title` signatures; list footers),
 * keeping interleaved replies (the sender's own text below a quote, not a sign-off) and fenced code.
 * Bounded work on any input: HTML past `MAX_HTML_SCAN_CHARS` (128 KiB) and text past `MAX_REPLY_SCAN_LINES` /
 * `MAX_REPLY_SCAN_CHARS` are not examined (kept as they are unless a cut above them removed them), HTML nested
 * deeper than `MAX_HTML_DEPTH` (100) is flattened before it is parsed.
 */
export function extractReply(source: ReplySource, options: ReplyOptions = {}): ExtractedReply {
  const marker = options.replyAboveMarker === undefined ? DEFAULT_REPLY_ABOVE_MARKER : options.replyAboveMarker;
  const hasText = Boolean(source.text && source.text.trim());
  // With a text part, the history is taken from it: the HTML's is not converted to text.
  const htmlReply = source.html
    ? extractBoundedHtmlReply(source.html, { replyAboveMarker: marker, quotedText: !hasText })
    : null;
  if (source.text && hasText) {
    const textReply = extractTextReply(source.text, { replyAboveMarker: marker });
    return {
      text: textReply.text,
      html: htmlReply ? htmlReply.html : null,
      quoted: textReply.quoted,
      signature: textReply.signature ?? htmlReply?.signature ?? null,
    };
  }
  if (!htmlReply) return { text: '', html: null, quoted: '', signature: null };
  // The DOM cut is authoritative; the text pass only catches what has no HTML marker
  // (Outlook header blocks in plain divs, "Sent from my iPhone" lines), and keeps unattributed <blockquote>s.
  const textReply = extractTextReply(toText(htmlReply.scanned), {
    replyAboveMarker: marker,
    stripUnattributedQuotes: false,
  });
  return {
    text: textReply.text,
    html: htmlReply.html,
    quoted: [htmlReply.quoted, textReply.quoted].filter(Boolean).join('\n\n'),
    signature: [htmlReply.signature, textReply.signature].filter(Boolean).join('\n') || null,
  };
}
